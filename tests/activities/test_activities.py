"""The activity record: kinds extended by apps, participants by ID number, the sign-in sheet
import into one activity, and the general indicators at their boundary dates."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from gonghui.activities.kinds import Kinds, kind_choices, kinds
from gonghui.activities.models import Activity, Participant
from gonghui.core.imports.models import ImportJob, ImportStatus
from gonghui.core.text.identifiers import make_id_number
from gonghui.people.models import Person
from gonghui.reports.indicators import compute
from gonghui.reports.periods import Period

HEADERS = ["姓名", "身份证号", "单位", "签到日期"]


def new_id(seed: int) -> str:
    return make_id_number(random.Random(seed), area_code="370285",
                          birth_date=datetime.date(1992, 2, 2), sex="M")


def workbook(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([HEADERS, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


# --- kinds -----------------------------------------------------------------------------------


def test_the_base_kinds_and_a_kind_added_by_another_app() -> None:
    labels = dict(kind_choices())
    for label in ("会议", "走访", "演出", "竞赛", "培训", "参观学习", "座谈", "慰问送达"):
        assert label in labels.values()
    # tests/apps/kitkinds declares its kind in its ready(): no edit of the activities app.
    assert labels["kitkinds.drill"] == "应急演练"
    assert kinds.of_app("kitkinds") == ["kitkinds.drill"]


def test_an_app_kind_must_carry_its_app_prefix_and_never_clash() -> None:
    registry = Kinds()
    registry.declare("activities", {"meeting": "会议"})
    with pytest.raises(ValueError, match="must start with"):
        registry.declare("legalaid", {"lecture": "普法讲座"})
    with pytest.raises(ValueError, match="declared by"):
        registry.declare("activities", {"meeting": "大会"})
    registry.declare("legalaid", {"legalaid.lecture": "普法讲座"})
    assert registry.choices() == [("meeting", "会议"), ("legalaid.lecture", "普法讲座")]


@pytest.mark.django_db
def test_the_kind_is_chosen_not_typed(federation, login) -> None:
    client = login("town_a_cadre")
    form = {"title": "应急演练活动", "org": federation.union_a1.pk, "start_date": "2018-06-01",
            "end_date": "", "places": "", "money": "0", "goods_value": "0", "leaders": "",
            "summary": ""}
    refused = client.post(reverse("activities-create"), {**form, "kind": "随便写的类型"})
    assert refused.status_code == 400
    created = client.post(reverse("activities-create"), {**form, "kind": "kitkinds.drill"})
    assert created.status_code == 302
    activity = Activity.objects.get(title="应急演练活动")
    assert activity.kind == "kitkinds.drill"
    listing = client.get(reverse("activities-list"), {"kind": "kitkinds.drill"}).content.decode()
    assert "应急演练活动" in listing and "应急演练" in listing
    assert "职工座谈会" not in listing


@pytest.mark.django_db
def test_an_app_adds_its_own_child_rows_to_the_activity(federation, login) -> None:
    from tests.apps.kitkinds.models import TraineeScore

    client = login("town_a_cadre")
    activity = federation.activity_a
    create = reverse("activities-scores-create", args=[activity.pk])
    assert client.post(create, {"trainee": "赵学员", "score": "81.5"}).status_code == 302
    assert TraineeScore.objects.filter(activity=activity).count() == 2  # and the sentinel's
    page = client.get(reverse("activities-detail", args=[activity.pk])).content.decode()
    assert "学员成绩（2）" in page and "平均成绩 85.75" in page
    # Declared not to be exported: the export has no sheet for it.
    response = client.get(reverse("activities-export"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert "学员成绩" not in book.sheet_names


@pytest.mark.django_db
def test_an_activity_cannot_end_before_it_starts(federation, login) -> None:
    response = login("town_a_cadre").post(reverse("activities-create"), {
        "kind": "meeting", "title": "倒序", "org": federation.union_a1.pk,
        "start_date": "2018-06-02", "end_date": "2018-06-01", "money": "0", "goods_value": "0"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


# --- participants by hand --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_participant_by_id_number_matches_or_enters_the_person(federation, login) -> None:
    client = login("town_a_cadre")
    activity = federation.activity_a
    create = reverse("activities-participants-create", args=[activity.pk])
    base = {"headcount": "", "unit_name": "", "signed_on": "", "note": ""}
    # Known person, typed name differs: refused without writing.
    known = federation.person_a
    refused = client.post(create, {**base, "name": "别人", "id_number": known.id_number})
    assert refused.status_code == 400 and "不一致" in refused.content.decode()
    same = {**base, "name": "", "id_number": known.id_number}
    assert client.post(create, same).status_code == 302
    # A new person is entered into the person index, owned by the activity's organisation.
    number = new_id(11)
    assert client.post(create, {**base, "name": "孙八", "id_number": number}).status_code == 302
    person = Person.objects.get(id_number=number)
    assert (person.name, person.org_id, person.sex) == ("孙八", federation.union_a1.pk, "M")
    # Neither a name nor a count: refused.
    assert client.post(create, {**base, "name": "", "id_number": ""}).status_code == 400
    # Both: refused.
    both = {**base, "name": "", "id_number": known.id_number, "headcount": "3"}
    assert client.post(create, both).status_code == 400
    assert client.post(create, {**base, "headcount": "25"}).status_code == 302
    assert Participant.objects.filter(activity=activity).count() == 4


# --- the sign-in sheet -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_sheet_imports_into_the_activity_with_a_bad_row(
    federation, login, settings, tmp_path
) -> None:
    settings.IMPORT_DIR = tmp_path
    activity = federation.activity_a
    activity.end_date = datetime.date(2018, 4, 21)
    activity.save()
    known = federation.person_a
    fresh = new_id(21)
    rows = [
        [known.name, known.id_number, "机械厂", "2018-04-21"],  # 2nd day: a second person-time
        ["周九", fresh, "物流公司", "2018-04-20"],  # not on record: entered
        ["周九", fresh, "物流公司", "2018-04-21"],  # the same person the next day
        ["吴十", "370285199202021234", "", "2018-04-20"],  # bad check character
        ["周九", fresh, "物流公司", "2018-04-20"],  # same person, same day again
        ["冒名", known.id_number, "", "2018-04-20"],  # name differs from the index
        ["郑一", new_id(22), "", "2018-05-01"],  # after the activity
        [known.name, known.id_number, "", ""],  # already signed in (the sentinel row, no date)
    ]
    client = login("town_a_cadre")
    template = client.get(reverse("activities-participants-import-template", args=[activity.pk]))
    assert template.status_code == 200
    response = client.post(
        reverse("activities-participants-import", args=[activity.pk]),
        {"file": SimpleUploadedFile("签到表.xlsx", workbook(rows))},
    )
    job = ImportJob.objects.get(filename="签到表.xlsx")
    assert response.status_code == 302 and response["Location"] == reverse(
        "import-job", args=[job.pk])
    assert job.record_slug == f"activities/{activity.pk}/participants"
    call_command("worker", "--batch")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.read, job.created, job.rejected) == (8, 3, 5)
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "新增 3 行" in page
    new_person = Person.objects.get(id_number=fresh)
    assert new_person.org_id == federation.union_a1.pk
    assert Participant.objects.filter(activity=activity, person=new_person).count() == 2
    totals = activity_totals(activity)
    assert totals == {"persons": 2, "person_times": 4}  # A twice, 周九 twice
    errors = client.get(reverse("import-job-errors", args=[job.pk]))
    sheet = CalamineWorkbook.from_filelike(
        io.BytesIO(b"".join(errors.streaming_content))).get_sheet_by_index(0).to_python()
    assert sheet[0][-1] == "错误原因"
    reasons = {row[0]: row[-1] for row in sheet[1:]}
    assert set(reasons) == {"吴十", "周九", "冒名", "郑一", known.name}
    assert "重复" in reasons["周九"]
    assert "不一致" in reasons["冒名"]
    assert "不在活动日期内" in reasons["郑一"]
    assert "已签到" in reasons[known.name]


def activity_totals(activity: Activity) -> dict[str, object]:
    from gonghui.core.records.registry import registry

    return registry["activities"].child("participants").totals(activity)


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_sheet_for_a_parent_out_of_scope_writes_nothing(
    federation, login, settings, tmp_path
) -> None:
    settings.IMPORT_DIR = tmp_path
    client = login("town_b_cadre")
    url = reverse("activities-participants-import", args=[federation.activity_a.pk])
    data = workbook([["周九", new_id(21), "", ""]])
    assert client.post(url, {"file": SimpleUploadedFile("越权.xlsx", data)}).status_code == 404
    assert not ImportJob.objects.filter(filename="越权.xlsx").exists()


# --- indicators ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_indicators_count_the_period_boundaries(federation, make_persona) -> None:
    admin = make_persona("city_admin")
    union = federation.union_a1
    keys = ["activities.held", "activities.spent"]
    h1 = Period.parse("2018H1")
    # The sentinel activities every app planted in each branch (gonghui/*/samples.py).
    planted = compute(federation.city, h1, admin, keys)
    planted_b = compute(federation.city, h1, make_persona("town_b_cadre"), keys)
    assert planted["activities.held"] == 2 * planted_b["activities.held"] > 0
    for day, money in ((datetime.date(2018, 1, 1), "100.10"), (datetime.date(2018, 6, 30), "0.20"),
                       (datetime.date(2017, 12, 31), "1000"), (datetime.date(2018, 7, 1), "1000")):
        activity = Activity.objects.create(org=union, kind="visit", title=f"走访{day}",
                                           start_date=day, money=Decimal(money))
        Participant.objects.create(activity=activity, headcount=5)
        Participant.objects.create(activity=activity, person=federation.person_a)
    figures = compute(federation.city, h1, admin, keys)
    # The two activities on the period's first and last days, and the planted ones.
    assert figures["activities.held"] == 2 + planted["activities.held"]
    # Their money; the sentinel activity of the activities app carries 1200.00 + 300.50.
    assert figures["activities.spent"] == Decimal("100.30") + planted["activities.spent"]
    assert planted_b["activities.spent"] >= Decimal("1500.50")
    # A town cadre of B counts only B's sentinel activities.
    cadre_b = make_persona("town_b_cadre")
    figures_b = compute(federation.city, h1, cadre_b, keys)
    assert figures_b == planted_b
