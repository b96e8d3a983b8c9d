"""The page of a record action (core.records.rowaction): the form, then each record in turn."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from gonghui.core.records.rowaction import ActionForm
from gonghui.core.records.views import RecordView

# The most rows one bulk action takes: a list page shows at most 200, and a larger change is
# an import's work.
MAX_ROWS = 500


def selected_ids(request: HttpRequest) -> list[int]:
    values = request.POST.getlist("ids") if request.method == "POST" else []
    values = values or request.GET.getlist("ids")
    ids = []
    for value in values:
        for part in str(value).split(","):
            if part.strip().isdigit():
                ids.append(int(part))
    return list(dict.fromkeys(ids))[:MAX_ROWS]


class RecordActionView(RecordView):
    template_name = "core/record_action.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        found = next(
            (a for a in self.record_type.record_actions if a.slug == kwargs.get("action")),
            None,
        )
        if found is None:
            raise Http404
        self.row_action = found
        self.action = found.permission  # RecordView.dispatch checks this permission
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        asked = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if asked and url_has_allowed_host_and_scheme(
            asked, allowed_hosts={self.request.get_host()}
        ):
            return asked
        return reverse(self.record_type.url_name("list"))

    def chosen(self) -> tuple[list[Any], list[Any]]:
        """(records it applies to, records it does not), among those the user sees."""
        ids = selected_ids(self.request)
        objects = list(self.record_type.list_queryset(self.request.user).filter(pk__in=ids))
        objects.sort(key=lambda obj: ids.index(obj.pk))
        applies = [obj for obj in objects if self.row_action.applies(obj)]
        return applies, [obj for obj in objects if not self.row_action.applies(obj)]

    def page(self, form: ActionForm, status: int = 200) -> HttpResponse:
        applies, skipped = self.chosen()
        return render(
            self.request,
            self.template_name,
            self.context(
                row_action=self.row_action, form=form, objects=applies, skipped=skipped,
                next_url=self.next_url(),
            ),
            status=status,
        )

    def get(self, request: HttpRequest, action: str) -> HttpResponse:
        return self.page(self.row_action.form(user=request.user))

    def post(self, request: HttpRequest, action: str) -> HttpResponse:
        form = self.row_action.form(request.POST, user=request.user)
        applies, _skipped = self.chosen()
        if not applies:
            form.add_error(None, "没有可办理的记录：请在列表中勾选")
        if not form.is_valid():
            return self.page(form, status=400)
        done, refused = [], []
        for obj in applies:
            try:
                with transaction.atomic():
                    self.row_action.run(obj, data=form.cleaned_data, user=request.user,
                                        request=request)
            except ValidationError as exc:
                refused.append(f"{obj}：{'；'.join(exc.messages)}")
            else:
                done.append(obj)
        label = self.row_action.label
        if done:
            messages.success(request, f"已办理{label}：{len(done)} 条"
                             + (f"（{done[0]}）" if len(done) == 1 else ""))
        if refused:
            shown = "；".join(refused[:10])
            more = f"；另有 {len(refused) - 10} 条" if len(refused) > 10 else ""
            messages.error(request, f"未能办理{label} {len(refused)} 条：{shown}{more}")
            if not done:
                # Nothing went through: stay on the form with what was typed.
                return self.page(form, status=400)
        return redirect(self.next_url())
