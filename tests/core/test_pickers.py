"""Pickers: no registered form or filter renders a <select> over a table that grows; the
autocomplete finds people, organisations and enterprises by indexed columns within the user's
subtree; a valid ID number not on record can create the person; a forged id still fails."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from gonghui.core.audit.models import AuditEntry
from gonghui.core.records.forms import RecordForm
from gonghui.core.records.pickers import PickerWidget, growing_type
from gonghui.core.records.registry import RecordType, registry
from gonghui.core.text.identifiers import make_id_number
from gonghui.people.models import BenefitCard, Person

pytestmark = pytest.mark.django_db

SELECT = re.compile(r'<select[^>]*\bname="([^"]+)"')


def selects_over_growing_tables(form: forms.BaseForm) -> list[str]:
    """The names of fields rendered as a <select> whose choices come from a growing table."""
    html = str(form)
    offenders = []
    for name in SELECT.findall(html):
        field = form.fields.get(name.removeprefix(f"{form.prefix}-") if form.prefix else name)
        queryset = getattr(field, "queryset", None)
        if queryset is not None and growing_type(queryset.model) is not None:
            offenders.append(name)
    return offenders


def every_form(record: RecordType, user: Any, obj: Any) -> list[forms.BaseForm]:
    request = RequestFactory().get("/")
    request.user = user
    filterset = record.filterset_class(None, queryset=record.base_queryset(user),
                                       request=request)
    return [record.form_class(user=user), record.form_class(instance=obj, user=user),
            filterset.form]


def test_people_organisations_and_enterprises_are_declared_to_grow() -> None:
    assert {r.slug for r in registry if r.grows} >= {"people", "orgs", "enterprises"}


def test_no_registered_form_or_filter_renders_a_select_over_a_growing_table(
    federation, make_persona
):
    user = make_persona("city_admin")
    walked = 0
    for record in registry:
        obj = federation.branch_objects("a")[record.slug]
        for form in every_form(record, user, obj):
            assert selects_over_growing_tables(form) == [], (record.slug, type(form).__name__)
            walked += 1
    assert walked == 3 * len(list(registry))


def test_the_walk_sees_a_select_over_people(federation, make_persona):
    class Bad(forms.Form):
        person = forms.ModelChoiceField(queryset=Person.objects.all())

    assert selects_over_growing_tables(Bad()) == ["person"]


def test_record_forms_give_growing_foreign_keys_a_picker(federation, make_persona):
    form = registry["cards"].form_class(user=make_persona("town_a_cadre"))
    assert isinstance(form.fields["person"].widget, PickerWidget)
    assert isinstance(form.fields["org"].widget, PickerWidget)
    html = str(form["person"])
    assert 'data-url="/cards/' not in html  # the person type's own autocomplete
    assert f'data-url="{reverse("people-autocomplete")}"' in html
    assert f'data-create-url="{reverse("people-picker-create")}"' in html
    assert "<script" not in html  # the CSP forbids inline scripts: static/gonghui/picker.js


def test_a_chosen_record_shows_its_label_but_a_forged_one_shows_nothing(
    federation, make_persona
):
    user = make_persona("town_a_cadre")
    card = registry["cards"].form_class(instance=federation.card_a, user=user)
    assert federation.person_a.name in str(card["person"])
    forged = registry["cards"].form_class(
        data={"person": federation.person_b.pk}, user=user
    )
    assert federation.person_b.name not in str(forged["person"])


def test_a_forged_id_of_another_branch_fails_validation(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("cards-create"), {
        "number": "新卡0001", "person": federation.person_b.pk, "issued_on": "2019-01-01",
        "org": federation.union_a1.pk,
    })
    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert not BenefitCard.objects.filter(number="新卡0001").exists()
    ok = client.post(reverse("cards-create"), {
        "number": "新卡0001", "person": federation.person_a.pk, "issued_on": "2019-01-01",
        "org": federation.union_a1.pk,
    })
    assert ok.status_code == 302


def test_list_filters_over_organisations_are_pickers(federation, login):
    html = login("city_admin").get(reverse("members-list"),
                                   {"org": federation.union_a1a.pk}).content.decode()
    assert '<select name="org"' not in html
    assert f'name="org" value="{federation.union_a1a.pk}"' in html
    assert federation.union_a1a.name in html  # the chosen organisation's label


# --- the autocomplete ----------------------------------------------------------------------------


def found(client: Any, slug: str, query: str) -> dict[str, Any]:
    response = client.get(reverse(f"{slug}-autocomplete"), {"q": query})
    assert response.status_code == 200
    return response.json()


def texts(answer: dict[str, Any]) -> list[str]:
    return [item["text"] for item in answer["results"]]


def test_people_are_found_by_name_initials_id_tail_and_number_within_the_subtree(
    federation, login
):
    person = federation.person_a  # 哨兵甲张三
    client = login("town_a_cadre")
    for query in ["哨兵甲张", "sbjzs", "SBJ", person.id_number[-4:], person.id_number]:
        assert [i["id"] for i in found(client, "people", query)["results"]] == [person.pk], query
    label = texts(found(client, "people", "哨兵甲"))[0]
    assert label == f"{person.name}（身份证号尾号{person.id_number[-4:]}）"
    assert person.id_number not in label
    # A tail longer than four digits finds nobody: a number is not rebuilt digit by digit.
    assert found(client, "people", person.id_number[-8:])["results"] == []
    other = login("town_b_cadre")
    assert found(other, "people", person.id_number) == {"results": []}
    assert found(other, "people", "哨兵甲")["results"] == []


def test_organisations_and_enterprises_are_found_by_code_and_name(federation, login):
    client = login("town_a_cadre")
    assert texts(found(client, "orgs", "A-1-1")) == [f"{federation.union_a1a.name}（A-1-1）"]
    assert federation.union_a2.pk in [i["id"] for i in found(client, "orgs", "哨兵甲工业")[
        "results"]]
    assert found(client, "orgs", "B-1")["results"] == []  # another town's union
    uscc = federation.enterprise_a.uscc
    assert [i["id"] for i in found(client, "enterprises", uscc)["results"]] == [
        federation.enterprise_a.pk]
    assert federation.enterprise_a.pk in [
        i["id"] for i in found(client, "enterprises", "哨兵甲机械")["results"]]
    assert found(client, "enterprises", federation.enterprise_b.uscc)["results"] == []


def explain(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test tables are tiny: forbid the sequential scan the planner would prefer,
            # so the plan shows whether an index *can* serve the lookup at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


@pytest.mark.parametrize("slug, query", [
    ("people", "张"), ("people", "zs"), ("people", "1234"),
    ("people", "37028519900307123X"),
    ("orgs", "A-1"), ("orgs", "哨兵"), ("enterprises", "哨兵"), ("enterprises", "91370"),
])
def test_picker_lookups_are_served_by_indexes(federation, slug, query):
    record = registry[slug]
    assert record.picker_search is not None
    plan = explain(record.model.objects.filter(record.picker_search(query)).order_by()[:20])
    if connection.vendor == "postgresql":
        assert "Seq Scan" not in plan, plan
    else:
        assert "USING" in plan and "INDEX" in plan and not re.search(r"\bSCAN \w+$", plan), plan


# --- a person from an ID number -----------------------------------------------------------------


def new_id(sex: str = "F") -> str:
    import datetime

    return make_id_number(random.Random(99), area_code="370285",
                          birth_date=datetime.date(1988, 6, 15), sex=sex)


def test_a_valid_id_number_not_on_record_is_offered_for_creation(federation, login):
    client = login("town_a_cadre")
    number = new_id("F")
    answer = found(client, "people", number)
    assert answer["results"] == []
    assert answer["create"]["id_number"] == number
    assert (answer["create"]["sex"], answer["create"]["birth_date"]) == ("女", "1988-06-15")
    # A wrong check character, a number on record in another branch: no offer.
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert "create" not in found(client, "people", wrong)
    assert "create" not in found(client, "people", federation.person_b.id_number)
    # Only for those who may add people.
    assert "create" not in found(login("city_admin"), "people", "哨兵丙")


def test_the_picker_creates_the_person_with_sex_and_birth_date_from_the_number(
    federation, login, make_persona
):
    client = login("town_a_cadre")
    number = new_id("M")
    url = reverse("people-picker-create")
    refused = client.post(url, {"id_number": number, "name": ""})
    assert refused.status_code == 400 and refused.json()["error"] == "请填写姓名"
    made = client.post(url, {"id_number": number, "name": "王新"})
    assert made.status_code == 200
    person = Person.objects.get(id_number=number)
    assert made.json() == {"id": person.pk, "text": f"王新（身份证号尾号{number[-4:]}）"}
    assert (person.sex, person.birth_date.isoformat(), person.org) == (
        "M", "1988-06-15", federation.town_a)
    assert person.name_initials == "wx"
    assert AuditEntry.objects.filter(object_id=str(person.pk), action="create").exists()
    again = client.post(url, {"id_number": number, "name": "王新"})
    assert again.status_code == 400 and "已在系统中登记" in again.json()["error"]
    bad = client.post(url, {"id_number": "370285198806151230", "name": "王新"})
    assert bad.status_code == 400
    assert login("auditor").post(url, {"id_number": new_id("F"), "name": "甲"}).status_code == 403


def test_a_form_without_a_growing_foreign_key_is_left_alone(federation, make_persona):
    class Plain(RecordForm):
        class Meta:
            model = BenefitCard
            fields = ["number", "issued_on"]

    form = Plain(user=make_persona("town_a_cadre"))
    assert not any(isinstance(f.widget, PickerWidget) for f in form.fields.values())
