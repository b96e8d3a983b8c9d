"""The import page of a record type and the import of child rows into one parent share one
panel (templates/core/_import_panel.html): the template link, the hints, the upload form and
the user's recent jobs, each page with its own words."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import Federation

pytestmark = pytest.mark.django_db


def test_both_import_pages_show_the_shared_panel_with_their_own_words(
    federation: Federation, login: Callable[[str], Client],
) -> None:
    client = login("town_a_cadre")
    page = client.get(reverse("elections-import")).content.decode()
    assert f'href="{reverse("elections-import-template")}"' in page
    assert "也可直接上传旧表格" in page and "我最近的导入" in page
    assert 'type="file"' in page and "开始导入" in page

    activity = federation.planted["a"]["activities"]
    child = client.get(reverse("activities-participants-import", args=[activity.pk]))
    assert child.status_code == 200
    text = child.content.decode()
    template = reverse("activities-participants-import-template", args=[activity.pk])
    assert f'href="{template}"' in text
    assert "上传文件：所有行都记入本活动。" in text and "我最近导入本活动的文件" in text
    assert 'type="file"' in text and "开始导入" in text
