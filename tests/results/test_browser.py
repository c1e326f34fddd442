"""The count-minutes entry flow in a real Chromium: first entry with an error caught, the blind
second entry by another person, then the constituency result."""

from __future__ import annotations

import os

import pytest

from tests.browser_support import login, shot
from tests.conftest import PASSWORD
from tests.results.conftest import qh_minutes

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, m, ids, **override):
    data = {**m, **override}
    for f in (
        "voters_listed",
        "voters_voted",
        "ballots_issued",
        "ballots_received",
        "ballots_valid",
        "ballots_invalid",
    ):
        page.fill(f"#id_{f}", str(data[f]))
    for k, n in (m.get("valid_by_names_kept") or {}).items():
        page.fill(f"#id_kept_{k}", str(n))
    for v in m["votes"]:
        page.fill(f"#id_vote_{ids[v['candidate']]}", str(v["votes"]))


def test_double_entry_in_the_browser(page, mini_election, make_user):
    from election.models import Candidate
    from results.services.import_minutes import import_count_minutes

    ids = {c.full_name: c.id for c in Candidate.objects.filter(constituency__contest__code="QH")}
    m = qh_minutes()[0]
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    login(page, a.username, PASSWORD)
    page.goto(page.base + "/e/mini-2021/results/pa/26734-01/")
    page.locator("tr[data-contest=QH] a.enter").click()
    assert "Ông Nguyễn Văn An" in page.locator("#minutes-form").inner_text()
    fill(page, m, ids, ballots_valid=m["ballots_valid"] + 1)
    page.click("#save")
    box = page.locator(".errorsbox").inner_text()
    assert "F.201" in box and "phải bằng số phiếu thu vào" in box
    shot(page, "results-entry-error")
    page.fill("#id_ballots_valid", str(m["ballots_valid"]))
    page.click("#save")
    assert "Đã nhập lần 1" in page.locator("tr[data-contest=QH]").inner_text()
    page.click("#logout")
    login(page, b.username, PASSWORD)
    page.goto(page.base + "/e/mini-2021/results/pa/26734-01/QH/main/")
    assert page.input_value("#id_ballots_valid") == ""  # blind
    assert page.locator("#entry-number").get_attribute("class") == "blind"
    fill(page, m, ids)
    shot(page, "results-entry-second")
    page.click("#save")
    assert "Đã chốt" in page.locator("tr[data-contest=QH]").inner_text()
    # the other areas arrive by import; the constituency result is complete
    import_count_minutes(
        election=mini_election, data={"format": "baucu.count/1", "minutes": qh_minutes()[1:]}
    )
    page.click("#logout")
    boss = make_user("committee_member", "79")
    login(page, boss.username, PASSWORD)
    page.goto(page.base + "/e/mini-2021/results/c/QH/1/")
    rows = page.locator("#candidates tbody tr")
    assert "Nguyễn Văn An" in rows.first.inner_text() and "84,80%" in rows.first.inner_text()
    assert page.locator("[data-status=provisional]").count() == 1
    shot(page, "results-constituency")
    with page.expect_download() as dl:
        page.click("#board-pdf")
    assert dl.value.suggested_filename.endswith(".pdf")
