"""Declared workflows (gonghui.core.workflow) on the sample relief chain (tests/apps/kitflow).

草稿 → 已提交 → 镇街已审核 → 市总已审批 → 已发放, with 退回修改 and 不予通过; the grassroots
union enters, the town reviews, the city approves; whoever made or submitted a claim may not
review or approve it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from gonghui.accounts.actions import create_user
from gonghui.accounts.models import User
from gonghui.accounts.roles import Role, role_permissions
from gonghui.core.attachments.actions import attach
from gonghui.core.attachments.kinds import DOCUMENTS, AttachmentKind
from gonghui.core.attachments.rules import required_attachment
from gonghui.core.audit.models import AppendOnlyError, AuditEntry
from gonghui.core.records.registry import registry
from gonghui.core.workflow import actions as engine
from gonghui.core.workflow.models import Decision
from gonghui.core.workflow.spec import TransitionRefused
from gonghui.orgs.actions import move_organization
from tests.apps.kitflow import actions
from tests.apps.kitflow.models import ReliefClaim
from tests.conftest import PASSWORD, SENTINEL_B, Federation, sample_pdf
from tests.races import race

pytestmark = pytest.mark.django_db

RECORD = "kitclaims"


def user(name: str, org: Any, role: str) -> User:
    return create_user(username=name, org=org, roles=[role], password=PASSWORD)


def client_of(account: User) -> Client:
    client = Client()
    client.force_login(account)
    return client


def claim(fed: Federation, **fields: Any) -> ReliefClaim:
    values = {"org": fed.union_a1, "title": "困难帮扶申请", "applicant": "王五",
              "amount": Decimal("3000.00"), "reason": "大病住院", **fields}
    obj = ReliefClaim(**values)
    obj.save()
    return obj


def reviewed_claim(fed: Federation, maker: User, reviewer: User) -> ReliefClaim:
    obj = claim(fed)
    engine.record_created(obj, actor=maker)
    obj = actions.submit(obj=obj, actor=maker)
    return actions.review(obj=obj, actor=reviewer, opinion="情况属实")  # type: ignore[no-any-return]


def refused(call: Callable[[], Any]) -> TransitionRefused:
    with pytest.raises(TransitionRefused) as caught:
        call()
    return caught.value


def flash(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def people(federation: Federation, make_persona: Callable[[str], User]) -> dict[str, User]:
    return {
        "chair": make_persona("chair_a1"),
        "town": make_persona("town_a_cadre"),
        "town2": user("town_a_cadre2", federation.town_a, Role.TOWN_CADRE),
        "town_b": make_persona("town_b_cadre"),
        "city": user("city_approver", federation.city, Role.CITY_ADMIN),
        "city2": user("city_cashier", federation.city, Role.CITY_ADMIN),
    }


# --- the chain, the ledger and the audit row ---------------------------------------------------


def test_the_whole_chain_writes_one_ledger_row_and_one_audit_row_per_step(
    federation: Federation, people: dict[str, User]
) -> None:
    obj = reviewed_claim(federation, people["chair"], people["town"])
    obj = actions.approve(obj=obj, actor=people["city"], opinion="同意")
    obj = actions.pay(obj=obj, actor=people["city2"])
    obj.refresh_from_db()
    assert obj.state == "paid"
    steps = list(engine.decisions(obj).values_list("transition", "from_state", "to_state",
                                                   "actor_name", "opinion"))
    assert steps == [
        ("create", "", "draft", "chair_a1", ""),
        ("submit", "draft", "submitted", "chair_a1", ""),
        ("review", "submitted", "reviewed", "town_a_cadre", "情况属实"),
        ("approve", "reviewed", "approved", "city_approver", "同意"),
        ("pay", "approved", "paid", "city_cashier", ""),
    ]
    assert set(engine.decisions(obj).values_list("org_path", flat=True)) == {obj.org_path}
    audited = AuditEntry.objects.filter(object_type="kitflow.reliefclaim", object_id=str(obj.pk))
    assert sorted(a.changes["transition"] for a in audited) == sorted(
        ["submit", "review", "approve", "pay"]
    )


def test_the_ledger_is_append_only_and_moves_with_its_branch(
    federation: Federation, people: dict[str, User]
) -> None:
    obj = claim(federation)
    actions.submit(obj=obj, actor=people["chair"])
    row = engine.decisions(obj).get()
    row.opinion = "改写"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        engine.decisions(obj).update(opinion="改写")
    with pytest.raises(AppendOnlyError):
        engine.decisions(obj).delete()
    # A branch that moves carries its ledger's copied paths (the one update allowed).
    move_organization(org=federation.union_a1, new_parent=federation.town_b)
    obj.refresh_from_db()
    assert engine.decisions(obj).get().org_path == obj.org_path
    assert obj.org_path.startswith(federation.town_b.path)


def test_postgresql_refuses_changing_the_ledger_with_raw_sql(
    federation: Federation, people: dict[str, User]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    from django.db import DatabaseError, transaction

    obj = claim(federation)
    actions.submit(obj=obj, actor=people["chair"])
    # The ledger holds the planted records' steps too (the care sentinels are paid).
    before = list(Decision.objects.order_by("pk").values_list("pk", "opinion"))
    assert len(before) >= 1
    for sql in ("UPDATE core_decision SET opinion = 'x'", "DELETE FROM core_decision"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert list(Decision.objects.order_by("pk").values_list("pk", "opinion")) == before


# --- the claim ---------------------------------------------------------------------------------


def test_a_second_click_on_a_stale_page_is_refused_in_chinese(
    federation: Federation, people: dict[str, User]
) -> None:
    obj = reviewed_claim(federation, people["chair"], people["town"])
    first, second = (ReliefClaim.objects.get(pk=obj.pk) for _ in range(2))
    actions.approve(obj=first, actor=people["city"])
    lost = refused(lambda: actions.approve(obj=second, actor=people["city2"]))
    assert lost.code == "state"
    assert "已被他人办理" in lost.message and "市总已审批" in lost.message
    assert engine.decisions(obj).filter(transition="approve").count() == 1


def test_the_claim_itself_is_conditional_on_the_old_state(
    federation: Federation, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the row lock ever be bypassed, the conditional UPDATE still refuses: here the
    state moves after the rules were checked and before the claim, and nothing is written."""
    obj = reviewed_claim(federation, people["chair"], people["town"])
    step = registry[RECORD].workflow.transition("approve")  # type: ignore[union-attr]

    def sneak(*args: Any) -> None:
        ReliefClaim.objects.filter(pk=obj.pk).update(state="rejected")
        return None

    monkeypatch.setattr(engine, "_refusal", sneak)
    lost = refused(lambda: actions.approve(obj=obj, actor=people["city"]))
    assert "已被他人办理" in lost.message and step.label in lost.message
    assert not engine.decisions(obj).filter(transition="approve").exists()


def _race(pk: int, actors: list[User]) -> tuple[list[str], list[str]]:
    """Each actor approves claim `pk` on its own thread and connection, all at once."""
    # Every page showed 镇街已审核.
    return race(lambda: ReliefClaim.objects.get(pk=pk),
                lambda seen, actor: actions.approve(obj=seen, actor=actor, opinion="同意"),
                actors)


@pytest.mark.parametrize("approvers", [2, 20])
def test_concurrent_approvals_exactly_one_succeeds(
    transactional_db: Any, federation: Federation, people: dict[str, User], approvers: int
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections: PostgreSQL (SQLite serialises every writer)")
    obj = reviewed_claim(federation, people["chair"], people["town"])
    actors = [people["city"], people["city2"]] + [
        user(f"city_approver_{n}", federation.city, Role.CITY_ADMIN) for n in range(approvers - 2)
    ]
    wins, losses = _race(obj.pk, actors)
    assert len(wins) == 1, (wins, losses)
    assert len(losses) == approvers - 1
    assert all("已被他人办理" in message for message in losses), losses
    obj.refresh_from_db()
    assert obj.state == "approved"
    assert Decision.objects.filter(object_id=obj.pk, transition="approve",
                                   content_type__model="reliefclaim").count() == 1
    audited = AuditEntry.objects.filter(object_type="kitflow.reliefclaim", object_id=str(obj.pk))
    assert [a.changes.get("transition") for a in audited].count("approve") == 1


# --- the rules ---------------------------------------------------------------------------------


def test_maker_checker_refuses_self_approval(
    federation: Federation, people: dict[str, User]
) -> None:
    # A town cadre who enters and submits a claim of their own town may not review it.
    obj = claim(federation, org=federation.town_a)
    engine.record_created(obj, actor=people["town"])
    actions.submit(obj=obj, actor=people["town"])
    refusal = refused(lambda: actions.review(obj=obj, actor=people["town"]))
    assert refusal.code == "permission"
    assert "经办与审批须分离" in refusal.message
    # A colleague may, and the city approver who made nothing may approve.
    obj = actions.review(obj=obj, actor=people["town2"])
    # The one who submitted it may not approve it either, at any level.
    city_made = claim(federation, org=federation.city)
    engine.record_created(city_made, actor=people["city"])
    actions.submit(obj=city_made, actor=people["city"])
    ReliefClaim.objects.filter(pk=city_made.pk).update(state="reviewed")
    city_made.refresh_from_db()
    assert "经办与审批须分离" in refused(
        lambda: actions.approve(obj=city_made, actor=people["city"])
    ).message
    # And the approver may not also pay.
    obj = actions.approve(obj=obj, actor=people["city"])
    assert "经办与审批须分离" in refused(lambda: actions.pay(obj=obj, actor=people["city"])).message
    actions.pay(obj=obj, actor=people["city2"])


def test_maker_checker_counts_the_creator_from_the_create_page(
    federation: Federation, people: dict[str, User]
) -> None:
    client = client_of(people["town"])
    response = client.post(reverse("kitclaims-create"), {
        "org": federation.union_a2.pk, "title": "镇街代录申请", "applicant": "赵六",
        "amount": "1200", "reason": "子女上学",
    })
    assert response.status_code == 302
    obj = ReliefClaim.objects.get(title="镇街代录申请")
    assert obj.state == "draft"
    assert list(engine.decisions(obj).values_list("transition", "actor_name")) == [
        ("create", "town_a_cadre")
    ]
    actions.submit(obj=obj, actor=people["town2"])  # a colleague submits
    refusal = refused(lambda: actions.review(obj=obj, actor=people["town"]))
    assert "经办与审批须分离" in refusal.message


def test_org_level_and_permission_rules(federation: Federation, people: dict[str, User]) -> None:
    obj = claim(federation)
    actions.submit(obj=obj, actor=people["chair"])
    # The chair's role holds no review permission.
    chair = refused(lambda: actions.review(obj=obj, actor=people["chair"]))
    assert chair.code == "permission" and "没有「审核通过」的权限" in chair.message
    # The city administrator holds every transition, but reviewing is the town's.
    city = refused(lambda: actions.review(obj=obj, actor=people["city"]))
    assert city.code == "permission" and "须由镇街总工会办理" in city.message
    obj = actions.review(obj=obj, actor=people["town"])
    # A town cadre may not approve: no permission (and the wrong level).
    assert refused(lambda: actions.approve(obj=obj, actor=people["town2"])).code == "permission"
    # Another town's cadre does not even find it.
    assert refused(lambda: actions.approve(obj=obj, actor=people["town_b"])).missing
    obj.refresh_from_db()
    assert obj.state == "reviewed"


def test_permissions_and_groups_come_from_the_declaration(federation: Federation) -> None:
    record = registry[RECORD]
    codenames = set(
        Permission.objects.filter(content_type__app_label="kitflow").values_list(
            "codename", flat=True
        )
    )
    assert {f"{t.name}_reliefclaim" for t in record.workflow.transitions} <= codenames  # type: ignore[union-attr]
    grants = role_permissions()
    assert "kitflow.review_reliefclaim" in grants[Role.TOWN_CADRE]
    assert "kitflow.approve_reliefclaim" not in grants[Role.TOWN_CADRE]
    assert "kitflow.submit_reliefclaim" in grants[Role.GRASSROOTS_CHAIR]
    assert "kitflow.review_reliefclaim" not in grants[Role.GRASSROOTS_CHAIR]
    assert "kitflow.approve_reliefclaim" in grants[Role.CITY_ADMIN]
    town = create_user(username="t", org=federation.town_a, roles=[Role.TOWN_CADRE],
                       password=PASSWORD)
    assert town.has_perm("kitflow.review_reliefclaim")
    assert not town.has_perm("kitflow.approve_reliefclaim")


def test_a_requirement_blocks_its_transition_with_a_chinese_message(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    obj = claim(federation, reason="", amount=None)
    refusal = refused(lambda: actions.submit(obj=obj, actor=people["chair"]))
    assert refusal.code == "requirement"
    assert refusal.message == "不能提交：请先填写：申请金额（元）、困难情况"
    # Through the button: back to the page with the reason; nothing changed.
    client = login("chair_a1")
    url = reverse("kitclaims-transition", kwargs={"pk": obj.pk, "name": "submit"})
    response = client.post(url)
    assert response.status_code == 302
    assert flash(response) == ["不能提交：请先填写：申请金额（元）、困难情况"]
    obj.refresh_from_db()
    assert obj.state == "draft"
    assert not engine.decisions(obj).exists()
    # The guard: a domain rule of the app.
    over = claim(federation, amount=Decimal("60000"))
    assert refused(lambda: actions.submit(obj=over, actor=people["chair"])).message == (
        "单笔帮扶金额不能超过5万元"
    )


def test_a_required_attachment_blocks_its_transition_until_it_is_uploaded(
    federation: Federation, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attachments' requirement on a declared transition: 提交 needs a 收入证明 here."""
    income = AttachmentKind("income", "收入证明", accept=DOCUMENTS)
    flow = registry["kitclaims"].workflow
    assert flow is not None
    monkeypatch.setattr(registry["kitclaims"], "attachments", [income])
    # Transitions are frozen declarations: the test declares 提交 again with the requirement.
    monkeypatch.setattr(flow, "transitions", [
        replace(t, requires=[*t.requires, required_attachment(income)]) if t.name == "submit"
        else t for t in flow.transitions
    ])
    obj = claim(federation)
    refusal = refused(lambda: actions.submit(obj=obj, actor=people["chair"]))
    assert (refusal.code, refusal.message) == ("requirement", "不能提交：请先上传收入证明")
    obj.refresh_from_db()
    assert obj.state == "draft" and not engine.decisions(obj).exists()
    attach(parent=obj, kind=income, name="收入证明.pdf", chunks=[sample_pdf("收入证明")],
           user=people["chair"])
    assert actions.submit(obj=obj, actor=people["chair"]).state == "submitted"


def test_an_opinion_is_required_where_declared(
    federation: Federation, people: dict[str, User]
) -> None:
    obj = claim(federation)
    actions.submit(obj=obj, actor=people["chair"])
    assert "请填写退回修改意见" in refused(
        lambda: actions.send_back(obj=obj, actor=people["town"], opinion="  ")
    ).message


def test_a_return_for_correction_keeps_every_field(
    federation: Federation, people: dict[str, User]
) -> None:
    obj = reviewed_claim(federation, people["chair"], people["town"])
    kept = {"state", "updated_at"}
    before = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields
              if f.name not in kept}
    actions.send_back(obj=obj, actor=people["town2"], opinion="请补充诊断证明")
    obj.refresh_from_db()
    assert obj.state == "draft"
    after = {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields
             if f.name not in kept}
    assert after == before
    # Editable again, and can go round once more.
    actions.submit(obj=obj, actor=people["chair"])


def test_a_record_is_edited_only_in_an_editable_state(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    obj = claim(federation)
    client = login("town_a_cadre")
    edit = reverse("kitclaims-update", args=[obj.pk])
    payload = {"org": federation.union_a1.pk, "title": "改过的标题", "applicant": "王五",
               "amount": "3000.00", "reason": "大病住院"}
    assert client.get(edit).status_code == 200
    assert client.post(edit, payload).status_code == 302
    obj.refresh_from_db()
    assert (obj.title, obj.state) == ("改过的标题", "draft")  # an edit never touches the state

    obj = actions.review(obj=actions.submit(obj=obj, actor=people["chair"]),
                         actor=people["town"])
    obj = actions.approve(obj=obj, actor=people["city"])
    for response in (client.get(edit), client.post(edit, {**payload, "title": "审批后改"})):
        assert response.status_code == 302
        assert flash(response)[-1] == "当前状态为「市总已审批」，不能修改或删除"
    delete = client.post(reverse("kitclaims-delete", args=[obj.pk]))
    assert delete.status_code == 302
    obj.refresh_from_db()
    assert (obj.title, obj.state) == ("改过的标题", "approved")
    page = client.get(reverse("kitclaims-detail", args=[obj.pk])).content.decode()
    assert "bi-pencil" not in page and "bi-trash" not in page


# --- bulk --------------------------------------------------------------------------------------


def test_a_bulk_transition_reports_each_row(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    ready = claim(federation, title="齐全的申请")
    incomplete = claim(federation, title="缺材料的申请", reason="")
    submitted = claim(federation, title="已提交的申请")
    actions.submit(obj=submitted, actor=people["chair"])
    other_branch = federation.claim_b.pk
    client = login("chair_a1")
    response = client.post(
        reverse("kitclaims-bulk-transition", kwargs={"name": "submit"}),
        {"pk": [ready.pk, incomplete.pk, submitted.pk, other_branch, 10**9, "x"]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    outcomes = response.context["outcomes"]
    assert [(o.pk, o.status) for o in outcomes] == [
        (str(ready.pk), "done"),
        (str(incomplete.pk), "refused"),
        (str(submitted.pk), "refused"),
        (str(other_branch), "missing"),
        (str(10**9), "missing"),
        ("x", "missing"),
    ]
    assert outcomes[1].message == "不能提交：请先填写：困难情况"
    assert outcomes[2].message == "当前状态为「已提交」，不能提交"
    assert "成功 1 条，未办理 5 条" in page
    assert "不能提交：请先填写：困难情况" in page
    assert "记录不存在或不在您的管辖范围内" in page
    assert SENTINEL_B not in page
    ready.refresh_from_db()
    incomplete.refresh_from_db()
    federation.claim_b.refresh_from_db()
    assert (ready.state, incomplete.state, federation.claim_b.state) == (
        "submitted", "draft", "draft"
    )


def test_the_list_page_offers_bulk_transitions_the_role_holds_and_a_state_filter(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    submitted = claim(federation, title="已提交的申请")
    actions.submit(obj=submitted, actor=people["chair"])
    url = reverse("kitclaims-list")
    chair = login("chair_a1").get(url).content.decode()
    assert 'data-testid="bulk-submit"' in chair
    assert 'data-testid="bulk-review"' not in chair
    assert f'name="ids" value="{federation.claim_a.pk}"' in chair
    town = login("town_a_cadre")
    assert 'data-testid="bulk-review"' in town.get(url).content.decode()
    filtered = town.get(url, {"state": "submitted"})
    assert [obj.pk for obj, _cells in filtered.context["rows"]] == [submitted.pk]
    # Records without a workflow keep their list as it was.
    assert 'data-testid="bulk-form"' not in town.get(reverse("cards-list")).content.decode()


def test_a_bulk_transition_needs_the_transitions_permission(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("chair_a1")
    url = reverse("kitclaims-bulk-transition", kwargs={"name": "review"})
    assert client.post(url, {"pk": [federation.claim_a.pk]}).status_code == 403
    submit = reverse("kitclaims-bulk-transition", kwargs={"name": "submit"})
    assert client.get(submit).status_code == 405
    unknown = reverse("kitclaims-bulk-transition", kwargs={"name": "nonesuch"})
    assert client.post(unknown).status_code == 404


# --- the detail page: buttons and timeline -----------------------------------------------------


def test_buttons_show_only_the_transitions_the_user_may_take_now(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    obj = federation.claim_a
    engine.record_created(obj, actor=people["chair"])
    detail = reverse("kitclaims-detail", args=[obj.pk])
    chair = login("chair_a1")
    page = chair.get(detail).content.decode()
    assert 'data-testid="transition-submit"' in page
    assert 'data-testid="transition-review"' not in page
    assert "草稿" in page

    response = chair.post(reverse("kitclaims-transition", kwargs={"pk": obj.pk, "name": "submit"}))
    assert response.status_code == 302 and flash(response) == ["已提交"]
    page = chair.get(detail).content.decode()
    assert 'data-testid="transition-' not in page
    assert "当前没有您可以办理的事项" in page

    town = login("town_a_cadre")
    page = town.get(detail).content.decode()
    for name in ("review", "send_back", "reject"):
        assert f'data-testid="transition-{name}"' in page
    assert 'data-testid="transition-approve"' not in page  # the city's
    assert 'name="opinion" id="opinion-review"' in page  # the review asks an opinion
    assert "required" in page.split('id="opinion-send_back"')[1].split(">")[0]

    response = town.post(
        reverse("kitclaims-transition", kwargs={"pk": obj.pk, "name": "review"}),
        {"opinion": "情况属实，同意上报"},
    )
    assert flash(response) == ["已审核通过"]
    page = town.get(detail).content.decode()
    timeline = page.split('data-testid="timeline"')[1]
    for text in ("chair_a1", "创建", "提交", "town_a_cadre", "审核通过", "情况属实，同意上报",
                 "镇街已审核"):
        assert text in timeline
    # The submitter-maker sees no review button even with a town role: maker-checker.
    town_maker = client_of(people["town2"])
    made = claim(federation, org=federation.town_a, title="镇街自建申请")
    engine.record_created(made, actor=people["town2"])
    actions.submit(obj=made, actor=people["town2"])
    page = town_maker.get(reverse("kitclaims-detail", args=[made.pk])).content.decode()
    assert 'data-testid="transition-review"' not in page
    assert 'data-testid="transition-send_back"' in page


def test_a_lost_race_on_the_button_is_a_message_not_an_error(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    obj = claim(federation)
    actions.submit(obj=obj, actor=people["chair"])
    url = reverse("kitclaims-transition", kwargs={"pk": obj.pk, "name": "review"})
    first, second = login("town_a_cadre"), client_of(people["town2"])
    assert flash(first.post(url, {"opinion": "同意"})) == ["已审核通过"]
    response = second.post(url, {"opinion": "同意"})
    assert response.status_code == 302
    assert flash(response) == ["当前状态为「镇街已审核」，不能审核通过"]
    assert engine.decisions(obj).filter(transition="review").count() == 1


def test_another_branchs_transition_url_is_404(
    federation: Federation, login: Callable[[str], Client]
) -> None:
    client = login("town_a_cadre")
    url = reverse("kitclaims-transition", kwargs={"pk": federation.claim_b.pk, "name": "submit"})
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 404
    federation.claim_b.refresh_from_db()
    assert federation.claim_b.state == "draft"


# --- the API -----------------------------------------------------------------------------------


def test_the_api_takes_transitions_scoped_and_permission_checked(
    federation: Federation, people: dict[str, User], login: Callable[[str], Client]
) -> None:
    obj = federation.claim_a
    chair = login("chair_a1")

    def api(client: Client, pk: int, name: str, **data: Any) -> Any:
        url = reverse("api-kitclaims-transition", kwargs={"pk": pk, "name": name})
        return client.post(url, data, content_type="application/json")

    response = api(chair, obj.pk, "submit", opinion="请审核")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": obj.pk, "state": "submitted", "state_label": "已提交",
                               "detail": "已提交"}
    assert engine.decisions(obj).get().opinion == "请审核"
    # Someone was faster / the state is wrong: 409 with the reason.
    again = api(chair, obj.pk, "submit")
    assert again.status_code == 409 and "不能提交" in again.json()["detail"]
    # The chair's role holds no review: 403; a requirement: 400; another branch: 404.
    assert api(chair, obj.pk, "review").status_code == 403
    incomplete = claim(federation, reason="")
    assert api(chair, incomplete.pk, "submit").json() == {
        "detail": "不能提交：请先填写：困难情况"
    }
    assert api(chair, incomplete.pk, "submit").status_code == 400
    other = api(chair, federation.claim_b.pk, "submit")
    assert other.status_code == 404 and SENTINEL_B not in other.content.decode()
    assert api(chair, obj.pk, "nonesuch").status_code == 404
    # Maker-checker through the API: the level and the ledger apply exactly as on the page.
    town = login("town_a_cadre")
    assert api(town, obj.pk, "review", opinion="同意").json()["state"] == "reviewed"
    federation.claim_b.refresh_from_db()
    assert federation.claim_b.state == "draft"


def test_the_transition_endpoint_is_in_the_openapi_schema(login: Callable[[str], Client]) -> None:
    schema = login("town_a_cadre").get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/kitclaims/{id}/transitions/{name}/"]
    assert set(operation) == {"post", "parameters"} or "post" in operation
    assert "get" not in operation
    assert {"200", "400", "403", "404", "409"} <= set(operation["post"]["responses"])
