"""The board in a real Chromium: from the city's unit page down to one polling area."""

from __future__ import annotations

import os

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_click_down_from_the_city_to_an_area(page, broken, make_user):
    member = make_user("committee_member", "79")
    login(page, member.username, PASSWORD)
    page.goto(page.base + "/e/mini-2021/u/79/")
    page.click("#reconciliation-link")
    assert page.locator("h1").inner_text().startswith("Đối soát toàn chuỗi")
    assert page.locator("#attention").inner_text() == "2 khu vực bỏ phiếu cần chú ý"
    # the bar chart of the city: three coloured parts sized by their counts
    widths = {
        state: page.locator(f".rbar.big span.{state}").bounding_box()["width"]
        for state in ("green", "amber", "red")
    }
    assert widths["green"] > 2 * widths["amber"] > 0
    assert abs(widths["amber"] - widths["red"]) < 2
    shot(page, "reconciliation-city")
    row = page.locator("#children tr[data-unit='783']")
    assert "1 khu vực bỏ phiếu cần chú ý" in row.inner_text()
    row.locator("td a").first.click()
    assert "Huyện Củ Chi" in page.locator("h1").inner_text()
    page.locator("#children tr[data-unit='27499'] td a").first.click()
    area = page.locator("#pa-27499-01")
    assert area.get_attribute("data-state") == "red"
    contest = area.locator("tr[data-contest='HDND-79']")
    rule = area.locator("li[data-contest='HDND-79']")
    assert rule.get_attribute("data-code") == "REC.BALLOTS_UNBALANCED"
    assert "không bằng số phiếu thu vào" in rule.inner_text()
    assert rule.is_visible()
    assert contest.locator("td.bad").count() == 3  # valid, invalid, received marked
    assert area.locator("tr[data-contest='QH']").get_attribute("data-state") == "green"
    shot(page, "reconciliation-ward")
    # back to the city, only the areas needing attention
    page.goto(page.base + "/e/mini-2021/reconciliation/u/79/")
    page.click("#filter-attention")
    shown = page.locator("tbody.area").evaluate_all("els => els.map(e => e.dataset.area)")
    assert shown == ["26734-02", "27499-01"]
    assert (
        "Chưa báo cáo tiến độ bỏ phiếu các mốc: 11:00." in page.locator("#pa-26734-02").inner_text()
    )
    shot(page, "reconciliation-attention")
