"""People, members and benefit cards, declared to the generic layer."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditOutcome
from gonghui.core.records.filters import RecordFilterSet
from gonghui.core.records.registry import RecordType, Related, register
from gonghui.core.records.tables import Column
from gonghui.core.text.pinyin import matches as looks_like_initials
from gonghui.people.forms import MemberForm, PersonForm
from gonghui.people.imports import MemberImport
from gonghui.people.models import BenefitCard, Membership, Person

DIGITS = re.compile(r"^\d{3,17}[\dXx]?$")

# A user who sees numbers masked may look one up whole or by its last four digits — nothing in
# between, or adding a digit at a time would rebuild the masked value (issue 12, finding 4).
# Such lookups are audited and limited per account.
SENSITIVE_SEARCH_LIMIT = 30
SENSITIVE_SEARCH_WINDOW = 600  # seconds
NOTHING = Q(pk__in=[])


def person_search(prefix: str, value: str, *, reveal: bool = True) -> Q:
    """One search box for a person: name, pinyin initials, ID-number tail or phone.

    Each form of query goes to an indexed column: `zs` to the initials, four characters of an
    ID number to `id_tail`, a full number or phone to the exact column, a name to `name` (a
    prefix match that the index serves: `gonghui.core.tenancy.lookups`). Other lengths of
    digits match the tails of numbers only for a user who sees them unmasked (`reveal`).
    """
    value = value.strip()
    if looks_like_initials(value):
        return Q(**{f"{prefix}name_initials__prefix": value.lower()})
    if DIGITS.match(value):
        value = value.upper()
        if len(value) == 18:
            return Q(**{f"{prefix}id_number": value})
        if len(value) == 11:
            return Q(**{f"{prefix}mobile": value})
        if len(value) == 4:
            return Q(**{f"{prefix}id_tail": value}) | Q(**{f"{prefix}mobile__endswith": value})
        if not reveal:
            return NOTHING
        return Q(**{f"{prefix}id_number__endswith": value}) | Q(
            **{f"{prefix}mobile__endswith": value}
        )
    return Q(**{f"{prefix}name__prefix": value})


def _search(filterset: Any, qs: Any, prefix: str, value: str) -> Any:
    if not value.strip():
        return qs
    request = getattr(filterset, "request", None)
    user = getattr(request, "user", None)
    reveal = bool(user is not None and user.has_perm("accounts.view_sensitive"))
    if not reveal and DIGITS.match(value.strip()) and not _allow_sensitive_search(request, user):
        return qs.none()
    return qs.filter(person_search(prefix, value, reveal=reveal))


def _allow_sensitive_search(request: Any, user: Any) -> bool:
    """Count, audit and limit a masked user's search by number. The audit row holds no digit."""
    # The account's id and creation time: an id alone would carry a count over to a new
    # account given a reused id (a restored database, a test run).
    joined = getattr(user, "date_joined", None)
    stamp = joined.timestamp() if joined else ""
    key = f"gonghui:sensitive-search:{getattr(user, 'pk', None)}:{stamp}"
    cache.add(key, 0, SENSITIVE_SEARCH_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, SENSITIVE_SEARCH_WINDOW)
        count = 1
    allowed = count <= SENSITIVE_SEARCH_LIMIT
    audit.record(
        AuditAction.SENSITIVE_SEARCH,
        request=request,
        user=user,
        object_type="people.person",
        changes={"count": count, "limit": SENSITIVE_SEARCH_LIMIT},
        outcome=AuditOutcome.SUCCESS if allowed else AuditOutcome.FAILURE,
    )
    if not allowed and request is not None and hasattr(request, "_messages"):
        messages.warning(request, "按身份证号或手机号查询过于频繁，请稍后再试", fail_silently=True)
    return allowed


class PersonFilterSet(RecordFilterSet):
    def search(self, qs: Any, name: str, value: str) -> Any:
        return _search(self, qs, "", value)


class MemberFilterSet(RecordFilterSet):
    enrolled = django_filters.DateFromToRangeFilter(
        label=_("入会日期"), field_name="enrolled_on",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )

    def search(self, qs: Any, name: str, value: str) -> Any:
        return _search(self, qs, "person__", value)


GRANTS: dict[str, str] = {
    Role.TOWN_CADRE: "view add change",
    Role.GRASSROOTS_CHAIR: "view add change",
}

people = register(RecordType(
    model=Person,
    slug="people",
    columns=[Column("name", link=True), "id_number", "sex", "birth_date", "mobile",
             "employer", "org"],
    search_fields=["name"],
    filterset_base=PersonFilterSet,
    filters=["sex", "is_migrant"],
    form_fields=["name", "id_number", "mobile", "ethnicity", "education", "political_status",
                 "employer", "employer_name", "is_migrant", "org"],
    form_base=PersonForm,
    menu_group="会员管理",
    menu_order=40,
    icon="bi-person-vcard",
    grants=GRANTS,
    related=[
        Related("会籍记录", "members", lambda qs, person: qs.filter(person=person),
                limit=50),
        Related("惠工卡", "cards", lambda qs, person: qs.filter(person=person)),
    ],
))

members = register(RecordType(
    model=Membership,
    slug="members",
    columns=[Column("person__name", link=True), "person__id_number", "person__sex",
             "person__mobile", Column("org", label=str(_("所属工会"))), "enrolled_on",
             "joined_by", "status", "card_number"],
    search_fields=["person__name"],
    filterset_base=MemberFilterSet,
    filters=["status", "joined_by"],
    form_fields=["org", "enrolled_on", "card_number"],
    form_base=MemberForm,
    menu_group="会员管理",
    menu_order=30,
    icon="bi-people",
    count_by="status",
    activity_date="enrolled_on",
    grants=GRANTS,
    import_spec=MemberImport(),
))

cards = register(RecordType(
    model=BenefitCard,
    slug="cards",
    columns=[Column("number", link=True), "person__name", "person__id_number", "issued_on",
             Column("org", label=str(_("发卡组织")))],
    search_fields=["number", "person__name"],
    form_fields=["number", "person", "issued_on", "org"],
    menu_group="会员管理",
    menu_order=50,
    icon="bi-credit-card",
    activity_date="issued_on",
    grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view"},
))
