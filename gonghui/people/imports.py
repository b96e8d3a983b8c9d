"""The member-roll import (template `members`): people and their memberships in one sheet.

An existing person (same ID number) is updated and linked, never duplicated. Enrolling someone
who is an active member elsewhere is refused unless the row asks for a transfer (转会 = 是). A
person on record outside the importer's subtree is never touched: with 转会 = 是 the row becomes
a transfer request for the releasing side to decide (people.actions), without it the row is
refused with the one answer that reveals nothing of them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from gonghui.core.imports.bulk import LOOKUP_CHUNK, chunked, date_adapter, select_in
from gonghui.core.imports.engine import CACHE_LIMIT
from gonghui.core.imports.spec import (
    CellError,
    ImportColumn,
    ImportContext,
    ImportSpec,
    Row,
    WriteResult,
    cell_parser,
    parse_day,
    text,
)
from gonghui.core.tenancy.models import user_scope_path
from gonghui.core.text.identifiers import IdentifierError, check_id_number, check_mobile
from gonghui.core.text.names import NameRuleError, check_person_name
from gonghui.core.text.pinyin import initials
from gonghui.orgs.models import UNION_KINDS, Enterprise, Organization
from gonghui.people.actions import TRANSFER_NEEDED, release_side
from gonghui.people.codes import EDUCATION, ETHNICITY, POLITICAL_STATUS, CodeTable, UnknownCode
from gonghui.people.models import (
    JoinedBy,
    Membership,
    MembershipStatus,
    Person,
    TransferRequest,
    TransferState,
)

YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


# The one name rule, shared with the web forms (gonghui.core.text.names).
parse_name = cell_parser(check_person_name, NameRuleError)


parse_id_number = cell_parser(check_id_number, IdentifierError)
parse_mobile = cell_parser(check_mobile, IdentifierError)

# An ID number as the list and a cadre without the reveal right's export show it
# (gonghui.core.text.identifiers.mask_id_number): area code and last two characters.
MASKED_ID = re.compile(r"(\d{6})\*{7,10}([0-9Xx]{2})")
MASKED_ID_UNKNOWN = (
    "身份证号为打码形式（导出时隐藏了中间数字），在您管辖范围内找不到与姓名和身份证号前后几位"
    "都相符的唯一人员；新增人员或有重名时请填写完整的身份证号"
)


@dataclass(frozen=True)
class MaskedIdNumber:
    """A masked ID number cell: with the row's name it names one person already in the
    importer's subtree (the row is an update of them), never a new person."""

    head: str
    tail: str
    length: int


def parse_member_id(value: Any) -> Any:
    """身份证号: a whole number, or the masked form a re-imported export carries."""
    if isinstance(value, str) and "*" in value:
        word = value.strip()
        found = MASKED_ID.fullmatch(word)
        if found is None or len(word) not in (15, 18):
            raise CellError("身份证号中含有“*”，但不是导出时的打码形式，请填写完整的身份证号")
        return MaskedIdNumber(found[1], found[2].upper(), len(word))
    return parse_id_number(value)


def parse_member_mobile(value: Any) -> str | None:
    """手机号: a masked cell (`138****5678`, as exported) keeps the number on record."""
    if isinstance(value, str) and "*" in value:
        word = value.strip()
        if re.fullmatch(r"[0-9*]{7,11}", word) is None:
            raise CellError("手机号中含有“*”，但不是导出时的打码形式，请填写完整的手机号")
        return None
    return parse_mobile(value)


def parse_yes_no(value: Any) -> bool:
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError("应填“是”或“否”")


def code_parser(table: CodeTable) -> Any:
    def parse(value: Any) -> str:
        try:
            return table.lookup(value)
        except (UnknownCode, KeyError) as exc:
            raise CellError(str(exc.args[0]) if exc.args else "不是有效的代码") from exc

    return parse


def employer_of(membership: Membership) -> str:
    """工作单位 as the template takes it: the enterprise on record, or the name as typed."""
    person = membership.person
    employer = person.employer
    return employer.name if employer is not None else person.employer_name


class MemberImport(ImportSpec):
    slug = "members"
    title = "会员花名册导入模板"
    instructions = (
        "填表说明：1. 红色列为必填；2. 身份证号、手机号请按文本填写（本模板已设为文本格式）；"
        "3. 日期可写作 1990-01-01、1990.1.1、1990/1/1 或 1990年1月1日；"
        "4. 所属工会编码须是您管辖范围内的基层工会或联合工会；"
        "5. 已在其他工会的会员，须在“转会”列填“是”方可转入。"
    )
    columns = (
        ImportColumn("姓名", "name", parse_name, required=True, width=10,
                     export="person__name"),
        ImportColumn("身份证号", "id", parse_member_id, required=True, as_text=True, width=22,
                     export="person__id_number"),
        ImportColumn("手机号", "mobile", parse_member_mobile, as_text=True, width=14,
                     export="person__mobile"),
        ImportColumn("所属工会编码", "union", text, required=True, as_text=True, width=14,
                     cache=True, export="org__code"),
        ImportColumn("入会日期", "enrolled_on", parse_day, required=True, width=12,
                     note="入会日期格式如 2018-05-01", cache=True, export="enrolled_on"),
        ImportColumn("民族", "ethnicity", code_parser(ETHNICITY),
                     choices=[label for _, label in ETHNICITY.choices], width=10, cache=True,
                     export="person__ethnicity"),
        ImportColumn("学历", "education", code_parser(EDUCATION),
                     choices=[label for _, label in EDUCATION.choices], width=12, cache=True,
                     export="person__education"),
        ImportColumn("政治面貌", "political_status", code_parser(POLITICAL_STATUS),
                     choices=[label for _, label in POLITICAL_STATUS.choices], width=14,
                     cache=True, export="person__political_status"),
        ImportColumn("工作单位", "employer", text, width=28, cache=True, export=employer_of),
        ImportColumn("是否农民工", "is_migrant", parse_yes_no, choices=["是", "否"], width=10,
                     cache=True, export="person__is_migrant"),
        ImportColumn("会员卡号", "card_number", text, as_text=True, width=16,
                     export="card_number"),
        ImportColumn("转会", "transfer", parse_yes_no, choices=["是", "否"], width=8,
                     cache=True),
    )
    # Exported to a cadre without the reveal right, 身份证号 and 手机号 are masked; read back,
    # a masked 身份证号 with the row's 姓名 finds the member in the importer's subtree and a
    # masked 手机号 keeps the number on record: the file round-trips for every importer.
    masked_cells_kept = True

    def export_queryset(self, queryset: Any) -> Any:
        # Members in good standing only: re-imported, a row whose membership has ended would
        # enrol that person again.
        return queryset.filter(status=MembershipStatus.ACTIVE).select_related(
            "person__employer"
        )

    def check(self, rows: list[Row], context: ImportContext) -> None:
        state = context.cache
        if "unions" not in state:
            # Every union the importer may enrol into, once per import: codes outside the
            # subtree read exactly like codes that do not exist.
            state["unions"] = {
                org.code: org
                for org in Organization.objects.visible_to(context.user).filter(
                    kind__in=UNION_KINDS
                ).only("id", "code", "path", "kind")
            }
            state["seen"] = {}
            state["today"] = timezone.localdate()
            state["scope"] = user_scope_path(context.user) or "\0"
        unions: dict[str, Organization] = state["unions"]
        seen: dict[str, int] = state["seen"]
        self._unmask([r for r in rows if isinstance(r.values.get("id"), MaskedIdNumber)],
                     state["scope"])
        today: datetime.date = state["today"]

        candidates = []
        for row in rows:
            values = row.values
            info = values.get("id")
            code = values.get("union")
            union = unions.get(code or "")
            if code and union is None:
                row.reject("所属工会编码",
                           f"“所属工会编码”{code}不存在，或不是您管辖范围内的基层工会")
            values["union"] = union
            enrolled_on = values.get("enrolled_on")
            if enrolled_on is not None:
                if enrolled_on > today:
                    row.reject("入会日期", "“入会日期”不能晚于今天")
                elif info is not None and enrolled_on < info.birth_date:
                    row.reject("入会日期", "“入会日期”不能早于出生日期")
            if info is None:
                continue
            for warning in info.warnings:
                context.warnings.append(f"第{row.number}行：{warning}")
            first = seen.get(info.number)
            if first is not None:
                row.reject("身份证号", f"“身份证号”与第{first}行重复")
                continue
            seen[info.number] = row.number
            if not row.errors:
                candidates.append(row)
        self._match_existing(candidates, state["scope"])
        self._match_employers([r for r in rows if not r.errors], context)

    @staticmethod
    def _unmask(rows: list[Row], scope: str) -> None:
        """Masked ID numbers to whole ones: the one person in the importer's subtree with the
        row's name and the visible digits; none or several, and the row is refused."""
        if not rows:
            return
        numbers: dict[tuple[str, str, str, int], list[str]] = {}
        names = {r.values["name"] for r in rows if r.values.get("name")}
        for part in chunked(sorted(names), LOOKUP_CHUNK):
            for name, number in Person.objects.filter(
                name__in=part, org_path__startswith=scope
            ).values_list("name", "id_number"):
                key = (name, number[:6], number[-2:].upper(), len(number))
                numbers.setdefault(key, []).append(number)
        for row in rows:
            masked: MaskedIdNumber = row.values["id"]
            row.values["id"] = None
            found = numbers.get(
                (row.values.get("name") or "", masked.head, masked.tail, masked.length), []
            )
            if len(found) != 1:
                row.reject("身份证号", MASKED_ID_UNKNOWN)
                continue
            try:
                row.values["id"] = check_id_number(found[0])
            except IdentifierError as exc:  # a number on record from before today's rules
                row.reject("身份证号", str(exc))

    def _match_existing(self, rows: list[Row], scope: str) -> None:
        by_number = {row.values["id"].number: row for row in rows}
        people: dict[str, tuple[int, str]] = {}
        outside: set[str] = set()
        for person_id, id_number, name, org_path in select_in(
            Person, ["id", "id_number", "name", "org_path"], "id_number", by_number
        ):
            people[id_number] = (person_id, name)
            if not org_path.startswith(scope):
                outside.add(id_number)
        pending = set(
            TransferRequest.objects.filter(
                person_id__in=[people[n][0] for n in outside], state=TransferState.PENDING
            ).values_list("person_id", flat=True)
        ) if outside else set()
        active: dict[int, dict[str, Any]] = {}
        ids = [person_id for person_id, _ in people.values()]
        for part in chunked(ids, LOOKUP_CHUNK):
            for pk, person_id, org_id, enrolled_on in Membership.objects.filter(
                person_id__in=part, status=MembershipStatus.ACTIVE
            ).values_list("id", "person_id", "org_id", "enrolled_on"):
                active[person_id] = {"id": pk, "org_id": org_id, "enrolled_on": enrolled_on}
        for number, row in by_number.items():
            values = row.values
            person = people.get(number)
            values["person_id"] = person[0] if person else None
            values["current"] = None
            values["request"] = False
            if person is None:
                continue
            if number in outside:
                # Another subtree's person: no name check, no membership state in the answer.
                if not values.get("transfer"):
                    row.reject("身份证号", TRANSFER_NEEDED + "（在“转会”列填“是”）")
                elif person[0] in pending:
                    row.reject("转会", "该人员已有待审批的转会申请，请等待转出方审批")
                else:
                    values["request"] = True
                continue
            if person[1] != values["name"]:
                row.reject("姓名", "“姓名”与系统中该身份证号登记的姓名不一致")
                continue
            current = active.get(person[0])
            if current is None:
                continue
            if current["org_id"] == values["union"].pk:
                values["current"] = current  # already a member here: update the person only
            elif not values.get("transfer"):
                row.reject("转会", "该人员已在其他工会有有效会籍；如需转入，请在“转会”列填“是”")
            elif values["enrolled_on"] <= current["enrolled_on"]:
                # Not the same day either: that would leave a zero-length membership behind.
                row.reject("入会日期", "“入会日期”（转入日期）须晚于原会籍的入会日期")
            else:
                values["current"] = current

    def _match_employers(self, rows: list[Row], context: ImportContext) -> None:
        # Names already looked up for an earlier chunk are not asked again.
        found: dict[str, int | None] = context.cache.setdefault("employers", {})
        names = {row.values["employer"] for row in rows if row.values.get("employer")}
        names.difference_update(found)
        if not names and not found:
            return
        for part in chunked(sorted(names), LOOKUP_CHUNK):
            found.update(dict.fromkeys(part))
            found.update(
                Enterprise.objects.visible_to(context.user)
                .filter(name__in=part)
                .values_list("name", "id")
            )
        for row in rows:
            row.values["employer_id"] = found.get(row.values.get("employer") or "")

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        result = WriteResult()
        writer = context.writer
        requests = [r for r in rows if r.values.get("request")]
        rows = [r for r in rows if not r.values.get("request")]
        new_people = [r for r in rows if r.values["person_id"] is None]
        existing = [r for r in rows if r.values["person_id"] is not None]
        # New people are inserted with their keys, so memberships need no query to learn them.
        for row, key in zip(new_people, writer.allocate_ids(Person, len(new_people)),
                            strict=True):
            row.values["person_id"] = key
        pinyin: dict[str, str] = context.cache.setdefault("initials", {})
        adapt_date = date_adapter()
        writer.insert(
            Person,
            ["id", "id_number", "name", "name_initials", "id_tail", "sex", "birth_date",
             "mobile", "ethnicity", "education", "political_status", "employer_id",
             "employer_name", "is_migrant", "org", "org_path"],
            [self._person_tuple(r.values, pinyin, adapt_date) for r in new_people],
            dates_adapted=True,
        )
        result.created = len(new_people)

        if existing:
            # ORM updates below: the rows given to the writer so far come first.
            writer.flush()
        self._update_people(existing)
        result.updated = len(existing)

        # Transfers: end the old memberships, then start the new ones below.
        moving = [r for r in existing if r.values["current"]
                  and r.values["current"]["org_id"] != r.values["union"].pk]
        for row in moving:
            row.values["joined_by"] = JoinedBy.TRANSFER
        ending = Membership.objects.filter(pk__in=[r.values["current"]["id"] for r in moving])
        by_id = {m.pk: m for m in ending}
        now = timezone.now()  # bulk_update skips auto_now: the rows did change now
        for row in moving:
            membership = by_id[row.values["current"]["id"]]
            membership.status = MembershipStatus.TRANSFERRED
            membership.ended_on = row.values["enrolled_on"]
            membership.updated_at = now
        Membership.objects.bulk_update(
            by_id.values(), ["status", "ended_on", "updated_at"], batch_size=1000
        )
        self._request_transfers(requests, context)

        starting = [r.values for r in rows if not r.values["current"] or "joined_by" in r.values]
        enrolment, active = str(JoinedBy.ENROLMENT), str(MembershipStatus.ACTIVE)
        writer.insert(
            Membership,
            ["person", "org", "org_path", "enrolled_on", "joined_by", "status", "card_number"],
            [
                (v["person_id"], v["union"].id, v["union"].path, adapt_date(v["enrolled_on"]),
                 v.get("joined_by", enrolment), active, v.get("card_number") or "")
                for v in starting
            ],
            dates_adapted=True,
        )
        return result

    @staticmethod
    def _request_transfers(rows: list[Row], context: ImportContext) -> None:
        """Rows that ask for a person of another subtree: requests, nothing of the person."""
        if not rows:
            return
        context.writer.flush()
        people = Person.objects.in_bulk([r.values["person_id"] for r in rows])
        for row in rows:
            v = row.values
            transfer_request = TransferRequest(
                person=people[v["person_id"]], org=v["union"], name=v["name"],
                mobile=v.get("mobile") or "", transfer_on=v["enrolled_on"],
                card_number=v.get("card_number") or "",
                # The console operator is no account row (gonghui.core.operator).
                requested_by=context.user if isinstance(context.user, get_user_model()) else None,
                release_org=release_side(people[v["person_id"]]),
            )
            transfer_request.release_path = transfer_request.release_org.path
            transfer_request.sync_org_path()
            transfer_request.save()
            context.warnings.append(f"第{row.number}行：已提交转会申请，待转出方审批")

    @staticmethod
    def _person_tuple(
        v: dict[str, Any], pinyin: dict[str, str], adapt_date: Callable[[Any], Any]
    ) -> tuple[Any, ...]:
        """A new person's row for the INSERT, from a row's parsed values (runs per row)."""
        info = v["id"]
        name = v["name"]
        name_initials = pinyin.get(name)
        if name_initials is None:
            name_initials = initials(name)[:50]
            if len(pinyin) < CACHE_LIMIT:
                pinyin[name] = name_initials
        employer_id = v.get("employer_id")
        union = v["union"]
        number = info.number
        return (
            v["person_id"], number, name, name_initials, number[-4:], info.sex,
            adapt_date(info.birth_date), v.get("mobile") or "", v.get("ethnicity") or "",
            v.get("education") or "", v.get("political_status") or "", employer_id,
            "" if employer_id else (v.get("employer") or ""), bool(v.get("is_migrant")),
            union.id, union.path,
        )

    @staticmethod
    def _update_people(rows: list[Row]) -> None:
        """Fill in what the sheet says; an empty cell never erases what is on record."""
        if not rows:
            return
        people = Person.objects.in_bulk([r.values["person_id"] for r in rows])
        now = timezone.now()  # bulk_update skips auto_now
        optional = ["mobile", "ethnicity", "education", "political_status", "is_migrant"]
        for row in rows:
            person = people[row.values["person_id"]]
            for key in optional:
                if row.values.get(key) is not None:
                    setattr(person, key, row.values[key])
            if row.values.get("employer_id"):
                person.employer_id = row.values["employer_id"]
                person.employer_name = ""
            elif row.values.get("employer"):
                person.employer_name = row.values["employer"]
            person.org = row.values["union"]
            person.org_path = person.org.path
            person.updated_at = now
        Person.objects.bulk_update(
            people.values(),
            [*optional, "employer", "employer_name", "org", "org_path", "updated_at"],
            batch_size=1000,
        )
