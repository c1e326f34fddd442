"""Log in and navigate the structure in a real Chromium, Vietnamese first, then English."""

from __future__ import annotations

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_and_navigate_by_unit(page, mini_election, make_user):
    user = make_user("committee_member", "760")
    page.goto(page.base + "/")
    # not logged in: sent to the login page, in Vietnamese
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "Đăng nhập"
    login(page, user.username, "wrong-password")
    assert "không đúng" in page.locator(".error").inner_text()
    login(page, user.username, PASSWORD)
    # home: the election, starting at the committee's own unit (Quận 1)
    row = page.locator("table.grid tbody tr").first
    assert "Quận 1" in row.inner_text()
    row.locator("a").first.click()
    assert page.locator("h1").inner_text().startswith("Quận 1")
    crumbs = page.locator("nav.breadcrumb").inner_text()
    assert "Thành phố Hồ Chí Minh" in crumbs and "Quận 1" in crumbs
    # children of Quận 1 with Vietnamese number formatting
    children = page.locator("#children tbody tr")
    assert children.count() == 2
    assert "Phường Tân Định" in children.first.inner_text()
    assert "1.550" in children.first.inner_text()  # 1200 + 350 voters (estimate)
    shot(page, "unit-quan-1")
    children.first.locator("a").click()
    assert page.locator("h1").inner_text().startswith("Phường Tân Định")
    page.locator("#areas a").first.click()
    assert "Khu vực bỏ phiếu số 1" in page.locator("h1").inner_text()
    ballot = page.locator("ol.ballot").first.inner_text()
    assert ballot.index("Ông Nguyễn Văn An") < ballot.index("Bà Trần Thị Ánh")
    shot(page, "polling-area")
    # the unit of another district is refused
    response = page.goto(page.base + "/e/mini-2021/u/27496/")
    assert response.status == 403


def test_switch_to_english_and_log_out(page, mini_election, make_user):
    user = make_user("ward_staff", "26734")
    login(page, user.username, PASSWORD)
    assert page.locator("#logout").inner_text() == "Đăng xuất"
    page.click("button[data-lang=en]")
    assert page.locator("#logout").inner_text() == "Log out"
    assert page.locator("h1").inner_text() == "Elections"
    page.click("#logout")
    assert "/login/" in page.url
