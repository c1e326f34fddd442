"""The printing pages through the test client (the browser test is in test_browser.py)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from common.models import AuditEvent, Job
from printing.services import print_jobs
from tests.printing.support import card_names, reader

E = "mini-2021"


def test_start_page_lists_only_printable_units(client, voter_lists, make_user):
    client.force_login(make_user("ward_staff", "26734"))
    page = client.get(reverse("printing-start", args=[E])).content.decode()
    assert "Phường Tân Định (26734)" in page
    assert "Đa Kao" not in page and "Củ Chi" not in page
    assert 'id="print-start"' in page


def test_unit_page_links_to_printing_only_for_printers(client, voter_lists, make_user):
    client.force_login(make_user("ward_staff", "26734"))
    assert 'id="print-link"' in client.get(reverse("unit", args=[E, "26734"])).content.decode()
    client.force_login(make_user("observer", "26734"))
    assert 'id="print-link"' not in client.get(reverse("unit", args=[E, "26734"])).content.decode()


def test_start_follow_and_download(
    client, voter_lists, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user("committee_member", "760"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("printing-start", args=[E]), {"unit": "26734", "kind": "cards", "per_sheet": 4}
        )
    job = Job.objects.get(kind="print_cards")
    assert response.status_code == 302
    assert response["Location"] == reverse("printing-job", args=[E, job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'value="100"' in page and "26734-01.pdf" in page and "26734.zip" not in page
    zip_name = job.result_file.rsplit("/", 1)[1]
    assert zip_name == "26734-cards.zip" and zip_name in page
    download = client.get(reverse("printing-download", args=[E, job.pk, zip_name]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    body = b"".join(download.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert "26734-02.pdf" in zf.namelist()
        assert len(card_names(reader(zf.read("26734-02.pdf")))) == 7
    pdf = client.get(reverse("printing-download", args=[E, job.pk, "26734-01.pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    bad = reverse("printing-download", args=[E, job.pk, "x.pdf"])
    assert client.get(bad).status_code == 404
    downloads = AuditEvent.objects.filter(action="printing.downloaded", object_id=str(job.pk))
    assert sorted(e.changes["extra"]["file"] for e in downloads) == ["26734-01.pdf", zip_name]
    manifest = client.get(reverse("printing-download", args=[E, job.pk, "manifest.json"])).json()
    assert manifest["total_items"] == 19 and manifest["per_sheet"] == 4


def test_refused_job_shows_the_reasons(
    client, voter_lists, make_user, django_capture_on_commit_callbacks
):
    voter_lists.add_duplicate("26734-01", 3)
    client.force_login(make_user("ward_staff", "26734"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("printing-start", args=[E]),
            {"unit": "26734", "kind": "lists", "per_sheet": 1},
        )
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-errors"' in page and "26734-01, STT 3; 26734-01, STT 13" in page
    assert 'id="job-resume"' in page


def test_busy_unit_sends_to_the_running_job(client, voter_lists, make_user):
    user = make_user("ward_staff", "26734")
    from election.models import AdminUnit

    running = print_jobs.print_job_create(
        actor=user,
        election=AdminUnit.objects.get(code="26734").tree.elections.get(),
        unit=AdminUnit.objects.get(code="26734"),
        kind="cards",
    )
    client.force_login(user)
    response = client.post(
        reverse("printing-start", args=[E]), {"unit": "26734", "kind": "lists", "per_sheet": 1}
    )
    assert response["Location"] == reverse("printing-job", args=[E, running.pk])
    assert Job.objects.filter(kind__startswith="print_").count() == 1


def test_resume_is_offered_only_for_failed_or_stale_jobs(client, voter_lists, make_user):
    import datetime as dt

    from django.utils import timezone

    from election.models import AdminUnit

    user = make_user("ward_staff", "26734")
    ward = AdminUnit.objects.get(code="26734")
    job = print_jobs.print_job_create(
        actor=user, election=ward.tree.elections.get(), unit=ward, kind="cards"
    )
    client.force_login(user)
    url = reverse("printing-job", args=[E, job.pk])
    assert 'id="job-resume"' not in client.get(url).content.decode()  # pending
    print_jobs.print_job_run(job.pk)  # running, and alive
    page = client.get(url).content.decode()
    assert 'id="job-resume"' not in page and 'id="job-stale"' not in page
    # Resuming a live job by hand (an old page, a double click) is refused.
    response = client.post(reverse("printing-resume", args=[E, job.pk]), follow=True)
    assert "vẫn đang in" in response.content.decode()
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    # No sign of life for 11 minutes: the worker is gone.
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    page = client.get(url).content.decode()
    assert 'id="job-resume"' in page and 'id="job-stale"' in page
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, updated_at=timezone.now())
    page = client.get(url).content.decode()
    assert 'id="job-resume"' in page and 'id="job-stale"' not in page


@pytest.mark.parametrize("who", [("observer", "26734"), ("ward_staff", "26737")])
def test_posting_for_a_unit_outside_is_refused(client, voter_lists, make_user, who):
    client.force_login(make_user(*who))
    response = client.post(
        reverse("printing-start", args=[E]) + "?unit=26734",
        {"unit": "26734", "kind": "cards", "per_sheet": 1},
    )
    assert response.status_code == 403
    assert not Job.objects.filter(kind="print_cards").exists()


def test_reprint_page(client, voter_lists, make_user):
    client.force_login(make_user("ward_staff", "26734"))
    url = reverse("printing-reprint", args=[E])
    response = client.post(url, {"area": "26734-01", "stt": 4, "reason": "torn"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert card_names(reader(response.content)) == [("Ksor H'Yơn", "4")]
    assert AuditEvent.objects.filter(action="printing.card_reprinted").count() == 1
    response = client.post(url, {"area": "26734-01", "stt": 400, "reason": "lost"})
    assert "no voter with this number" in response.content.decode() or response.status_code == 200
    response = client.post(url, {"area": "26737-01", "stt": 1, "reason": "lost"})
    assert response.status_code == 403


def test_print_a_single_polling_area(
    client, voter_lists, make_user, django_capture_on_commit_callbacks
):
    client.force_login(make_user("ward_staff", "26734"))
    page = client.get(reverse("printing-start", args=[E]) + "?unit=26734-02").content.decode()
    assert 'value="pa:26734-02" selected' in page and "pa:26737-01" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("printing-start", args=[E]),
            {"unit": "pa:26734-02", "kind": "cards"} | {"per_sheet": 1},
        )
    job = Job.objects.get(kind="print_cards")
    assert response["Location"] == reverse("printing-job", args=[E, job.pk])
    assert [a["polling_area"] for a in job.result["manifest"]["areas"]] == ["26734-02"]
    assert job.result_file.endswith("26734-02-cards.zip")
    assert client.post(
        reverse("printing-start", args=[E]),
        {"unit": "pa:26737-01", "kind": "cards", "per_sheet": 1},
    ).status_code in (200, 403)  # not a choice of this user: the form refuses it
    assert Job.objects.count() == 1
