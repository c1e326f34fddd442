"""The rehearsal page in a real Chromium: the banner, a wrong confirmation, the wipe."""

from __future__ import annotations

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD
from tests.rehearsal.conftest import data_rows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wipe_a_rehearsal_in_the_browser(page, filled, make_user):
    real, dry = filled
    admin = make_user("admin", "79")
    real_before = data_rows(real)
    login(page, admin.username, PASSWORD)
    page.goto(page.base + f"/e/{dry.slug}/u/79/")
    banner = page.locator(".rehearsal-banner")
    assert banner.is_visible()
    assert banner.inner_text().startswith("DIỄN TẬP")
    assert "không có giá trị cho cuộc bầu cử thật" in banner.inner_text()
    page.click("#rehearsal-link")
    assert page.locator("h1").inner_text().startswith("Chế độ diễn tập")
    assert page.locator("#rehearsal-total").inner_text() != "0"
    assert page.locator("#switch-button").is_disabled()  # data left: cannot become real
    shot(page, "rehearsal-page")
    page.fill("#id_confirm", "mini-2021")
    page.click("#wipe-button")
    assert "Gõ chính xác mini-2021-dt" in page.locator("#wipe .error").inner_text()
    assert data_rows(dry)["voters.voters"] == 15
    page.fill("#id_confirm", dry.slug)
    page.click("#wipe-button")
    assert "Đã xóa dữ liệu diễn tập" in page.locator(".messages").inner_text()
    assert page.locator("#rehearsal-total").inner_text() == "0"
    assert not page.locator("#switch-button").is_disabled()
    shot(page, "rehearsal-wiped")
    assert sum(data_rows(dry).values()) == 0
    assert data_rows(real) == real_before
    page.goto(page.base + f"/e/{real.slug}/u/79/")
    assert page.locator(".rehearsal-banner").count() == 0
