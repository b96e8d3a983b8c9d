"""People, members and benefit cards, declared to the generic layer."""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import Role
from gonghui.core.audit import log as audit
from gonghui.core.audit.models import AuditAction, AuditOutcome
from gonghui.core.imports.declared import Field, RecordImport
from gonghui.core.records.filters import RecordFilterSet
from gonghui.core.records.menus import menu_group
from gonghui.core.records.orgtree import TreeCount, count_in_tree
from gonghui.core.records.registry import RecordType, Related, register, registry
from gonghui.core.records.rowaction import RecordAction
from gonghui.core.records.tables import Column
from gonghui.core.text.pinyin import matches as looks_like_initials
from gonghui.people.actions import PersonFromIdNumber
from gonghui.people.forms import (
    LeaveForm,
    MemberForm,
    PersonForm,
    TransferForm,
    leave_member,
    transfer_member,
)
from gonghui.people.imports import MemberImport
from gonghui.people.indicators import active_on
from gonghui.people.models import (
    BenefitCard,
    Membership,
    MembershipStatus,
    Person,
    PersonNameGram,
)

MEMBERS_MENU = menu_group("会员管理", order=20, icon="bi-people")
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
    prefix match that the index serves, or any part of it through its character pairs:
    `name_search`). Other lengths of
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
    return name_search(prefix, value)


def name_search(prefix: str, value: str) -> Q:
    """A name, or any part of it: 张 finds the 张s (a prefix), 杰国 finds 张杰国.

    Two characters or more go through the name's character pairs (`PersonNameGram`, kept by
    triggers): each pair of the query is one index lookup, and the people having every pair
    are then matched against the whole query. No name is read unless it has them all.
    """
    if len(value) < 2:
        return Q(**{f"{prefix}name__prefix": value})
    person = "pk" if not prefix else f"{prefix.removesuffix('__')}_id"
    grams = sorted({value[i : i + 2].lower() for i in range(len(value) - 1)})
    having = Q()
    for gram in grams[:4]:  # a few pairs narrow enough; the whole query is matched below
        having &= Q(**{f"{person}__in": PersonNameGram.objects.filter(gram=gram)
                       .values("person_id")})
    return having & Q(**{f"{prefix}name__icontains": value})


def person_picker_search(value: str) -> Q:
    """A picker's query: like the search box, but only what an index serves.

    A number is a whole ID number or its last four digits (`id_tail`), and nothing between:
    a picker, like the search box of a user who sees numbers masked, must not let a number be
    rebuilt digit by digit. Phones are left to the list page, their column has no index.
    """
    value = value.strip()
    if DIGITS.match(value):
        value = value.upper()
        if len(value) == 18:
            return Q(id_number=value)
        if len(value) == 4:
            return Q(id_tail=value)
        return Q(pk__in=[])
    return person_search("", value, reveal=False)


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
    # 在会会员 on a day, judged by dates as the indicator members.active is.
    active_on = django_filters.DateFilter(
        label=_("在会日期"), method="by_active_on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def by_active_on(self, qs: Any, name: str, value: Any) -> Any:
        return active_on(qs, value) if value else qs

    def search(self, qs: Any, name: str, value: str) -> Any:
        return _search(self, qs, "person__", value)


# What a cadre reads about the person on a member's page (the derived search helpers are not).
PERSON_FIELDS = ["name", "id_number", "sex", "birth_date", "mobile", "ethnicity", "education",
                 "political_status", "employer", "employer_name", "is_migrant"]


def member_page(membership: Membership, user: Any) -> dict[str, Any]:
    """The one member page: the person's fields and every membership of theirs in view."""
    from gonghui.core.records.views import detail_rows

    people_type = registry["people"]
    history = (
        registry["members"].list_queryset(user)
        .filter(person_id=membership.person_id)
        .order_by("-enrolled_on", "-pk")
    )
    return {
        "person_fields": detail_rows(people_type, membership.person, user, PERSON_FIELDS),
        "person_type": people_type,
        "can_view_person": user.has_perm(people_type.perm("view")),
        "history": list(history[:50]),
    }


def is_active(membership: Membership) -> bool:
    return membership.status == MembershipStatus.ACTIVE


MEMBER_ACTIONS = [
    RecordAction("leave", "退会", leave_member, form=LeaveForm, applies=is_active,
                 icon="bi-box-arrow-right", style="outline-danger",
                 help_text="会籍终止，记录保留；此后可重新办理入会。"),
    RecordAction("transfer", "转出", transfer_member, form=TransferForm, applies=is_active,
                 icon="bi-arrow-left-right", style="outline-primary",
                 help_text="原会籍记为已转出，在转入工会建立新的会籍（入会方式为转入）。"),
]

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
    detail_exclude=["name_initials", "id_tail"],
    # Cadres work from the member list and its one member page; the person index (every human
    # on record, members or not) is the administrator's, for finding and correcting a person.
    in_menu=lambda user: user.has_perm("people.delete_person"),
    form_fields=["name", "id_number", "mobile", "ethnicity", "education", "political_status",
                 "employer", "employer_name", "is_migrant", "org"],
    form_base=PersonForm,
    grows=True,
    natural_key="id_number",
    natural_key_label="身份证号",
    picker_search=person_picker_search,
    picker_create=PersonFromIdNumber(),
    # Never the whole ID number in a list that anyone who may pick a person sees.
    picker_label=lambda person: f"{person.name}（身份证号尾号{person.id_tail}）",
    picker_hint="输入姓名、拼音首字母或身份证号",
    picker_help="姓名、拼音首字母（如 zjg）、身份证号后四位或完整身份证号",
    menu_group=MEMBERS_MENU,
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
    # What a cadre looks for first (who, in which union, in good standing, since when, how to
    # reach them) leads; on a phone the rest scrolls inside the table's box.
    columns=[Column("person__name", link=True), Column("org", label=str(_("所属工会"))),
             "status", "enrolled_on", "person__mobile", "person__sex", "person__id_number",
             "joined_by", "card_number"],
    search_fields=["person__name"],
    filterset_base=MemberFilterSet,
    filters=["status", "joined_by"],
    form_fields=["org", "enrolled_on", "card_number"],
    form_base=MemberForm,
    actions=MEMBER_ACTIONS,
    detail_template="people/member_detail.html",
    detail_extra=member_page,
    menu_group=MEMBERS_MENU,
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
    menu_group=MEMBERS_MENU,
    menu_order=50,
    icon="bi-credit-card",
    activity_date="issued_on",
    import_spec=RecordImport(
        "number", "person", "issued_on", Field("org", header="发卡组织编码"),
        instructions="填表说明：1. 红色列为必填；2. 卡号请按文本填写，不能与已有卡号重复；"
                     "3. 持卡人须已登记且在您的管辖范围内；4. 发卡组织编码须在您的管辖范围内。",
        # A card once issued is not given to another holder by a spreadsheet: new cards only.
        updates=False,
    ),
    grants={Role.TOWN_CADRE: "view add change delete", Role.GRASSROOTS_CHAIR: "view"},
))

# The org tree beside every list counts each subtree's members in good standing, and a count
# opens the member list so filtered (gonghui.core.records.orgtree).
count_in_tree(TreeCount(
    slug="members",
    label="在会会员",
    narrow=lambda qs: qs.filter(status=MembershipStatus.ACTIVE),
    query={"status": MembershipStatus.ACTIVE},
))
