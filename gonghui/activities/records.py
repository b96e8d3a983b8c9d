"""The activity record type and its child rows, declared to the generic layer."""

from __future__ import annotations

from django.db.models import Count, Sum

from gonghui.accounts.roles import Role
from gonghui.activities.forms import ActivityUnitForm, ParticipantForm
from gonghui.activities.imports import SignInImport
from gonghui.activities.models import PERSON_TIMES, PERSONS, Activity, ActivityUnit, Participant
from gonghui.core.attachments.kinds import photos
from gonghui.core.records.children import Aggregate, ChildRows
from gonghui.core.records.registry import RecordType, register
from gonghui.core.records.tables import Column

units = ChildRows(
    model=ActivityUnit,
    slug="units",
    parent_field="activity",
    columns=["unit_name", "enterprise__uscc", "amount", "goods_value", "note"],
    form_fields=["unit", "amount", "goods_value", "note"],
    form_base=ActivityUnitForm,
    aggregates=[
        Aggregate("units", "单位数", Count("pk"), "个"),
        Aggregate("amount", "送达金额", Sum("amount"), "元"),
        Aggregate("goods_value", "送达物资价值", Sum("goods_value"), "元"),
    ],
)

participants = ChildRows(
    model=Participant,
    slug="participants",
    parent_field="activity",
    columns=["person", "headcount", "unit_name", "signed_on", "note"],
    form_fields=["name", "id_number", "headcount", "unit_name", "signed_on", "note"],
    form_base=ParticipantForm,
    aggregates=[
        Aggregate("persons", "参与人数", PERSONS, "人"),
        Aggregate("person_times", "参与人次", PERSON_TIMES, "人次"),
    ],
    import_spec=SignInImport(),
    inline_limit=30,
)

activities = register(
    RecordType(
        model=Activity,
        slug="activities",
        columns=[
            Column("title", link=True),
            "kind",
            "start_date",
            "end_date",
            "org",
            "places",
            "money",
            "goods_value",
        ],
        search_fields=["title", "places"],
        filters=["kind"],
        form_fields=["kind", "title", "org", "start_date", "end_date", "places", "money",
                     "goods_value", "leaders", "summary"],
        menu_group="活动",
        menu_order=60,
        icon="bi-calendar-event",
        count_by="kind",
        activity_date="start_date",
        default_ordering=["-start_date", "-pk"],
        # Found by the list page's search: the top bar's search pays a query per type searched
        # and stays within its budget (tests/core/test_query_counts.py).
        in_search=False,
        grants={
            Role.TOWN_CADRE: "view add change delete",
            Role.GRASSROOTS_CHAIR: "view add change delete",
        },
        children=[units, participants],
        # The review picks captioned photos of its activities (core.attachments.rules).
        attachments=[photos(hint="活动现场、领导出席、参与职工等照片，请填写说明")],
    )
)
