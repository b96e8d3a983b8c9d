"""Imports of mutual insurance records: the claim workbook and an enrolment's roster.

The enrolment workbook is declared from its fields (`RecordImport` in
gonghui.care.records.insurance). The claim workbook names a person by 姓名 and 身份证号 and a
unit by 统一社会信用代码, so it is written here. A claim row with 赔付金额 and 赔付日期 is a
unit's historic claim, already paid: it is received and then taken through the workflow's
`record_paid` transition (登记历史赔付: the city federation's right, audited and in the ledger
like every payment), so that the paid figures include it. A row with neither arrives 已受理 and
goes through review and payment in the platform like a claim entered on the page.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.care.models.insurance import (
    ClaimKind,
    InsuranceClaim,
    InsuranceEnrolment,
    RosterEntry,
)
from gonghui.core.imports.declared import choice_parser, money_parser
from gonghui.core.imports.spec import (
    ImportColumn,
    ImportContext,
    ImportSpec,
    Row,
    WriteResult,
    parse_day,
    text,
)
from gonghui.core.records.children import ChildImportSpec
from gonghui.core.records.registry import registry
from gonghui.core.workflow.actions import record_created, take
from gonghui.core.workflow.spec import TransitionRefused
from gonghui.people.imports import parse_id_number, parse_name

CLAIM_HEADERS = ("姓名", "身份证号", "统一社会信用代码", "理赔类别", "申请金额（元）",
                 "赔付金额（元）", "赔付日期")


def _id(value: Any) -> str:
    return parse_id_number(value).number  # type: ignore[no-any-return]


def _uscc(value: Any) -> str:
    return text(value).upper()


def _people(numbers: set[str], user: Any) -> dict[str, Any]:
    """People by ID number among those the importer sees: another branch's reads as unknown."""
    if not numbers:
        return {}
    found = registry["people"].base_queryset(user).filter(id_number__in=numbers)
    return {p.id_number: p for p in found}


def _match_person(row: Row, people: dict[str, Any]) -> Any:
    number = row.values["id_number"]
    person = people.get(number)
    if person is None:
        row.reject("身份证号", f"身份证号{number}不存在或不在您的管辖范围内")
    elif person.name != row.values["name"]:
        row.reject("姓名", "姓名与人员库中该身份证号的记录不一致")
        return None
    return person


class ClaimImport(ImportSpec):
    """互助保障理赔: 姓名, 身份证号, 统一社会信用代码, 理赔类别, 申请金额（元）, 赔付金额（元）,
    赔付日期 (CLAIM_HEADERS)."""

    title = "互助保障理赔导入模板"
    instructions = (
        "填表说明：1. 红色列为必填；2. 身份证号、统一社会信用代码请按文本填写；"
        "3. 理赔人须已在该单位覆盖赔付日期（未赔付的为导入当日）的参保名单中；"
        "4. 金额最多两位小数，赔付金额不能大于申请金额；"
        "5. 已赔付的历史理赔请同时填写赔付金额和赔付日期（须由市总工会登记），未赔付的两列均留空。"
    )

    def __init__(self) -> None:
        self.columns = (
            ImportColumn("姓名", "name", parse_name, required=True),
            ImportColumn("身份证号", "id_number", _id, required=True, as_text=True, width=22),
            ImportColumn("统一社会信用代码", "uscc", _uscc, required=True, as_text=True,
                         width=22, cache=True),
            ImportColumn("理赔类别", "kind",
                         choice_parser(InsuranceClaim._meta.get_field("kind")), required=True,
                         choices=[str(label) for label in ClaimKind.labels], cache=True),
            ImportColumn("申请金额（元）", "amount_claimed", money_parser(), required=True),
            ImportColumn("赔付金额（元）", "amount_paid", money_parser()),
            ImportColumn("赔付日期", "paid_on", parse_day, note="日期格式如 2018-05-01",
                         cache=True),
        )

    def check(self, rows: list[Row], context: ImportContext) -> None:
        ok = [row for row in rows if row.ok]
        people = _people({row.values["id_number"] for row in ok}, context.user)
        codes = {row.values["uscc"] for row in ok}
        units = {
            e.uscc: e for e in registry["enterprises"].base_queryset(context.user)
            .filter(uscc__in=codes)
        } if codes else {}
        today = timezone.localdate()
        record = registry["insurance-claim"]
        user = context.user
        # Historic paid claims are the city federation's to register (record_paid's level).
        may_register_paid = user.has_perm(record.perm("record_paid")) and getattr(
            getattr(user, "org", None), "kind", None) == "city"
        for row in ok:
            values = row.values
            person = _match_person(row, people)
            unit = units.get(values["uscc"])
            if unit is None:
                row.reject("统一社会信用代码",
                           f"统一社会信用代码{values['uscc']}不存在或不在您的管辖范围内")
            paid, paid_on = values.get("amount_paid"), values.get("paid_on")
            if (paid is None) != (paid_on is None):
                row.reject("赔付金额（元）" if paid is None else "赔付日期",
                           "赔付金额与赔付日期须同时填写（未赔付的两列均留空）")
            if paid is not None and not may_register_paid:
                row.reject("赔付金额（元）", "已赔付的历史理赔须由市总工会登记；请将赔付金额和"
                           "赔付日期留空，导入后按流程审核、赔付")
            if paid is not None and paid > values["amount_claimed"]:
                row.reject("赔付金额（元）", "赔付金额不能大于申请金额")
            if paid_on is not None and paid_on > today:
                row.reject("赔付日期", "赔付日期不能晚于今天")
            if not row.ok or person is None or unit is None:
                continue
            claim = InsuranceClaim(
                person=person, enterprise=unit, kind=values["kind"],
                amount_claimed=values["amount_claimed"], amount_paid=paid,
                received_on=paid_on or today,
            )
            claim.paid_on = paid_on
            try:
                claim.full_clean(exclude=["org", "org_path", "enrolment", "state"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    column = {"person": "身份证号", "amount_paid": "赔付金额（元）"}.get(name)
                    for message in messages:
                        row.reject(column, message)
                continue
            values["_claim"] = claim

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        user = context.user
        for row in rows:
            claim: InsuranceClaim = row.values["_claim"]
            paid_on = claim.paid_on
            claim.paid_on = None  # a claim is received unpaid; only a transition pays it
            claim.save()
            record_created(claim, actor=user)
            if paid_on is None:
                continue
            claim.paid_on = paid_on
            claim.save(update_fields=["paid_on"])
            try:
                take(claim, "record_paid", actor=user, opinion="导入已赔付的历史理赔")
            except TransitionRefused as refused:
                # The engine's one transaction is rolled back: nothing of the file is kept.
                raise ValidationError(f"第{row.number}行：{refused.message}") from refused
        return WriteResult(created=len(rows))


class RosterImport(ChildImportSpec):
    """参保名单 (姓名, 身份证号, 备注) imported into one enrolment."""

    slug = "insurance-enrolment.roster"
    title = "参保名单导入模板"
    instructions = (
        "填表说明：每行一人；身份证号请按文本填写；参保人须已在人员库中且在您的管辖范围内；"
        "同一人在本次参保中只能出现一次"
    )
    columns = (
        ImportColumn("姓名", "name", parse_name, required=True),
        ImportColumn("身份证号", "id_number", _id, required=True, as_text=True, width=22),
        ImportColumn("备注", "note", width=24),
    )

    def check(self, rows: list[Row], context: ImportContext) -> None:
        enrolment: InsuranceEnrolment = self.parent
        seen: dict[str, int] = context.cache.setdefault("seen", {})
        ok = [row for row in rows if row.ok]
        numbers = {row.values["id_number"] for row in ok}
        people = _people(numbers, context.user)
        listed = set(
            RosterEntry.objects.filter(enrolment=enrolment, person__id_number__in=numbers)
            .values_list("person__id_number", flat=True)
        )
        for row in ok:
            number = row.values["id_number"]
            person = _match_person(row, people)
            if person is None:
                continue
            if number in listed:
                row.reject("身份证号", "此人已在本次参保名单中")
            elif number in seen:
                row.reject("身份证号", f"与第{seen[number]}行重复（身份证号）")
            else:
                seen[number] = row.number
                row.values["person"] = person

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        RosterEntry.objects.bulk_create(
            RosterEntry(enrolment=self.parent, person=row.values["person"],
                        note=(row.values.get("note") or "")[:200])
            for row in rows
        )
        return WriteResult(created=len(rows))

