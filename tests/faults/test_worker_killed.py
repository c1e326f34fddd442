"""A Celery worker killed in the middle of a job (a real `celery -A config worker` subprocess on
the private Redis and PostgreSQL): the job runs again and finishes with the right result, no
voter is imported twice, no half-written PDF is ever visible, and the Job row tells the truth."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import time
import zipfile

import pytest
from pypdf import PdfReader

from tests.faults import support
from tests.faults.conftest import voter_file

pytestmark = pytest.mark.stack

START_IMPORT = """
from django.contrib.auth import get_user_model
from common.jobs import job_create
from election.models import AdminUnit, Election
from voters.models import VoterImport
from voters.tasks import voter_import_apply
user = get_user_model().objects.get(username="ward")
e = Election.objects.get(slug="mini-2021")
u = AdminUnit.objects.get(code="26734", tree=e.tree)
imp = VoterImport.objects.create(
    election=e, unit=u, filename="list.csv", path=PATH, sha256="-", mode="all",
    status=VoterImport.Status.PREVIEW, created_by=user,
)
job = job_create(kind="voters.import.apply", actor=user, unit_id=u.pk, election_id=e.pk)
VoterImport.objects.filter(pk=imp.pk).update(apply_job=job)
voter_import_apply.delay(imp.pk, job.pk)
out = [imp.pk, job.pk]
"""

IMPORT_NOW = """
from election.models import Election
from voters.services.import_list import import_voters
r = import_voters(election=Election.objects.get(slug="mini-2021"), path=PATH, actor=None,
                  mode="valid", source="test", enforce_cutoff=False)
out = r.created
"""

START_PRINT = """
from django.contrib.auth import get_user_model
from election.models import AdminUnit, Election
from printing.services import print_jobs
user = get_user_model().objects.get(username="ward")
e = Election.objects.get(slug="mini-2021")
job = print_jobs.print_job_create(
    actor=user, election=e, unit=AdminUnit.objects.get(code="26734", tree=e.tree), kind="cards"
)
out = job.pk
"""


def _job(site, job_id: int) -> dict:
    row = site.sql(
        "SELECT status, done, total, message, result_file FROM common_job WHERE id = %s",
        [job_id],
    )[0]
    return dict(zip(("status", "done", "total", "message", "result_file"), row, strict=True))


def _wait_end(site, job_id: int, worker: support.Worker, timeout: float) -> str:
    """Wait for the job to succeed or fail; the worker's log so far."""
    support.wait_for(
        lambda: _job(site, job_id)["status"] in ("succeeded", "failed"),
        timeout,
        "the job to end:\n" + worker.log_tail(),
        step=0.2,
    )
    return worker.log_tail()


def _import_open(site) -> bool:
    """The import's transaction is open: it holds the per-election advisory lock."""
    return bool(site.one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"))


def test_worker_process_killed_mid_import_runs_again_to_completion(site):
    upload = site.var / "upload.csv"
    n = voter_file(upload, ["26734-01", "26734-02"], 20000)  # long enough to be caught mid-way
    worker = support.Worker(site.env(), site.var / "worker.log")
    worker.start()
    try:
        child = worker.wait_child()
        imp_id, job_id = site.django(f"PATH = {str(upload)!r}\n" + START_IMPORT)
        support.wait_for(lambda: _import_open(site), 60, "the import's transaction", step=0.02)
        os.kill(child, signal.SIGKILL)  # the process running the import dies mid-transaction
        assert site.one("SELECT count(*) FROM voters_voter") == 0  # nothing had been committed
        log = _wait_end(site, job_id, worker, 120)
    finally:
        worker.kill_all()
    job = _job(site, job_id)
    assert job["status"] == "succeeded", (job, log)
    assert "WorkerLostError" in log  # it really was killed, and run again
    assert site.one("SELECT count(*) FROM voters_voter") == n
    assert site.one("SELECT count(DISTINCT national_id) FROM voters_voter") == n
    assert site.one("SELECT status FROM voters_voterimport WHERE id = %s", [imp_id]) == "applied"
    # one import happened, once: one audit event, one "added" ledger entry per voter
    assert site.one("SELECT count(*) FROM common_auditevent WHERE action = 'voters.imported'") == 1
    assert not upload.exists()  # the personal-data file is removed after the commit only


def test_worker_lost_every_time_the_job_ends_failed_and_can_be_confirmed_again(site):
    """A file that kills every process that imports it (a poison file, an out-of-memory crash):
    after max_retries runs again the Job row says failed, not "running" forever, and the upload
    can be confirmed again."""
    upload = site.var / "upload.csv"
    voter_file(upload, ["26734-01", "26734-02"], 20000)
    worker = support.Worker(site.env(BAUCU_JOB_MAX_RETRIES="1"), site.var / "worker.log")
    worker.start()
    try:
        imp_id, job_id = site.django(f"PATH = {str(upload)!r}\n" + START_IMPORT)
        killed: set[int] = set()
        for _run in range(2):  # the first run and its one retry
            support.wait_for(
                lambda: _import_open(site) and set(worker.children()) - killed,
                90,
                "the import's transaction in a new process:\n" + worker.log_tail(),
                step=0.02,
            )
            child = worker.children()[0]
            os.kill(child, signal.SIGKILL)
            killed.add(child)
            support.wait_for(lambda: not _import_open(site), 30, "PostgreSQL to roll back")
        log = _wait_end(site, job_id, worker, 60)
    finally:
        worker.kill_all()
    job = _job(site, job_id)
    assert job["status"] == "failed", (job, log)
    assert job["message"] == "Công việc bị lỗi và đã dừng. Hãy chạy lại.", job
    assert site.one("SELECT finished_at IS NOT NULL FROM common_job WHERE id = %s", [job_id])
    assert site.one("SELECT count(*) FROM voters_voter") == 0
    # back to "ready to confirm": the user can start it again
    assert site.one("SELECT status FROM voters_voterimport WHERE id = %s", [imp_id]) == "ready"


def test_whole_worker_killed_mid_import_next_worker_finishes(site):
    """Main process and child SIGKILLed (a host crash): the unacked message goes back on the
    queue when a worker starts again (after the broker's visibility timeout, short here)."""
    upload = site.var / "upload.csv"
    n = voter_file(upload, ["26734-01", "26734-02"], 20000)  # long enough to be caught mid-way
    env = site.env(CELERY_VISIBILITY_TIMEOUT="3")
    worker = support.Worker(env, site.var / "worker.log")
    worker.start()
    try:
        worker.wait_child()
        imp_id, job_id = site.django(f"PATH = {str(upload)!r}\n" + START_IMPORT)
        support.wait_for(lambda: _import_open(site), 60, "the import's transaction", step=0.02)
        worker.kill_all()
        support.wait_for(lambda: not _import_open(site), 30, "PostgreSQL to roll back")
        assert site.one("SELECT count(*) FROM voters_voter") == 0  # all or nothing
        time.sleep(3.5)  # older than the visibility timeout
        worker = support.Worker(env, site.var / "worker2.log", name="faults2")
        worker.start()
        support.wait_for(
            lambda: _job(site, job_id)["status"] in ("succeeded", "failed"),
            120,
            "the job to end after the restart",
            step=0.2,
        )
    finally:
        worker.kill_all()
    assert _job(site, job_id)["status"] == "succeeded"
    assert site.one("SELECT count(*) FROM voters_voter") == n
    assert site.one("SELECT count(DISTINCT national_id) FROM voters_voter") == n
    assert site.one("SELECT status FROM voters_voterimport WHERE id = %s", [imp_id]) == "applied"


def test_worker_killed_while_writing_a_pdf_no_partial_file(site):
    upload = site.var / "voters.csv"
    n = voter_file(upload, ["26734-01", "26734-02"], 800)
    assert site.django(f"PATH = {str(upload)!r}\n" + IMPORT_NOW) == n
    worker = support.Worker(site.env(), site.var / "worker.log")
    worker.start()
    try:
        worker.wait_child()
        job_id = site.django(START_PRINT)
        folder = site.var / "media" / "print" / str(job_id)
        seen_partial: list[str] = []

        def writing() -> bool:
            if not folder.is_dir():
                return False
            parts = [p.name for p in folder.iterdir() if p.name.endswith(".part")]
            seen_partial.extend(parts)
            return bool(parts)

        support.wait_for(writing, 90, "a PDF being written", step=0.01)
        # While it is written, a reader finds only complete files under the final names.
        for pdf in folder.glob("*.pdf"):
            PdfReader(io.BytesIO(pdf.read_bytes()))
        os.kill(worker.children()[0], signal.SIGKILL)
        support.wait_for(
            lambda: _job(site, job_id)["status"] in ("succeeded", "failed"),
            150,
            "the print job to end",
            step=0.2,
        )
        log = worker.log_tail()
    finally:
        worker.kill_all()
    job = _job(site, job_id)
    assert job["status"] == "succeeded", (job, log)
    assert "WorkerLostError" in log
    assert job["done"] == job["total"] == n
    assert seen_partial  # the kill happened during a write
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]  # leftovers removed
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [a["polling_area"] for a in manifest["areas"]] == ["26734-01", "26734-02"]
    cards = 0
    for area in manifest["areas"]:
        data = (folder / area["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == area["sha256"]
        assert len(PdfReader(io.BytesIO(data)).pages) == area["pages"]
        cards += area["items"]
    assert cards == n
    with zipfile.ZipFile(site.var / "media" / job["result_file"]) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == ["26734-01.pdf", "26734-02.pdf", "manifest.json"]
