from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from gonghui.accounts.roles import Role
from gonghui.core.records.registry import RecordType, register
from gonghui.core.records.rowaction import RecordAction
from tests.apps.kitflow.models import ReliefClaim
from tests.apps.kitflow.workflows import RELIEF

URGENT = "【加急】"


def mark_urgent(obj: Any, *, data: dict[str, Any], user: Any, request: Any) -> None:
    """A row action beside the workflow's transitions: the list page offers both in one bar."""
    if obj.title.startswith(URGENT):
        raise ValidationError("已标记加急")
    obj.title = f"{URGENT}{obj.title}"[:100]
    obj.save(update_fields=["title"])


claims = register(
    RecordType(
        model=ReliefClaim,
        slug="kitclaims",
        columns=["title", "applicant", "amount", "org", "state"],
        search_fields=["title", "applicant"],
        form_fields=["org", "title", "applicant", "amount", "reason"],
        menu_group="流程样例",
        # A sample type: kept out of the top bar's search, whose query budget counts real types.
        in_search=False,
        workflow=RELIEF,
        actions=[RecordAction("urgent", "标记加急", run=mark_urgent, icon="bi-flag")],
        grants={
            Role.TOWN_CADRE: "view add change delete submit review send_back reject",
            Role.GRASSROOTS_CHAIR: "view add change submit",
        },
    )
)
