"""The rules of hardship files and relief payments, in one place: the forms, the imports and the
workflow's guards all call these, so a rule checked on entry is the same rule checked again at
approval.

- The category of a household (全总 / 青岛 self-test rule), from the year's standard:
  深度困难 (收入 − 刚性支出) ÷ 12 ÷ 人口 < 低保; 相对困难 < 倍数 × 低保;
  意外致困 刚性支出 > 占比 × 收入.
- One open file per person (the partial unique index says it too); near-duplicate names at the
  same address are flagged for the reviewer.
- A payment line: 先建档、后帮扶 (a hardship kind needs an approved file), no payment to a person
  whose file was closed or revoked, one line per person per batch, the yearly cap per kind.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from gonghui.care.models.hardship import (
    CLOSED_STATES,
    HARDSHIP,
    HARDSHIP_KINDS,
    OPEN_STATES,
    CareStandard,
    Category,
    HardshipFile,
    ReliefBatch,
    ReliefKind,
    ReliefPayment,
)

CENT = Decimal("0.01")
NOT_COUNTED_BATCHES = ("rejected",)  # a refused batch pays nothing: its lines free the cap


# --- the year's standard and the category ------------------------------------------------------


def standard_for(org: Any, year: int) -> CareStandard | None:
    """The standard of `year` published by the nearest organisation at or above `org`."""
    if org is None or not year:
        return None
    # One query, not one per level: the organisation's and its ancestors' paths are the
    # prefixes of its path (every file save and every approval asks this).
    step = type(org).steplen
    paths = [org.path[:end] for end in range(step, len(org.path) + 1, step)]
    return (CareStandard.objects.filter(org__path__in=paths, year=year)  # type: ignore[no-any-return]
            .order_by("-org__depth").first())


def per_capita(income: Decimal, costs: Decimal, persons: int) -> Decimal:
    """(收入 − 刚性支出) ÷ 12 ÷ 人口, in yuan a month, to the fen."""
    return ((income - costs) / 12 / persons).quantize(CENT, rounding=ROUND_HALF_UP)


def category_of(income: Decimal, costs: Decimal, persons: int,
                standard: CareStandard) -> tuple[str, Decimal]:
    monthly = per_capita(income, costs, persons)
    if monthly < standard.dibao_monthly:
        return Category.DEEP, monthly
    if monthly < standard.relative_multiple * standard.dibao_monthly:
        return Category.RELATIVE, monthly
    if costs > standard.accident_share * income:
        return Category.ACCIDENT, monthly
    return Category.NONE, monthly


def classify(file: HardshipFile) -> None:
    """Store the category and the monthly figure it came from (on every save)."""
    standard = standard_for(getattr(file, "org", None) if file.org_id else None, file.year)
    if standard is None or not file.household_size or file.annual_income is None:
        file.category, file.monthly_per_capita = Category.NONE, None
        return
    file.category, file.monthly_per_capita = category_of(
        file.annual_income, file.rigid_costs or Decimal(0), file.household_size, standard)


# --- one household, one file -------------------------------------------------------------------

_PUNCTUATION = re.compile(r"[\s,，.。、·\-－—#号()（）]+")


def address_key(address: str) -> str:
    return _PUNCTUATION.sub("", address or "")


def near_name(a: str, b: str) -> bool:
    """Same surname and length, at most one character apart (张小明 / 张晓明), or the same."""
    if not a or not b or len(a) != len(b) or a[0] != b[0]:
        return False
    return sum(x != y for x, y in zip(a, b, strict=True)) <= 1


def flag_duplicates(file: HardshipFile) -> str:
    """The reviewer's flag: open files at the same address under a near-identical name."""
    key = address_key(file.address)
    file.address_key = key
    if not key or not file.person_id:
        return ""
    name = file.person.name
    others = [f for f in file.near_duplicates(key) if near_name(f.person.name, name)]
    if not others:
        return ""
    return "同一住址有姓名相近的档案：" + "、".join(
        f"{f.person.name}（档案{f.pk}）" for f in others[:3])


def other_open_file(file: HardshipFile) -> HardshipFile | None:
    if not file.person_id:
        return None
    return (HardshipFile.files_of([file.person_id]).filter(state__in=OPEN_STATES)
            .exclude(pk=file.pk).first())


def open_file_refusal(file: HardshipFile) -> str | None:
    if other_open_file(file) is not None:
        return "该职工已有未办结的困难职工档案，不能重复建档"
    return None


def file_errors(file: HardshipFile) -> None:
    """The form's and the import's checks of a file; raises ValidationError in Chinese."""
    errors: dict[str, str] = {}
    minors = file.minor_causes
    if file.main_cause and file.main_cause in minors:
        errors["minor_cause_1"] = "次要致困原因不能与主要致困原因相同"
    elif len(set(minors)) != len(minors):
        errors["minor_cause_1"] = "次要致困原因不能重复"
    if file.year and file.org_id and standard_for(file.org, file.year) is None:
        errors["year"] = f"尚未设置{file.year}年的低保标准，请联系市总工会"
    if file.state in OPEN_STATES and (reason := open_file_refusal(file)):
        errors["person"] = reason
    if file.opened_on and file.opened_on > timezone.localdate():
        errors["opened_on"] = "建档日期不能晚于今天"
    if errors:
        raise ValidationError(errors)


def file_refusal(file: HardshipFile) -> str | None:
    """Why a file may not go up (submit, approve) as it now stands."""
    if reason := open_file_refusal(file):
        return reason
    standard = standard_for(file.org, file.year)
    if standard is None:
        return f"尚未设置{file.year}年的低保标准，不能认定困难类别"
    category, monthly = category_of(file.annual_income, file.rigid_costs, file.household_size,
                                    standard)
    if category == Category.NONE:
        return (f"家庭月人均可支配收入{monthly}元，不低于{file.year}年低保标准"
                f"{standard.dibao_monthly}元的{standard.relative_multiple}倍，刚性支出也未超过"
                f"家庭年收入的{standard.accident_share * 100:.0f}%，不符合建档标准")
    return None


def stamp_review(file: HardshipFile) -> None:
    """Approval and 返困 are reviews: the 动态管理 clock starts again."""
    file.reviewed_on = timezone.localdate()
    file.save(update_fields=["reviewed_on"])


def review_due_before(as_of: datetime.date) -> datetime.date:
    """Files last reviewed before this day are due (twelve months without a review)."""
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 1, day=28)


# --- payment lines -----------------------------------------------------------------------------


def check_lines(lines: Sequence[ReliefPayment]) -> list[list[tuple[str, str]]]:
    """The problems of each line, `[(field, reason)]`, in a fixed number of queries however
    many lines there are (an import checks thousands). Fills `line.file` with the person's
    approved file where there is one."""
    people = {line.person_id for line in lines if line.person_id}
    files: dict[int, list[HardshipFile]] = defaultdict(list)
    found_files = HardshipFile.files_of(people).only("pk", "person_id", "state", "bank_card")
    for found in found_files.order_by("pk"):
        files[found.person_id].append(found)
    years = {line.paid_on.year for line in lines if line.paid_on}
    spent: dict[tuple[int, str, int], Decimal] = defaultdict(Decimal)
    in_batch: dict[tuple[int, int], int] = {}
    mine = {line.pk for line in lines if line.pk}
    batches = {line.batch_id for line in lines if line.batch_id}
    existing = ReliefPayment.lines_of(people).exclude(pk__in=mine).filter(rejected=False)
    for person, kind, day, amount in (
        existing.filter(paid_on__year__in=years).exclude(batch__state__in=NOT_COUNTED_BATCHES)
        .values_list("person_id", "kind", "paid_on", "amount")
    ):
        spent[person, kind, day.year] += amount
    for person, batch in existing.filter(batch_id__in=batches).values_list("person_id",
                                                                          "batch_id"):
        in_batch[person, batch] = 0
    standards: dict[tuple[int, int], CareStandard | None] = {}
    out: list[list[tuple[str, str]]] = []
    for line in lines:
        problems: list[tuple[str, str]] = []
        out.append(problems)
        if not line.person_id:
            continue
        held = files.get(line.person_id, [])
        approved = next((f for f in held if f.state == "approved"), None)
        closed = next((f for f in reversed(held) if f.state in CLOSED_STATES), None)
        line.file = approved
        if approved is not None and not line.bank_card:
            line.bank_card = approved.bank_card
        if approved is None and closed is not None:
            problems.append(("person", f"该职工的困难职工档案{HARDSHIP.state_label(closed)}，"
                                       "不能发放救助"))
        elif approved is None and line.kind in HARDSHIP_KINDS:
            problems.append(("person", "该职工没有在档的困难职工档案（先建档、后帮扶）"))
        if line.batch_id and (line.person_id, line.batch_id) in in_batch:
            problems.append(("person", "同一批次中每人只能有一条发放明细"))
        elif line.batch_id:
            in_batch[line.person_id, line.batch_id] = 1
        if not (line.paid_on and line.kind and line.amount is not None and line.batch_id):
            continue
        key = (line.batch_id, line.paid_on.year)
        if key not in standards:
            standards[key] = standard_for(line.batch.org, line.paid_on.year)
        standard = standards[key]
        if standard is None:
            problems.append(("paid_on", f"尚未设置{line.paid_on.year}年的帮扶救助标准"))
            continue
        total = spent[line.person_id, line.kind, line.paid_on.year]
        cap = standard.cap(line.kind)
        if total + line.amount > cap:
            label = ReliefKind(line.kind).label
            problems.append(("amount", f"超过{label}每人年度上限{cap}元（本年已有{total}元）"))
        else:
            spent[line.person_id, line.kind, line.paid_on.year] = total + line.amount
    return out


def line_errors(line: ReliefPayment) -> None:
    """The line form's check (ValidationError in Chinese, by field)."""
    if not line.batch_id:
        return
    problems = check_lines([line])[0]
    if problems:
        errors: dict[str, list[str]] = defaultdict(list)
        for field, reason in problems:
            errors[field].append(reason)
        raise ValidationError(dict(errors))


def batch_refusal(batch: ReliefBatch) -> str | None:
    """Every line checked again when the batch goes up a step."""
    lines = list(batch.lines.filter(rejected=False).select_related("person", "batch__org")
                 .order_by("pk"))
    if not lines:
        return "批次内没有待发放的明细，不能提交"
    reasons = [
        f"{line.person.name}：{reason}"
        for line, problems in zip(lines, check_lines(lines), strict=True)
        for _field, reason in problems
    ]
    if reasons:
        more = f"等{len(reasons)}条" if len(reasons) > 5 else ""
        return "以下明细不符合发放规定，请剔除或退回修改：" + "；".join(reasons[:5]) + more
    return None


def stamp_paid(batch: ReliefBatch) -> None:
    batch.paid_at = timezone.now()
    batch.save(update_fields=["paid_at"])


def paid_lines(lines: Iterable[Any]) -> Any:
    """Lines that count as paid money: a paid batch, not rejected."""
    return lines.filter(batch__state="paid", rejected=False)  # type: ignore[attr-defined]


def reject_line(line: ReliefPayment, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("请填写剔除原因")
    line.rejected, line.reject_reason = True, reason[:200]
    line.save(update_fields=["rejected", "reject_reason"])

