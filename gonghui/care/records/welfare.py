"""Welfare (普惠服务), declared to the kit.

Consolation visits, summer cooling and sanatorium stays are activities: this module declares
their kinds and the one child row type the activity record lacks (the hardship households a
visit called on), and nothing else of theirs. Nursing rooms, entrepreneurship leaders and
entrepreneurship bases are record types of their own, each with photos, a picker for the people,
unions and enterprises it names, and a declared import.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role

# The activity record type must be registered before this module extends it; the reports app
# discovers indicators and panels (which import these records) before the activities app is ready.
from gonghui.activities import records as _activity_records  # noqa: F401
from gonghui.activities.kinds import kinds
from gonghui.care.models.welfare import (
    CONSOLATION,
    COOLING,
    SANATORIUM,
    EntrepreneurBase,
    EntrepreneurLeader,
    NursingRoom,
    VisitedHousehold,
)
from gonghui.core.attachments.kinds import AttachmentKind, photos
from gonghui.core.imports.declared import Field, RecordImport
from gonghui.core.records.children import Aggregate, ChildRows
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.menus import menu_group
from gonghui.core.records.registry import RecordType, register, registry
from gonghui.core.records.tables import Column

kinds.declare("care", {
    CONSOLATION: "走访慰问",
    COOLING: "夏送清凉",
    SANATORIUM: "疗休养",
})

WELFARE_MENU = menu_group("普惠服务", order=55, icon="bi-balloon-heart")

GRANTS: dict[str, str] = {
    Role.TOWN_CADRE: "view add change delete",
    Role.GRASSROOTS_CHAIR: "view add change",
}


class VisitedHouseholdForm(RecordForm):
    """A household visited: only on a consolation visit (the review counts those alone), and
    once per visit."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        activity = self.instance.activity
        if activity.kind != CONSOLATION:
            raise ValidationError(
                _("走访困难职工户只能登记在“%(kind)s”类活动中，本活动为“%(this)s”")
                % {"kind": kinds.label(CONSOLATION), "this": kinds.label(activity.kind)}
            )
        # The form has no activity field, so the model form leaves the unique constraint
        # (activity, person) unchecked: asked here, it is a message instead of an error page.
        person = data.get("person")
        twice = (
            VisitedHousehold.objects.visible_to(self.user)
            .filter(activity=activity, person=person)
            .exclude(pk=self.instance.pk)
        )
        if person is not None and twice.exists():
            self.add_error("person", _("该户已登记在本次走访慰问中"))
        return data


households = ChildRows(
    model=VisitedHousehold,
    slug="households",
    parent_field="activity",
    columns=["person", "situation", "note"],
    form_fields=["person", "situation", "note"],
    form_base=VisitedHouseholdForm,
    aggregates=[Aggregate("households", "走访户数", Count("pk"), "户")],
    inline_limit=30,
)
registry["activities"].add_children(households)

ORG = Field("org", header="所属工会编码")

nursing_rooms = register(RecordType(
    model=NursingRoom,
    slug="nursing-rooms",
    columns=[Column("name", link=True), "org", "enterprise", "address", "built_on", "area"],
    search_fields=["name", "address"],
    form_fields=["name", "org", "enterprise", "address", "built_on", "area", "facilities"],
    menu_group=WELFARE_MENU,
    menu_order=70,
    icon="bi-house-heart",
    activity_date="built_on",
    default_ordering=["-built_on", "-pk"],
    # Found on their own list: every type the top bar searches costs it a query.
    in_search=False,
    # Naming a room, a leader or a base is done once: a row naming one already on record is
    # reported as a duplicate rather than taken as a correction of it.
    import_spec=RecordImport(
        "name", ORG, "enterprise", "address", "built_on", "area", "facilities",
        updates=False,
        instructions="填表说明：1. 红色列为必填；2. 所属工会编码须在您的管辖范围内；"
                     "3. 所在企业按统一社会信用代码填写，可不填；4. 同一工会的小屋名称不能重复。",
    ),
    grants=GRANTS,
    attachments=[photos(hint="小屋外景、室内设施等照片，请填写说明")],
))

entrepreneurs = register(RecordType(
    model=EntrepreneurLeader,
    slug="entrepreneurs",
    columns=[Column("person__name", link=True, label=str(_("姓名"))), "person__id_number",
             "venture", "enterprise", "jobs", "named_on", "org"],
    search_fields=["person__name", "venture"],
    form_fields=["person", "venture", "enterprise", "jobs", "named_on", "org", "note"],
    menu_group=WELFARE_MENU,
    menu_order=71,
    icon="bi-person-up",
    activity_date="named_on",
    default_ordering=["-named_on", "-pk"],
    in_search=False,
    # Naming a room, a leader or a base is done once: a row naming one already on record is
    # reported as a duplicate rather than taken as a correction of it.
    import_spec=RecordImport(
        "person", ORG, "venture", "enterprise", "jobs", "named_on", "note",
        updates=False,
        instructions="填表说明：1. 红色列为必填；2. 身份证号请按文本填写，人员须已在人员库中"
                     "且在您的管辖范围内；3. 同一人只能选树一次；"
                     "4. 创办企业按统一社会信用代码填写，可不填。",
    ),
    grants=GRANTS,
    attachments=[photos(hint="本人照片、创业项目现场等"),
                 AttachmentKind("certificate", "命名文件")],
))

entrepreneur_bases = register(RecordType(
    model=EntrepreneurBase,
    slug="entrepreneur-bases",
    columns=[Column("name", link=True), "org", "enterprise", "address", "named_on", "ventures",
             "jobs"],
    search_fields=["name", "address"],
    form_fields=["name", "org", "enterprise", "address", "named_on", "ventures", "jobs"],
    menu_group=WELFARE_MENU,
    menu_order=72,
    icon="bi-buildings",
    activity_date="named_on",
    default_ordering=["-named_on", "-pk"],
    in_search=False,
    # Naming a room, a leader or a base is done once: a row naming one already on record is
    # reported as a duplicate rather than taken as a correction of it.
    import_spec=RecordImport(
        "name", ORG, "enterprise", "address", "named_on", "ventures", "jobs",
        updates=False,
        instructions="填表说明：1. 红色列为必填；2. 所属工会编码须在您的管辖范围内；"
                     "3. 依托企业按统一社会信用代码填写，可不填；4. 同一工会的基地名称不能重复。",
    ),
    grants=GRANTS,
    attachments=[photos(hint="基地外景、入驻项目等"), AttachmentKind("certificate", "命名文件")],
))
