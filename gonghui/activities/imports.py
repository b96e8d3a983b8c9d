"""The sign-in sheet (签到表): 姓名, 身份证号, 单位, 签到日期, imported into one activity.

Each row becomes a named participant. People are matched by ID number in the person index; one
not on record is entered there, owned by the activity's organisation. The same person signing
in twice on one day (in the file, or already on the activity) is refused, as is a sign-in date
outside the activity's dates; a person signing in on two days is two person-times.
"""

from __future__ import annotations

from typing import Any

from gonghui.activities.models import Participant
from gonghui.core.imports.spec import (
    ImportColumn,
    ImportContext,
    Row,
    WriteResult,
    parse_day,
)
from gonghui.core.records.children import ChildImportSpec
from gonghui.people.imports import parse_id_number, parse_name
from gonghui.people.models import Person


def _id(value: Any) -> str:
    return parse_id_number(value).number  # type: ignore[no-any-return]


class SignInImport(ChildImportSpec):
    slug = "activities.participants"
    title = "签到表导入模板"
    instructions = (
        "每行一人次；身份证号请设为文本格式；同一人多日签到请各填一行；"
        "签到日期须在活动日期内，可不填"
    )
    columns = (
        ImportColumn("姓名", "name", parse_name, required=True),
        ImportColumn("身份证号", "id_number", _id, required=True, as_text=True, width=22),
        ImportColumn("单位", "unit_name", width=24),
        ImportColumn("签到日期", "signed_on", parse_day, note="格式：2024-05-01", cache=True),
    )

    def check(self, rows: list[Row], context: ImportContext) -> None:
        activity = self.parent
        seen: dict[tuple[str, Any], int] = context.cache.setdefault("seen", {})
        ok = [row for row in rows if row.ok]
        numbers = {row.values["id_number"] for row in ok}
        # The whole person index, as the member import does: a person is entered once.
        people = {p.id_number: p for p in Person.objects.filter(id_number__in=numbers)}
        signed = set(
            Participant.objects.filter(activity=activity, person__id_number__in=numbers)
            .values_list("person__id_number", "signed_on")
        )
        for row in ok:
            number, day = row.values["id_number"], row.values.get("signed_on")
            person = people.get(number)
            if person is not None and person.name != row.values["name"]:
                row.reject("姓名", "姓名与人员库中该身份证号的记录不一致")
                continue
            if day is not None and not (activity.start_date <= day <= activity.last_day):
                row.reject("签到日期", "签到日期不在活动日期内")
                continue
            if (number, day) in signed:
                row.reject("身份证号", "此人该日已签到，不能重复签到")
                continue
            if (number, day) in seen:
                row.reject("身份证号", f"与第{seen[number, day]}行重复（同一人同一天）")
                continue
            seen[number, day] = row.number
            row.values["person"] = person

    def write(self, rows: list[Row], context: ImportContext) -> WriteResult:
        activity = self.parent
        new: dict[str, Person] = {}
        for row in rows:
            number = row.values["id_number"]
            if row.values["person"] is None and number not in new:
                info = parse_id_number(number)
                new[number] = Person(
                    id_number=number, name=row.values["name"], sex=info.sex,
                    birth_date=info.birth_date, org=activity.org,
                )
                new[number].save()  # few per sheet; save() derives the initials and ID tail
        Participant.objects.bulk_create(
            Participant(
                activity=activity,
                person=row.values["person"] or new[row.values["id_number"]],
                unit_name=row.values.get("unit_name") or "",
                signed_on=row.values.get("signed_on"),
            )
            for row in rows
        )
        return WriteResult(created=len(rows))
