"""Photos on a workers' home in a real browser: upload through htmx, see the thumbnail, be
refused an SVG with the Chinese message, delete after confirming."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from tests.browser.signin import sign_in
from tests.conftest import Federation


@pytest.fixture
def town_a_cadre(make_persona: Callable[[str], Any]) -> Any:
    return make_persona("town_a_cadre")  # before `page`: see tests/browser/conftest.py


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.browser
def test_town_cadre_uploads_captions_and_deletes_a_photo(
    transactional_db: Any,
    federation: Federation,
    town_a_cadre: Any,
    live_server: Any,
    page: Any,
) -> None:
    from playwright.sync_api import expect

    base = live_server.url
    sign_in(page, base)

    page.goto(f"{base}/homes/{federation.home_a.pk}/")
    panel = page.get_by_test_id("attachments")
    gallery = panel.get_by_test_id("gallery")
    expect(gallery.locator("figure")).to_have_count(1)  # the planted sentinel photo

    form = panel.get_by_test_id("attachment-upload")
    form.get_by_label("类别").select_option("photo")
    form.get_by_label("文件").set_input_files(
        {"name": "活动室.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    form.get_by_label("说明").fill("职工书屋揭牌仪式")
    form.get_by_role("button", name="上传").click()
    figure = page.get_by_test_id("gallery").locator("figure", has_text="职工书屋揭牌仪式")
    expect(figure).to_have_count(1)
    thumbnail = figure.locator("img")
    expect(thumbnail).to_have_attribute("src", re.compile(r"/thumbnail/$"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=thumbnail.element_handle())
    assert thumbnail.evaluate("img => img.naturalWidth") == 400  # the thumbnail, not the photo
    page.screenshot(path="/tmp/browser-attachments.png", full_page=True)

    # An SVG is refused in place, with the message; nothing is added.
    form = page.get_by_test_id("attachment-upload")
    form.get_by_label("文件").set_input_files(
        {"name": "图.svg", "mimeType": "image/svg+xml", "buffer": b"<svg></svg>"}
    )
    form.get_by_role("button", name="上传").click()
    expect(page.get_by_test_id("attachment-error")).to_contain_text("可能含有会自动运行的内容")
    expect(page.get_by_test_id("gallery").locator("figure")).to_have_count(2)

    # Delete the new photo after the confirmation.
    page.once("dialog", lambda dialog: dialog.accept())
    figure = page.get_by_test_id("gallery").locator("figure", has_text="职工书屋揭牌仪式")
    figure.get_by_title("删除").click()
    expect(page.get_by_test_id("gallery").locator("figure")).to_have_count(1)
    expect(page.get_by_test_id("gallery")).not_to_contain_text("职工书屋揭牌仪式")
