"""The printing page in a real Chromium: start a job, watch the bar reach 100 %, download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from common.models import Job
from tests.browser_support import login, shot
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_watch_progress_and_download(page, voter_lists, make_user, monkeypatch):
    from election.models import PollingArea
    from printing import tasks
    from printing.services import print_jobs

    user = make_user("committee_member", "760")
    login(page, user.username, PASSWORD)
    # From the unit page to the printing page.
    page.goto(page.base + "/e/mini-2021/u/760/")
    page.click("#print-link")
    assert page.locator("#print-form").is_visible()
    # Hold the worker back: the job waits, the page shows it at 0 %, then follows it live.
    monkeypatch.setattr(tasks.print_job_run, "delay", lambda job_id: None)
    page.check("input[name=kind][value=lists]")
    page.click("#print-start")
    page.wait_for_url("**/print/jobs/*/")
    job = Job.objects.get(kind="print_voter_lists")
    assert page.locator("#job-progress").get_attribute("value") == "0"
    shot(page, "print-job-waiting")
    todo = print_jobs.print_job_run(job.pk)  # the worker: pre-flight ...
    assert [PollingArea.objects.get(pk=a).code for a in todo] == [
        "26734-01",
        "26734-02",
        "26737-01",
    ]
    print_jobs.print_area(job.pk, todo[0])  # ... the first area (12 of 28 voters) ...
    expect(page.locator("#job-percent")).to_have_text("42%")  # live, without a reload
    expect(page.locator("#job-progress")).to_have_attribute("value", "42")
    expect(page.locator("#job-done")).to_have_text("12")
    expect(page.locator("#job-status")).to_have_text("Đang chạy")
    shot(page, "print-job-running")
    for area_id in todo[1:]:  # ... and the rest
        print_jobs.print_area(job.pk, area_id)
    page.wait_for_selector("#printed-files")  # reloaded when the job finished
    expect(page.locator("#job-progress")).to_have_attribute("value", "100")
    assert page.locator("#job-percent").inner_text() == "100%"
    assert page.locator("#printed-files tbody tr").count() == 3
    shot(page, "print-job-done")
    with page.expect_download() as info:
        page.click("#download-zip")
    assert info.value.suggested_filename == "760-lists.zip"
