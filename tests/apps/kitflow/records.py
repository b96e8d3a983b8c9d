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
        # A sample type: kept out of the top bar's search, whose query budget counts real types.
        in_search=False,
        workflow=RELIEF,
        grants={
            Role.TOWN_CADRE: "view add change delete submit review send_back reject",
            Role.GRASSROOTS_CHAIR: "view add change submit",
        },
    )
)
