"""The ward officer's flow in a real Chromium: import with preview, fix the bad row, confirm,
register a late voter, issue a certificate to vote elsewhere; the committee sees the totals."""

from __future__ import annotations

import os

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD
from tests.voters.conftest import row

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ward_officer_flow(page, election, make_user, write):
    staff = make_user("ward_staff", "26734")
    slug = election.slug
    rows = [
        row(),
        row(national_id="079085000002", full_name="Trần Thị Bình", sex="Nữ", relation="Vợ"),
        row(national_id="079099000003", full_name="Nguyễn Văn Cường", relation="Con",
            birth="14/09/2015"),  # under age: rejected
        row(national_id="079070000004", full_name="Lê Thị Dung", household_code="H2",
            sex="Nữ", area_code="26734-02"),
    ]  # fmt: skip
    bad = write(rows, title=True)
    login(page, staff.username, PASSWORD)
    page.goto(f"{page.base}/e/{slug}/voters/u/26734/")
    page.click("#import-link")
    page.set_input_files("#id_file", str(bad))
    page.check("input[name=mode][value=all]")
    page.click("#check-button")
    page.wait_for_selector("#summary")
    assert page.locator("#sum-new").inner_text() == "3"
    assert page.locator("#sum-rejected").inner_text() == "1"
    err = page.locator("#errors tbody tr").first.inner_text()
    assert "5" in err and "Ngày sinh" in err and "Chưa đủ 18 tuổi" in err
    assert page.locator("#confirm-button").count() == 0  # all or nothing: fix first
    shot(page, "voters-import-preview")
    with page.expect_download() as dl:
        page.click("#errors-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")

    # fix the bad row and upload again
    rows[2]["birth"] = "14/09/2001"
    fixed = write(rows, title=True)
    page.goto(f"{page.base}/e/{slug}/voters/u/26734/import/")
    page.set_input_files("#id_file", str(fixed))
    page.click("#check-button")
    page.wait_for_selector("#summary")
    assert page.locator("#sum-new").inner_text() == "4"
    assert page.locator("#sum-rejected").inner_text() == "0"
    page.click("#confirm-button")
    page.wait_for_selector("#applied")

    # the list, household by household
    page.goto(f"{page.base}/e/{slug}/voters/pa/26734-01/")
    names = page.locator("#voter-list tbody tr td:nth-child(2)").all_inner_texts()
    assert names == ["Nguyễn Văn An", "Trần Thị Bình", "Nguyễn Văn Cường"]

    # register a late voter
    page.click("#register-link")
    page.fill("#id_national_id", "079001000009")
    page.fill("#id_full_name", "Hồ Văn Muộn")
    page.fill("#id_birth", "05/05/1990")
    page.fill("#id_permanent_address", "9 Trần Quang Khải")
    page.click("#voter-form button[type=submit]")
    assert "Hồ Văn Muộn" in page.locator("#voter-list").inner_text()
    assert page.locator("#footer-total").inner_text() == "4"

    # a certificate to vote elsewhere for Trần Thị Bình
    page.click("text=Trần Thị Bình")
    page.select_option("#kind", "elsewhere_issued")
    page.click("#change-submit")
    assert page.locator("#voter-note").inner_text() == "Bỏ phiếu ở nơi khác"
    page.goto(f"{page.base}/e/{slug}/voters/pa/26734-01/")
    assert page.locator("#footer-total").inner_text() == "3"
    shot(page, "voters-area-list")

    # search without accents
    page.goto(f"{page.base}/e/{slug}/voters/u/26734/?q=nguyen+van+cuong")
    assert "Nguyễn Văn Cường" in page.locator("#search-results").inner_text()

    # a committee member of the city sees the totals, not the names of other wards' voters
    member = make_user("committee_member", "79")
    page.click("#logout")
    login(page, member.username, PASSWORD)
    page.goto(f"{page.base}/e/{slug}/voters/u/79/")
    assert page.locator("#total-voters").inner_text() == "4"
    shot(page, "voters-city")
    page.click("#changes-link")
    assert page.locator("#t-end").inner_text() == "4"
