"""工作回顾 pages: compile a review for an organisation in the user's subtree, edit and save it,
download it as Word, Excel or JSON.

The organisation is always fetched through `Organization.objects.visible_to(user)` and saved
reviews through `Review.objects.visible_to(user)`: another branch's organisation or review is a
404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction
from gonghui.orgs.models import Organization
from gonghui.reports import indicators, outputs
from gonghui.reports.home import choose_period, half_year_choices, home_figures, latest_activity
from gonghui.reports.models import Review
from gonghui.reports.periods import PERIOD_HELP, Period, PeriodError
from gonghui.reports.review import (
    CompiledReview,
    NarrativeError,
    check_narrative,
    compile_review,
    indicator_names,
    to_keys,
    to_names,
)

DOWNLOADS = (("docx", "Word"), ("xlsx", "Excel"), ("json", "JSON"))


class ReviewForm(forms.Form):
    title = forms.CharField(
        label="标题", max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    narrative = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 16, "class": "form-control",
                                     "data-indicator-target": "1"}),
        help_text="每行一段；“一、”开头的行为一级标题，“（一）”开头的段落以第一个句号前的文字为"
        "二级标题。〔指标名称〕处在显示和下载时填入按记录计算的最新数字（〔指标名称:精确〕不取整，"
        "〔指标名称:3位有效数字〕保留3位有效数字），可用下方“插入指标”选择插入。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The stored text names figures by key (〔members.active〕); the cadre edits names.
        initial = kwargs.get("initial")
        if initial and initial.get("narrative"):
            kwargs["initial"] = {**initial, "narrative": to_names(initial["narrative"])}
        super().__init__(*args, **kwargs)

    def clean_narrative(self) -> str:
        text: str = self.cleaned_data["narrative"]
        try:
            stored = to_keys(text)
            check_narrative(stored)
        except NarrativeError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return stored


def _require(request: HttpRequest, action: str) -> None:
    user = request.user
    if not user.has_perm(f"reports.{action}_review") or getattr(user, "org", None) is None:
        raise PermissionDenied


def _org(request: HttpRequest, code: str) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), code=code)


def _period(text: str) -> Period:
    return Period.parse(text) if text.strip() else Period.half_year_of(timezone.localdate())


def _period_choices(user: Any, shown: Period | None) -> list[tuple[str, list[Period]]]:
    """The picker's periods: recent half-years (from the latest with records) and their years."""
    today = timezone.localdate()
    halves = half_year_choices(today, latest_activity(user), shown or Period.half_year_of(today))
    halves = [p for p in halves if p.code.endswith(("H1", "H2"))]
    years: list[Period] = []
    for half in halves:
        year = Period.parse(str(half.start.year))
        if year not in years:
            years.append(year)
    return [("半年", halves), ("全年", years)]


def _org_choices(request: HttpRequest, selected: Organization | None) -> list[Organization]:
    """The user's organisation and the levels below it that write reviews (not every union)."""
    top: Organization = request.user.org  # type: ignore[union-attr,assignment]
    choices = list(
        Organization.objects.visible_to(request.user)
        .filter(depth__lte=top.depth + 1)
        .order_by("path")
    )
    if selected is not None and selected not in choices:
        choices.append(selected)
    return choices


def _context(request: HttpRequest, review: CompiledReview, **extra: Any) -> dict[str, Any]:
    query = {"org": review.org.code, "period": review.period.code}
    saved = extra.get("saved_review")
    if saved is not None:
        query = {"review": str(saved.pk)}
    export = reverse("review-export")
    scope = indicators.Scope(review.org, review.period, request.user)
    return {
        "review": review,
        "charts": outputs.chart_data(review),
        "downloads": [
            (label, f"{export}?{urlencode({**query, 'format': fmt})}") for fmt, label in DOWNLOADS
        ],
        "indicators": indicators.registered(),
        # (indicator, figure, list page of exactly its records)
        "figures": [
            (item, review.values[item.key], item.list_url(scope))
            for item in indicators.registered()
        ],
        "values": review.values,
        "picker": _indicator_picker(),
        "saved_list": Review.objects.visible_to(request.user)
        .filter(period_code=review.period.code)
        .select_related("org", "author"),
        "can_save": request.user.has_perm("reports.add_review"),
        "can_change": request.user.has_perm("reports.change_review"),
        "period_help": PERIOD_HELP,
        **extra,
    }


def _indicator_picker() -> list[tuple[str, list[tuple[str, str]]]]:
    """The editor's 插入指标 list: (group, [(name as typed, name with unit)]) per app."""
    names = indicator_names()
    groups: dict[str, list[tuple[str, str]]] = {}
    for item in indicators.registered():
        name = names[item.key]
        groups.setdefault(item.group, []).append((f"〔{name}〕", f"{name}（{item.unit}）"))
    return [(group, sorted(options, key=lambda o: o[1])) for group, options in groups.items()]


def review_index(request: HttpRequest) -> HttpResponse:
    """Choose an organisation and a period; see the compiled review; save an edited copy."""
    _require(request, "view")
    user: Any = request.user
    code = request.GET.get("org", "").strip() or user.org.code
    org = _org(request, code)
    # The typed period (其他期间) wins over the picker, so a range can be asked for.
    asked = (request.GET.get("period_text") or request.GET.get("period", "")).strip()
    fallback_from = None
    try:
        if asked:
            period = Period.parse(asked)
        else:
            # The current half-year, or when nothing happened in it yet, the latest with records.
            period, fallback_from, _error = choose_period(
                "", timezone.localdate(), latest_activity(user)
            )
    except PeriodError as exc:
        return render(
            request,
            "reports/review.html",
            {"period_error": str(exc), "org": org, "org_choices": _org_choices(request, org),
             "period_text": asked, "period_help": PERIOD_HELP,
             "period_choices": _period_choices(user, None)},
            status=400,
        )
    review = compile_review(org, period, user)
    if request.method == "POST":
        _require(request, "add")
        form = ReviewForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                saved = Review(org=org, period_code=period.code, author=user,
                               title=form.cleaned_data["title"],
                               narrative=form.cleaned_data["narrative"])
                saved.save()
                audit.record(AuditAction.CREATE, request=request, obj=saved,
                             changes=audit.diff({}, audit.snapshot(saved)))
            messages.success(request, f"已保存：{saved.title}")
            return redirect("review-detail", pk=saved.pk)
        status = 400
    else:
        form = ReviewForm(initial={"title": review.title, "narrative": review.narrative})
        status = 200
    return render(
        request,
        "reports/review.html",
        _context(request, review, form=form, org=org, org_choices=_org_choices(request, org),
                 fallback_from=fallback_from, **_picker(user, period)),
        status=status,
    )


def _picker(user: Any, period: Period) -> dict[str, Any]:
    """The period picker's groups, and the typed text when the period is not among them."""
    choices = _period_choices(user, None)
    listed = any(period in group for _label, group in choices)
    return {"period_choices": choices, "period_text": "" if listed else period.label,
            "period": period}


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A saved review, its figures computed now; POST saves an edit."""
    # Scope before anything else: another branch's review is a 404 on every verb.
    saved = get_object_or_404(Review.objects.visible_to(request.user), pk=pk)
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "POST"])
    _require(request, "view")
    period = Period.parse(saved.period_code)
    org = saved.org
    if request.method == "POST":
        _require(request, "change")
        form = ReviewForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                before = audit.snapshot(saved)
                saved.title = form.cleaned_data["title"]
                saved.narrative = form.cleaned_data["narrative"]
                saved.save()
                audit.record(AuditAction.UPDATE, request=request, obj=saved,
                             changes=audit.diff(before, audit.snapshot(saved)))
            messages.success(request, f"已保存：{saved.title}")
            return redirect("review-detail", pk=saved.pk)
        status = 400
    else:
        form = ReviewForm(initial={"title": saved.title, "narrative": saved.narrative})
        status = 200
    try:
        review = compile_review(org, period, request.user, title=saved.title,
                                narrative=saved.narrative)
    except NarrativeError as exc:
        # An indicator named in the saved text no longer exists: show the default text's figures
        # and say which placeholder to fix.
        messages.error(request, str(exc))
        review = compile_review(org, period, request.user, title=saved.title)
    return render(
        request,
        "reports/review.html",
        _context(request, review, form=form, org=org, saved_review=saved,
                 org_choices=_org_choices(request, org), **_picker(request.user, period)),
        status=status,
    )


def review_export(request: HttpRequest) -> HttpResponse:
    """`?org=CODE&period=2018H1&format=docx` (the compiled review) or `?review=PK&format=…`."""
    _require(request, "view")
    user: Any = request.user
    if request.GET.get("review"):
        try:
            pk = int(request.GET["review"])
        except ValueError:
            raise Http404 from None
        saved = get_object_or_404(Review.objects.visible_to(user), pk=pk)
        org, period_text = saved.org, saved.period_code
        title, narrative = saved.title, saved.narrative
    else:
        org = _org(request, request.GET.get("org", "").strip() or user.org.code)
        period_text = request.GET.get("period", "")
        title = narrative = None
    fmt = request.GET.get("format", "")
    if fmt not in {f for f, _label in DOWNLOADS}:
        return HttpResponse(
            "请选择下载格式：docx（Word）、xlsx（Excel）或 json。", status=400,
            content_type="text/plain; charset=utf-8",
        )
    try:
        period = _period(period_text)
        review = compile_review(org, period, user, title=title, narrative=narrative)
    except (PeriodError, NarrativeError) as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    data = outputs.render(review, fmt)
    audit.record(AuditAction.EXPORT, request=request, object_type="reports.review",
                 changes={"org": org.code, "period": period.code, "format": fmt})
    response = HttpResponse(data, content_type=outputs.FORMATS[fmt][0])
    if fmt != "json":
        name = outputs.filename(review, fmt)
        response["Content-Disposition"] = (
            f"attachment; filename=\"review.{fmt}\"; filename*=UTF-8''{quote(name)}"
        )
    return response


# What an account that sees no records comes to the platform for (the security administrator
# manages accounts, the auditor reads the audit log): (permission, title, what it is, url name).
DUTIES = (
    ("accounts.view_user", "账号管理", "查看账号，新建账号，设置所属组织和角色，重置密码，"
     "解除锁定，停用账号。", "account-list"),
    ("accounts.manage_accounts", "新建账号", "为新同志开设账号并分配组织和角色（三员分立："
     "系统管理员、安全管理员、审计员不可兼任）。", "account-create"),
    ("core.view_auditentry", "审计日志", "查看谁在何时做了什么：登录、查看敏感信息、导入导出、"
     "新增修改删除和审批。", "audit-log"),
)


def duties(user: Any) -> list[tuple[str, str, str]]:
    """The home page's links for what the account may do: (title, description, url)."""
    return [(title, text, reverse(name)) for perm, title, text, name in DUTIES
            if user.has_perm(perm)]


def home(request: HttpRequest) -> HttpResponse:
    cards, board, counted_at = home_figures(request.user, request.GET.get("period", ""))
    if board is not None and board.period_error:
        messages.error(request, board.period_error)
    return render(
        request, "core/home.html",
        {"cards": cards, "board": board, "counted_at": counted_at,
         "duties": duties(request.user) if not cards else []},
    )
