from __future__ import annotations

from gonghui.accounts.roles import Role
from gonghui.core.records.registry import RecordType, register
from tests.apps.kitflow.models import ReliefClaim
from tests.apps.kitflow.workflows import RELIEF

claims = register(
    RecordType(
        model=ReliefClaim,
        slug="kitclaims",
        columns=["title", "applicant", "amount", "org", "state"],
        search_fields=["title", "applicant"],
        form_fields=["org", "title", "applicant", "amount", "reason"],
        menu_group="流程样例",
        workflow=RELIEF,
        grants={
            Role.TOWN_CADRE: "view add change delete submit review send_back reject",
            Role.GRASSROOTS_CHAIR: "view add change submit",
        },
    )
)
