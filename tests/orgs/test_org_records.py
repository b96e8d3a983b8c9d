"""Organisations and enterprises through the generic pages: the tree stays a valid tree.

A node is created under a parent the user sees and only where its kind may sit; changing the
parent moves the branch with its records; a node with children is never deleted with them; the
tree page counts what is really there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.forms.models import model_to_dict
from django.urls import reverse

from gonghui.core.audit.models import AuditAction, AuditEntry
from gonghui.orgs.models import Enterprise, Industry, Organization, OrgKind, Ownership

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


def new_org(parent: Organization, **fields: Any) -> dict[str, Any]:
    data = {
        "parent": parent.pk,
        "code": "N-1",
        "name": "新设工会",
        "kind": OrgKind.GRASSROOTS,
        "founded_on": "",
        "uscc": "",
        "address": "",
        "chair": "",
        "phone": "",
    }
    data.update(fields)
    return data


def org_form(org: Organization, **overrides: Any) -> dict[str, Any]:
    data = model_to_dict(
        org,
        fields=[
            "code",
            "name",
            "kind",
            "founded_on",
            "uscc",
            "address",
            "chair",
            "phone",
        ],
    )
    parent = Organization.objects.get_parent(org)
    if parent is not None:
        data["parent"] = parent.pk
    data.update(overrides)
    return {k: ("" if v is None else v) for k, v in data.items()}


def enterprise_form(**fields: Any) -> dict[str, Any]:
    data = {
        "name": "新企业有限公司",
        "uscc": "",
        "industry": Industry.C,
        "ownership": Ownership.PRIVATE,
        "employee_count": 10,
    }
    data.update(fields)
    return data


def fresh(org: Organization) -> Organization:
    return Organization.objects.get(pk=org.pk)


def errors_of(response: Any) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


def page_messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- creating ------------------------------------------------------------------------------------


def test_town_cadre_creates_a_union_under_their_town(federation, make_persona, login):
    cadre = make_persona("town_a_cadre")
    client = login("town_a_cadre")
    response = client.post(reverse("orgs-create"), new_org(federation.town_a, phone="13700001111"))
    assert response.status_code == 302, response.content.decode()

    created = Organization.objects.get(code="N-1")
    town_a = fresh(federation.town_a)
    assert Organization.objects.get_parent(created) == town_a
    assert created.depth == town_a.depth + 1
    assert created.path.startswith(town_a.path)
    assert town_a.numchild == 3
    # Appended after the existing children: their paths (copied into records) did not move.
    assert fresh(federation.union_a1).path == federation.union_a1.path
    assert fresh(federation.union_a2).path == federation.union_a2.path
    assert created.path > federation.union_a2.path
    assert created in Organization.objects.visible_to(cadre)
    assert Organization.objects.find_problems() == ([], [], [], [], [])

    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="orgs.organization")
    assert entry.object_id == str(created.pk)
    assert entry.user == cadre
    assert entry.changes["name"]["after"] == "新设工会"
    assert "13700001111" not in str(entry.changes)


def test_a_sub_union_goes_under_its_union(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("orgs-create"), new_org(federation.union_a1a, code="N-2"))
    assert response.status_code == 302, response.content.decode()
    created = Organization.objects.get(code="N-2")
    assert Organization.objects.get_parent(created) == federation.union_a1a
    assert created.depth == 5


@pytest.mark.parametrize(
    ("persona", "parent_attr", "kind"),
    [
        ("town_a_cadre", "town_a", OrgKind.TOWN),
        ("city_admin", "town_a", OrgKind.TOWN),
        ("city_admin", "union_a1", OrgKind.TOWN),
        ("city_admin", "city", OrgKind.CITY),
        ("city_admin", "town_a", OrgKind.CITY),
        ("town_a_cadre", "town_a", OrgKind.CITY),
        ("town_a_cadre", "union_a1", OrgKind.JOINT),
    ],
)
def test_kind_rules_refuse_with_a_chinese_message(federation, login, persona, parent_attr, kind):
    before = Organization.objects.count()
    parent = getattr(federation, parent_attr)
    response = login(persona).post(reverse("orgs-create"), new_org(parent, kind=kind))
    assert response.status_code == 400
    errors = errors_of(response)
    assert errors and all(CJK.search(e) for e in errors)
    assert any("不能设立" in e for e in errors)
    assert Organization.objects.count() == before


def test_town_cadre_cannot_create_outside_their_subtree(federation, login):
    before = Organization.objects.count()
    client = login("town_a_cadre")
    for parent in (federation.town_b, federation.union_b1, federation.city):
        response = client.post(reverse("orgs-create"), new_org(parent))
        assert response.status_code == 400
        assert "parent" in response.context["form"].errors
        assert CJK.search(errors_of(response)[0])
    assert Organization.objects.count() == before
    assert fresh(federation.town_b).numchild == 1
    assert not AuditEntry.objects.filter(object_type="orgs.organization").exists()


def test_the_parent_choices_are_the_users_subtree(federation, login):
    response = login("town_a_cadre").get(reverse("orgs-create"))
    choices = set(response.context["form"].fields["parent"].queryset)
    assert choices == {
        federation.town_a,
        federation.union_a1,
        federation.union_a1a,
        federation.union_a2,
    }


# --- moving --------------------------------------------------------------------------------------


def test_changing_the_parent_moves_the_branch_and_its_records(federation, make_persona, login):
    union = federation.union_a1
    enterprise = federation.enterprise_a
    client = login("town_a_cadre")
    response = client.post(
        reverse("orgs-update", args=[union.pk]),
        org_form(union, parent=federation.union_a2.pk, chair="新主席"),
    )
    assert response.status_code == 302, response.content.decode()

    union = fresh(union)
    assert union.chair == "新主席"
    assert Organization.objects.get_parent(union) == federation.union_a2
    assert union.path.startswith(fresh(federation.union_a2).path)
    sub = fresh(federation.union_a1a)
    assert Organization.objects.get_parent(sub) == union
    assert sub.path.startswith(union.path)
    enterprise.refresh_from_db()
    assert enterprise.org == union
    assert enterprise.org_path == union.path
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    # Still visible to the town, and now to whoever holds the joint union's subtree.
    assert enterprise in Enterprise.objects.visible_to(make_persona("town_a_cadre"))
    joint_union = Enterprise.objects.within(fresh(federation.union_a2).path)
    assert joint_union.filter(pk=enterprise.pk).exists()


def test_city_admin_moves_a_union_to_another_town(federation, make_persona, login):
    union = federation.union_a2
    enterprise = Enterprise(
        name="联合工会所辖企业", town=federation.town_a, union=union, employee_count=5
    )
    enterprise.save()
    response = login("city_admin").post(
        reverse("orgs-update", args=[union.pk]), org_form(union, parent=federation.town_b.pk)
    )
    assert response.status_code == 302, response.content.decode()
    union = fresh(union)
    enterprise.refresh_from_db()
    assert enterprise.org_path == union.path
    assert enterprise in Enterprise.objects.visible_to(make_persona("town_b_cadre"))
    assert enterprise not in Enterprise.objects.visible_to(make_persona("town_a_cadre"))


def test_a_branch_cannot_move_under_itself(federation, login):
    union = federation.union_a1
    response = login("town_a_cadre").post(
        reverse("orgs-update", args=[union.pk]), org_form(union, parent=federation.union_a1a.pk)
    )
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    assert fresh(union).path == union.path


def test_editing_your_own_top_node_offers_no_parent(federation, login):
    town = federation.town_a
    client = login("town_a_cadre")
    response = client.get(reverse("orgs-update", args=[town.pk]))
    assert response.status_code == 200
    assert "parent" not in response.context["form"].fields
    assert 'name="parent"' not in response.content.decode()

    # A posted parent is ignored, not obeyed.
    data = org_form(town, chair="镇主席", parent=federation.town_b.pk)
    response = client.post(reverse("orgs-update", args=[town.pk]), data)
    assert response.status_code == 302, response.content.decode()
    town = fresh(town)
    assert town.chair == "镇主席"
    assert Organization.objects.get_parent(town) == federation.city
    assert town.path == federation.town_a.path


def test_editing_your_own_top_node_keeps_the_kind_rules(federation, login):
    town = federation.town_a
    response = login("town_a_cadre").post(
        reverse("orgs-update", args=[town.pk]), org_form(town, kind=OrgKind.CITY)
    )
    assert response.status_code == 400
    assert any(CJK.search(e) for e in errors_of(response))
    assert fresh(town).kind == OrgKind.TOWN


def test_a_kind_change_that_strands_children_is_refused(federation, login):
    # A town with a joint union under it cannot become a grassroots union.
    town = federation.town_a
    response = login("city_admin").post(
        reverse("orgs-update", args=[town.pk]), org_form(town, kind=OrgKind.GRASSROOTS)
    )
    assert response.status_code == 400
    assert any(CJK.search(e) for e in errors_of(response))
    assert fresh(town).kind == OrgKind.TOWN


def test_a_root_is_edited_without_a_parent(federation, login):
    response = login("city_admin").get(reverse("orgs-update", args=[federation.city.pk]))
    assert "parent" not in response.context["form"].fields


# --- deleting ------------------------------------------------------------------------------------


def test_an_org_with_children_is_not_deleted(federation, login):
    client = login("town_a_cadre")
    # A new union with a sub-union and no enterprises: nothing but the children holds it.
    client.post(reverse("orgs-create"), new_org(federation.town_a, code="P"))
    parent = Organization.objects.get(code="P")
    client.post(reverse("orgs-create"), new_org(parent, code="P-1", name="新设分工会"))
    child = Organization.objects.get(code="P-1")
    count = Organization.objects.count()
    audit_count = AuditEntry.objects.filter(action=AuditAction.DELETE).count()

    response = client.post(reverse("orgs-delete", args=[parent.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs-detail", args=[parent.pk])
    messages = page_messages(response)
    assert messages and all(CJK.search(m) for m in messages)
    assert any("下级" in m for m in messages), messages
    assert Organization.objects.count() == count
    assert Organization.objects.filter(pk=child.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE).count() == audit_count

    # The confirmation page says so before anyone presses the button.
    page = client.get(reverse("orgs-delete", args=[parent.pk]))
    assert page.status_code == 200
    assert page.context["blocker"]


def test_an_org_with_enterprises_is_not_deleted(federation, login):
    # union_b1 has no sub-unions but covers an enterprise.
    response = login("city_admin").post(reverse("orgs-delete", args=[federation.union_b1.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs-detail", args=[federation.union_b1.pk])
    messages = page_messages(response)
    assert messages and all(CJK.search(m) for m in messages)
    assert Organization.objects.filter(pk=federation.union_b1.pk).exists()
    assert Enterprise.objects.filter(pk=federation.enterprise_b.pk).exists()
    assert fresh(federation.town_b).numchild == 1


def test_a_leaf_org_is_deleted(federation, login):
    client = login("town_a_cadre")
    response = client.post(reverse("orgs-delete", args=[federation.union_a1a.pk]))
    assert response.status_code == 302
    assert not Organization.objects.filter(pk=federation.union_a1a.pk).exists()
    assert fresh(federation.union_a1).numchild == 0
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_deleting_an_enterprise_works(federation, login):
    # An enterprise no record names (the planted one is enrolled in mutual insurance).
    unit = Enterprise.objects.get(pk=federation.enterprise_a.pk)
    unit.pk = None
    unit.name, unit.uscc = "待删除企业", "91370285MA3C000017"
    unit.save()
    client = login("town_a_cadre")
    response = client.post(reverse("enterprises-delete", args=[unit.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises-list")
    assert not Enterprise.objects.filter(pk=unit.pk).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_type="orgs.enterprise", object_id=str(unit.pk)
    ).exists()


def test_an_enterprise_of_another_town_is_not_deleted(federation, login):
    response = login("town_a_cadre").post(
        reverse("enterprises-delete", args=[federation.enterprise_b.pk])
    )
    assert response.status_code == 404
    assert Enterprise.objects.filter(pk=federation.enterprise_b.pk).exists()


# --- validation messages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uscc",
    [
        "123",  # too short
        "91370285MA3C1234XY",  # illegal characters
        "913702850000000001",  # wrong check character
    ],
)
def test_uscc_errors_are_in_chinese(federation, login, uscc):
    client = login("town_a_cadre")
    response = client.post(
        reverse("enterprises-create"),
        enterprise_form(uscc=uscc, town=federation.town_a.pk),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors["uscc"]
    assert errors and all("统一社会信用代码" in e for e in errors)
    assert "统一社会信用代码" in response.content.decode()
    assert not Enterprise.objects.filter(name="新企业有限公司").exists()

    response = client.post(reverse("orgs-create"), new_org(federation.town_a, uscc=uscc))
    assert response.status_code == 400
    assert all("统一社会信用代码" in e for e in response.context["form"].errors["uscc"])


def test_a_duplicate_uscc_is_refused_in_chinese(federation, login):
    response = login("town_a_cadre").post(
        reverse("enterprises-create"),
        enterprise_form(uscc=federation.enterprise_a.uscc, town=federation.town_a.pk),
    )
    assert response.status_code == 400
    assert all(CJK.search(e) for e in errors_of(response))


def test_an_enterprise_union_must_lie_in_its_town(federation, login):
    response = login("city_admin").post(
        reverse("enterprises-create"),
        enterprise_form(town=federation.town_b.pk, union=federation.union_a1.pk),
    )
    assert response.status_code == 400
    assert all(CJK.search(e) for e in errors_of(response))


# --- the tree page -------------------------------------------------------------------------------


def expected_counts(org: Organization) -> tuple[int, int]:
    org = fresh(org)
    descendants = Organization.objects.filter(path__startswith=org.path).exclude(pk=org.pk)
    enterprises = Enterprise.objects.filter(org_path__startswith=org.path)
    return descendants.count(), enterprises.count()


def test_the_tree_shows_towns_with_true_counts(federation, login):
    for i in range(3):
        Enterprise(name=f"乙镇企业{i}", town=federation.town_b, employee_count=1).save()
    response = login("city_admin").get(reverse("org-tree"))
    assert response.status_code == 200
    rows = {row["org"]: row for row in response.context["rows"]}
    assert set(rows) == {federation.town_a, federation.town_b}
    for town in (federation.town_a, federation.town_b):
        descendants, enterprises = expected_counts(town)
        assert (rows[town]["descendants"], rows[town]["enterprises"]) == (descendants, enterprises)
    town_a, town_b = rows[federation.town_a], rows[federation.town_b]
    assert (town_a["descendants"], town_a["enterprises"]) == (3, 2)
    assert (town_b["descendants"], town_b["enterprises"]) == (1, 4)

    html = re.sub(r"\s+", " ", response.content.decode())
    assert re.search(re.escape(federation.town_a.name) + r"</a>.*?下级组织 3.*?企业 2", html)
    assert re.search(re.escape(federation.town_b.name) + r"</a>.*?下级组织 1.*?企业 4", html)


def test_a_town_cadre_tree_starts_at_their_town(federation, login):
    response = login("town_a_cadre").get(reverse("org-tree"))
    assert response.status_code == 200
    assert response.context["top"] == federation.town_a
    rows = {row["org"]: row for row in response.context["rows"]}
    assert set(rows) == {federation.union_a1, federation.union_a2}
    assert (
        (rows[federation.union_a1]["descendants"], rows[federation.union_a1]["enterprises"])
        == expected_counts(federation.union_a1)
        == (1, 1)
    )
    assert "哨兵乙" not in response.content.decode()


def test_tree_children_of_a_node(federation, login):
    client = login("city_admin")
    response = client.get(reverse("org-tree-children", args=[federation.town_a.pk]))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["org"] for row in rows] == [federation.union_a1, federation.union_a2]
    html = response.content.decode()
    assert federation.union_a1.name in html and federation.union_a2.name in html
    assert federation.union_a1a.name not in html  # grandchildren load on their own expand

    response = client.get(reverse("org-tree-children", args=[federation.union_a1.pk]))
    assert [row["org"] for row in response.context["rows"]] == [federation.union_a1a]

    response = client.get(reverse("org-tree-children", args=[federation.union_a1a.pk]))
    assert response.context["rows"] == []
    assert "无下级组织" in response.content.decode()


def test_tree_children_outside_the_subtree_is_404(federation, login):
    response = login("town_b_cadre").get(reverse("org-tree-children", args=[federation.town_a.pk]))
    assert response.status_code == 404
    assert "哨兵甲" not in response.content.decode()
