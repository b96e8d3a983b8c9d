"""Every time a user reads is Asia/Shanghai: the database keeps UTC (USE_TZ), the detail page's
fields, the lists and the workflow timeline all show the platform's TIME_ZONE."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from gonghui.care.models.hardship import ReliefBatch
from gonghui.core.audit.models import AuditEntry
from gonghui.core.templatetags.gonghui import cell
from gonghui.core.workflow.actions import decisions
from gonghui.core.workflow.models import Decision
from tests.conftest import SENTINEL_A, Federation

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 18:30 UTC on the 1st is 02:30 on the 2nd in Shanghai: the date changes too.
LATE_EVENING_UTC = datetime.datetime(2018, 2, 1, 18, 30, tzinfo=UTC)
SHANGHAI = "2018-02-02 02:30"


def test_the_platform_keeps_utc_and_reads_shanghai() -> None:
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_a_table_cell_shows_a_stored_time_in_shanghai() -> None:
    assert cell(LATE_EVENING_UTC) == SHANGHAI
    # A naive time (a value read from an upload) is shown as it is.
    assert cell(datetime.datetime(2018, 2, 1, 18, 30)) == "2018-02-01 18:30"


def test_the_detail_page_and_the_timeline_agree_in_shanghai(federation: Federation,
                                                            login: Any) -> None:
    batch = ReliefBatch.objects.get(number=f"{SENTINEL_A}-2018-001")  # paid
    ReliefBatch.objects.filter(pk=batch.pk).update(paid_at=LATE_EVENING_UTC,
                                                   updated_at=LATE_EVENING_UTC)
    paid = decisions(batch).last()  # the ledger is append-only: its own time is kept
    page = login("town_a_cadre").get(
        reverse("relief-batches-detail", args=[batch.pk])).content.decode()
    fields, rest = page.split('data-testid="record-fields"', 1)[1].split("</dl>", 1)
    # 确认发放时间 and 更新时间: in Shanghai, not as stored.
    assert fields.count(SHANGHAI) == 2, fields
    assert "2018-02-01 18:30" not in page
    # The timeline, on the same page, in the same zone.
    timeline = rest.split('data-testid="timeline"', 1)[1]
    assert f"{timezone.localtime(paid.at):%Y-%m-%d %H:%M}" in timeline


def test_ledger_and_audit_rows_name_their_time_in_shanghai(federation: Federation) -> None:
    entry = AuditEntry(username="某人", action="login")
    entry.at = LATE_EVENING_UTC
    assert str(entry).startswith("2018-02-02 02:30:00")
    decision = Decision(actor_name="某人", transition_label="确认发放")
    decision.at = LATE_EVENING_UTC
    assert str(decision).startswith(SHANGHAI)
