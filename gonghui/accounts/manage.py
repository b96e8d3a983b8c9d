"""The security administrator's account pages beyond the list: create an account, set its
name, organisation and roles, reset its password.

Everything is scoped to the manager's subtree: the accounts through `views.managed_accounts`,
the organisations offered through `managed_orgs`; an account or organisation elsewhere is a
404 or an invalid choice, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from gonghui.accounts import actions
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role
from gonghui.accounts.views import managed_accounts
from gonghui.orgs.models import Organization


def managed_orgs(user: Any) -> Any:
    return Organization.objects.managed_by(user)


class AccountForm(forms.Form):
    username = forms.RegexField(
        label="用户名", max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
        error_messages={"invalid": "用户名只能包含字母、数字和 _ . -"},
    )
    name = forms.CharField(label="姓名", max_length=150)
    # A plain list: the security administrator reads no records, so the organisations' picker
    # (which searches what its user may see) would find nothing for them.
    org = forms.ModelChoiceField(label="所属组织", queryset=Organization.objects.none())
    roles = forms.MultipleChoiceField(label="角色", choices=Role.choices,
                                      widget=forms.CheckboxSelectMultiple)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=True),
                               help_text="至少12位；账号首次登录后可自行修改。")

    def __init__(self, *args: Any, manager: Any, account: User | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        org = self.fields["org"]
        assert isinstance(org, forms.ModelChoiceField)
        org.queryset = managed_orgs(manager).order_by("path")
        for name, field in self.fields.items():
            if name != "roles":
                field.widget.attrs.setdefault(
                    "class", "form-select" if name == "org" else "form-control")
        if account is not None:
            del self.fields["username"], self.fields["password"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise ValidationError(f"用户名 {username} 已被使用")
        return username

    def clean_roles(self) -> list[str]:
        try:
            return actions.check_roles(self.cleaned_data["roles"])
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        validate_password(password)
        return password


@permission_required("accounts.manage_accounts", raise_exception=True)
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = actions.create_user(username=data["username"], org=data["org"],
                                   roles=data["roles"], password=data["password"],
                                   name=data["name"], actor=request.user)  # type: ignore[arg-type]
        messages.success(request, f"已创建账号 {user.username}（{user.first_name}）")
        return redirect("account-list")
    return render(request, "accounts/account_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Scope first, as for the other account actions: an account this user does not manage
    # (any account, for one who manages none) is a 404, like one that does not exist.
    account = get_object_or_404(managed_accounts(request.user), pk=pk)
    initial = {"name": account.first_name, "org": account.org_id,
               "roles": list(account.groups.values_list("name", flat=True))}
    form = AccountForm(request.POST or None, manager=request.user, account=account,
                       initial=initial)
    if request.method == "POST" and form.is_valid():
        if account.pk == request.user.pk:
            messages.error(request, "不能修改自己的组织和角色。")
            return redirect("account-list")
        data = form.cleaned_data
        actions.change_account(user=account, name=data["name"], org=data["org"],
                               roles=data["roles"], actor=request.user,  # type: ignore[arg-type]
                               request=request)
        messages.success(request, f"已保存账号 {account.username}")
        return redirect("account-list")
    return render(request, "accounts/account_form.html", {"form": form, "account": account},
                  status=400 if form.is_bound else 200)


def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(managed_accounts(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if account.pk == request.user.pk:
        messages.error(request, "不能重置自己的密码：请用右上角的“修改密码”。")
        return redirect("account-list")
    temporary = actions.reset_password(user=account, actor=request.user,  # type: ignore[arg-type]
                                       request=request)
    response = render(request, "accounts/account_password.html",
                      {"account": account, "temporary": temporary})
    response["Cache-Control"] = "no-store"
    return response
