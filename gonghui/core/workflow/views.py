"""The transition pages: one record's transition (the detail page's buttons) and a bulk
transition over the rows selected on the list page, with a result per row."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from gonghui.core.records.views import RecordView
from gonghui.core.workflow import actions
from gonghui.core.workflow.spec import Transition, TransitionRefused

OPINION_MAX = 2000


class TransitionViewBase(RecordView):
    """POST only; the action checked is the transition's own permission."""

    http_method_names = ["post"]
    transition: Transition

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        flow = self.record_type.workflow
        step = flow.transition(kwargs["name"]) if flow is not None else None
        if step is None:
            raise Http404
        self.transition = step
        self.action = step.name
        return super().dispatch(request, *args, **kwargs)

    def opinion(self) -> str:
        return self.request.POST.get("opinion", "")[:OPINION_MAX]


class TransitionView(TransitionViewBase):
    """One record's transition; back to its page with the outcome (never a 500 on a race)."""

    def post(self, request: HttpRequest, pk: int, name: str) -> HttpResponse:
        record = self.record_type
        try:
            actions.take(
                self.get_object(), name, actor=request.user, opinion=self.opinion(),
                request=request,
            )
        except TransitionRefused as refused:
            if refused.missing:
                raise Http404 from refused
            messages.error(request, refused.message)
        else:
            messages.success(request, f"已{self.transition.label}")
        return redirect(record.url_name("detail"), pk=pk)


class BulkTransitionView(TransitionViewBase):
    """The selected rows (`pk`, repeated) through one transition; a result line per row."""

    template_name = "workflow/bulk_result.html"

    def post(self, request: HttpRequest, name: str) -> HttpResponse:
        outcomes = actions.bulk_transition(
            self.record_type,
            name,
            request.POST.getlist("pk")[:500],
            actor=request.user,
            opinion=self.opinion(),
            request=request,
        )
        done = sum(1 for o in outcomes if o.ok)
        return render(
            request,
            self.template_name,
            self.context(
                transition=self.transition,
                outcomes=outcomes,
                done=done,
                failed=len(outcomes) - done,
            ),
        )
