"""The two workbooks of hardship work (headers are a contract with cadres' saved files):

- `hardship` 困难职工档案: 姓名, 身份证号, 所属工会编码, 家庭人口, 家庭年收入（元）, 刚性支出（元）,
  主要致困原因, 建档日期. Each row opens a file in 草稿 (the attachments and the approvals follow
  on the file's page), recorded in the ledger as made by the importer.
- `relief` 救助发放明细: 发放批次编号, 姓名, 身份证号, 救助类别, 金额（元）, 发放日期. Each row is a
  line of a batch in 草稿 the importer sees, checked by the same rules as a line typed on the
  batch's page (gonghui.care.hardship_rules.check_lines).

People and unions are looked up among what the importer sees; an ID number not found reads the
same as one outside their subtree.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from gonghui.care.hardship_rules import check_lines
from gonghui.care.models.hardship import (
    RELIEF,
    Cause,
    HardshipFile,
    ReliefBatch,
    ReliefKind,
    ReliefPayment,
)
from gonghui.core.imports.declared import money_parser, parse_whole
from gonghui.core.imports.spec import (
    CellError,
    ImportColumn,
    ImportContext,
    ImportSpec,
    Row,
    WriteResult,
    parse_day,
    text,
)
from gonghui.core.workflow.actions import record_created
from gonghui.people.imports import parse_id_number, parse_name
from gonghui.people.models import Person

UNKNOWN_PERSON = "人员库中没有该身份证号的人员，或不在您的管辖范围内"
NAME_MISMATCH = "姓名与人员库中该身份证号的记录不一致"


def _id(value: Any) -> str:
    return parse_id_number(value).number  # type: ignore[no-any-return]


def _label_parser(choices: Any) -> Any:
    by_label = {str(label): value for value, label in choices.choices}
    expected = "、".join(by_label)

    def parse(value: Any) -> str:
        word = text(value)
        if word in by_label:
            return by_label[word]
        raise CellError(f"应为{expected}")

    return parse


def _positive_money(value: Any) -> Any:
    amount = money_parser()(value)
    if amount <= 0:
        raise CellError("金额必须大于零")
    return amount


def _people(rows: list[Row], user: Any) -> dict[str, Person]:
    numbers = {row.values["id_number"] for row in rows if row.ok}
    return {p.id_number: p for p in
            Person.objects.visible_to(user).filter(id_number__in=numbers)}


def _match_person(row: Row, people: dict[str, Person]) -> Person | None:
    person = people.get(row.values["id_number"])
    if person is None:
        row.reject("身份证号", UNKNOWN_PERSON)
    elif person.name != row.values["name"]:
        row.reject("姓名", NAME_MISMATCH)
        person = None
    return person


def _reject_errors(row: Row, exc: ValidationError, headers: dict[str, str]) -> None:
    for field, messages in exc.message_dict.items():
        for message in messages:
            row.reject(headers.get(field), message)


class HardshipImport(ImportSpec):
    slug = "hardship"
    title = "困难职工档案导入模板"
    instructions = (
        "填表说明：1. 红色列为必填；2. 身份证号请按文本填写，职工须已在人员库中且在您的管辖范围内；"
        "3. 所属工会编码须在您的管辖范围内；4. 金额单位为元，最多两位小数；"
        "5. 导入后档案为草稿，请在档案页上传收入证明、户口本后提交审核"
    )
    columns = (
        ImportColumn("姓名", "name", parse_name, required=True),
        ImportColumn("身份证号", "id_number", _id, required=True, as_text=True, width=22),
        ImportColumn("所属工会编码", "union", text, required=True, as_text=True, cache=True),
        ImportColumn("家庭人口", "household_size", parse_whole, required=True),
        ImportColumn("家庭年收入（元）", "annual_income", money_parser(), required=True),
        ImportColumn("刚性支出（元）", "rigid_costs", money_parser(), required=True),
        ImportColumn("主要致困原因", "main_cause", _label_parser(Cause), required=True,
                     choices=[str(label) for label in Cause.labels], cache=True),
        ImportColumn("建档日期", "opened_on", parse_day, required=True,
                     note="格式：2018-03-01", cache=True),
    )
    HEADERS = {"person": "身份证号", "org": "所属工会编码", "household_size": "家庭人口",
               "annual_income": "家庭年收入（元）", "rigid_costs": "刚性支出（元）",
               "main_cause": "主要致困原因", "opened_on": "建档日期", "year": "建档日期"}

    def check(self, rows: list[Row], context: ImportContext) -> None:
        from gonghui.orgs.models import Organization

        seen: dict[str, int] = context.cache.setdefault("seen", {})
        people = _people(rows, context.user)
        codes = {row.values["union"] for row in rows if row.ok}
        unions = {o.code: o for o in
                  Organization.objects.visible_to(context.user).filter(code__in=codes)}
        for row in rows:
            if not row.ok:
                continue
            person = _match_person(row, people)
            union = unions.get(row.values["union"])
            if union is None:
                row.reject("所属工会编码",
                           f"“所属工会编码”{row.values['union']}不存在或不在您的管辖范围内")
            if person is None or union is None:
                continue
            if row.values["household_size"] < 1:
                row.reject("家庭人口", "家庭人口至少为1人")
                continue
            number = row.values["id_number"]
            if number in seen:
                row.reject("身份证号", f"与第{seen[number]}行重复（同一职工）")
                continue
            seen[number] = row.number
            file = HardshipFile(
                person=person, org=union, year=row.values["opened_on"].year,
                opened_on=row.values["opened_on"],
                household_size=row.values["household_size"],
                annual_income=row.values["annual_income"],
                rigid_costs=row.values["rigid_costs"], main_cause=row.values["main_cause"],
            )
            try:
                file.full_clean(exclude=["address"])
            except ValidationError as exc:
                _reject_errors(row, exc, self.HEADERS)
                continue
            row.values["file"] = file

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        context.writer.flush()
        for row in rows:
            file: HardshipFile = row.values["file"]
            file.save()  # derives the category, the owner's path and the duplicate flag
            record_created(file, actor=context.user)
        return WriteResult(created=len(rows))


class ReliefImport(ImportSpec):
    slug = "relief"
    title = "救助发放明细导入模板"
    instructions = (
        "填表说明：1. 红色列为必填；2. 发放批次须为您管辖范围内处于草稿状态的批次；"
        "3. 身份证号请按文本填写，职工须已在人员库中；4. 春节送温暖、医疗救助、生活救助、金秋助学"
        "须为在档困难职工（先建档、后帮扶）；5. 同一批次每人一行；金额单位为元，最多两位小数"
    )
    columns = (
        ImportColumn("发放批次编号", "batch", text, required=True, as_text=True, cache=True),
        ImportColumn("姓名", "name", parse_name, required=True),
        ImportColumn("身份证号", "id_number", _id, required=True, as_text=True, width=22),
        ImportColumn("救助类别", "kind", _label_parser(ReliefKind), required=True,
                     choices=[str(label) for label in ReliefKind.labels], cache=True),
        ImportColumn("金额（元）", "amount", _positive_money, required=True),
        ImportColumn("发放日期", "paid_on", parse_day, required=True, note="格式：2018-01-25",
                     cache=True),
    )
    HEADERS = {"person": "身份证号", "amount": "金额（元）", "paid_on": "发放日期",
               "kind": "救助类别"}

    def check(self, rows: list[Row], context: ImportContext) -> None:
        seen: dict[tuple[int, str], int] = context.cache.setdefault("seen", {})
        people = _people(rows, context.user)
        numbers = {row.values["batch"] for row in rows if row.ok}
        batches = {b.number: b for b in ReliefBatch.objects.visible_to(context.user)
                   .filter(number__in=numbers).select_related("org")}
        lines: list[tuple[Row, ReliefPayment]] = []
        for row in rows:
            if not row.ok:
                continue
            batch = batches.get(row.values["batch"])
            if batch is None:
                row.reject("发放批次编号",
                           f"发放批次{row.values['batch']}不存在或不在您的管辖范围内")
                continue
            if not RELIEF.is_editable(batch):
                row.reject("发放批次编号", f"发放批次{batch.number}当前状态为"
                                          f"「{RELIEF.state_label(batch)}」，不能导入明细")
                continue
            person = _match_person(row, people)
            if person is None:
                continue
            key = (batch.pk, row.values["id_number"])
            if key in seen:
                row.reject("身份证号", f"与第{seen[key]}行重复（同一批次同一人）")
                continue
            seen[key] = row.number
            lines.append((row, ReliefPayment(
                batch=batch, person=person, kind=row.values["kind"],
                amount=row.values["amount"], paid_on=row.values["paid_on"],
            )))
        # The rules of a typed line, for the whole chunk in a few queries; lines written by
        # earlier chunks of this file are in the database already and count against the cap.
        for (row, line), problems in zip(lines, check_lines([line for _r, line in lines]),
                                         strict=True):
            for field, reason in problems:
                row.reject(self.HEADERS.get(field), reason)
            if row.ok:
                row.values["line"] = line

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        written = [row.values["line"] for row in rows]
        context.writer.insert(
            ReliefPayment,
            ["batch", "org", "org_path", "person", "file", "kind", "amount", "paid_on",
             "bank_card", "rejected", "reject_reason", "note"],
            [(line.batch_id, line.batch.org_id, line.batch.org_path, line.person_id,
              line.file.pk if line.file else None, line.kind, line.amount, line.paid_on,
              line.bank_card, False, "", "") for line in written],
        )
        # The next chunk's checks read these lines (caps, one line per batch).
        context.writer.flush()
        return WriteResult(created=len(written))
