"""Organisations, enterprises, term elections and workers' homes, declared to the generic layer."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.core.attachments.kinds import DOCUMENTS, AttachmentKind, photos
from gonghui.core.records.filters import RecordFilterSet
from gonghui.core.records.registry import RecordType, Related, register
from gonghui.core.records.tables import Column
from gonghui.orgs.elections import STATUS_CHOICES, elections_with_status, unions_with_status
from gonghui.orgs.forms import ElectionForm, OrganizationForm, WorkersHomeForm
from gonghui.orgs.imports import ElectionImport, OrganizationImport
from gonghui.orgs.models import HOME_CHECKLIST, Election, Enterprise, Organization, WorkersHome


class StatusDayFilterSet(RecordFilterSet):
    """A `status` filter judged on the day `on` (today unless given)."""

    on = django_filters.DateFilter(label=_("状态日期"), method="keep")

    def keep(self, qs: Any, name: str, value: Any) -> Any:
        return qs  # read by the status filter

    def status_day(self) -> datetime.date:
        form = self.form
        day = form.cleaned_data.get("on") if hasattr(form, "cleaned_data") else None
        return day or timezone.localdate()


class OrganizationFilterSet(StatusDayFilterSet):
    """Organisations, with the unions overdue or due soon for election — including unions with
    no election on record, judged by their founding date (docs/architecture.md)."""

    election_status = django_filters.ChoiceFilter(
        label=_("换届状态"), choices=STATUS_CHOICES, method="by_status", empty_label="全部"
    )

    def by_status(self, qs: Any, name: str, value: str) -> Any:
        if not value:
            return qs
        user = getattr(self.request, "user", None)
        elections = Election.objects.visible_to(user)
        return unions_with_status(qs, elections, value, self.status_day())


organizations = register(
    RecordType(
        model=Organization,
        slug="orgs",
        columns=[
            Column("code", link=True),
            Column("name", link=True),
            "kind",
            "founded_on",
            "uscc",
            "chair",
            "phone",
            "guided_by",
        ],
        search_fields=["code", "name", "uscc", "chair"],
        filters=["kind"],
        form_fields=["code", "name", "kind", "founded_on", "guided_by", "uscc", "address",
                     "chair", "phone"],
        form_base=OrganizationForm,
        filterset_base=OrganizationFilterSet,
        menu_order=10,
        icon="bi-bank",
        count_by="kind",
        activity_date="founded_on",
        default_ordering=["path"],
        import_spec=OrganizationImport(),
        grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view change"},
        related=[
            Related(
                "下级组织",
                "orgs",
                lambda qs, org: qs.filter(path__prefix=org.path, depth=org.depth + 1),
                lambda org: f"org={org.pk}",
            ),
            Related(
                "所属企业",
                "enterprises",
                lambda qs, org: qs.filter(org=org),
                lambda org: f"org={org.pk}",
            ),
            Related(
                "换届记录",
                "elections",
                lambda qs, org: qs.filter(union=org),
                lambda org: f"org={org.pk}",
            ),
            Related(
                "职工之家",
                "homes",
                lambda qs, org: qs.filter(union=org),
                lambda org: f"org={org.pk}",
            ),
        ],
    )
)

# Everything the enterprise record type needs: a declaration.
enterprises = register(
    RecordType(
        model=Enterprise,
        slug="enterprises",
        columns=[
            Column("name", link=True),
            "uscc",
            "industry",
            "ownership",
            "employee_count",
            "is_key",
            "town",
            "union",
        ],
        search_fields=["name", "uscc"],
        filters=["industry", "ownership", "is_key", "town"],
        form_fields=[
            "name",
            "uscc",
            "industry",
            "ownership",
            "employee_count",
            "is_key",
            "town",
            "union",
        ],
        menu_order=20,
        icon="bi-building",
        grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view change"},
    )
)


class ElectionFilterSet(StatusDayFilterSet):
    """Elections, and the two lists cadres work from: overdue and due within 90 days.

    `status` keeps each union's latest election whose term has run out (or runs out within 90
    days) on the day `on` (today unless given), so the dashboard can link to the list as of the
    end of the period it shows.
    """

    status = django_filters.ChoiceFilter(
        label=_("换届状态"), choices=STATUS_CHOICES, method="by_status", empty_label="全部"
    )
    held = django_filters.DateFromToRangeFilter(
        label=_("换届日期"), field_name="held_on",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    def by_status(self, qs: Any, name: str, value: str) -> Any:
        if not value:
            return qs
        return elections_with_status(qs, value, self.status_day())


RECORD_GRANTS: dict[str, str] = {
    Role.TOWN_CADRE: "view add change delete",
    Role.GRASSROOTS_CHAIR: "view add change",
}

elections = register(
    RecordType(
        model=Election,
        slug="elections",
        columns=[
            Column("union__name", link=True, label=str(_("工会"))),
            Column("union__code", label=str(_("工会编码"))),
            "held_on",
            "term_years",
            "next_due",
            "guided_by",
        ],
        search_fields=["union__name", "union__code"],
        filterset_base=ElectionFilterSet,
        filters=["term_years"],
        form_fields=["union", "held_on", "term_years", "guided_by"],
        form_base=ElectionForm,
        menu_order=22,
        icon="bi-arrow-repeat",
        import_spec=ElectionImport(),
        in_search=False,
        default_ordering=["-held_on", "-pk"],
        activity_date="held_on",
        grants=RECORD_GRANTS,
        attachments=[AttachmentKind("minutes", "会议纪要", accept=DOCUMENTS, max_count=10)],
    )
)

homes = register(
    RecordType(
        model=WorkersHome,
        slug="homes",
        columns=[
            Column("union__name", link=True, label=str(_("工会"))),
            Column("union__code", label=str(_("工会编码"))),
            "level",
            "year",
            "awarded_on",
            "checklist_met",
            *(name for name, _label in HOME_CHECKLIST),
        ],
        search_fields=["union__name", "union__code"],
        filters=["level", "year"],
        form_fields=["union", "level", "year", "awarded_on",
                     *(name for name, _label in HOME_CHECKLIST)],
        form_base=WorkersHomeForm,
        menu_order=24,
        icon="bi-house-heart",
        count_by="level",
        in_search=False,
        default_ordering=["-awarded_on", "-pk"],
        activity_date="awarded_on",
        grants=RECORD_GRANTS,
        attachments=[
            photos(hint="活动室、书屋、荣誉墙等"),
            AttachmentKind("certificate", "命名文件"),
        ],
    )
)
