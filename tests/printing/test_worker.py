"""The Celery path with a real worker and a Redis broker (the PostgreSQL + Redis leg of CI).

The broker is Redis DB 7; the worker runs in this process (celery.contrib.testing), so the
test's voter lists are the worker's too. Skipped only when REDIS_URL is not set; on the
embedded leg the same path runs eagerly (test_services.py)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from common.models import Job
from tests.printing.support import card_names, reader, use_broker

pytestmark = [
    pytest.mark.stack,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (stack leg)"),
]
BROKER = os.environ.get("BAUCU_TEST_BROKER", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_worker():
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from config.celery import app

    def close_connections(**kwargs):
        connections.close_all()  # in the worker's thread: let the test database be dropped

    task_postrun.connect(close_connections, weak=False)
    try:
        with use_broker(app, BROKER):
            with start_worker(
                app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=20
            ) as worker:
                yield worker
    finally:
        task_postrun.disconnect(close_connections)


def test_real_worker_prints_a_district(redis_worker, voter_lists, make_user, media):
    from celery.signals import task_prerun

    from election.models import AdminUnit
    from printing.services import print_jobs

    ran: list[tuple[str, int]] = []

    def seen(sender=None, **kwargs):
        ran.append((sender.name, threading.get_ident()))

    task_prerun.connect(seen, weak=False)

    user = make_user("committee_member", "760")
    election = AdminUnit.objects.get(code="760").tree.elections.get()
    job = print_jobs.print_job_create(
        actor=user, election=election, unit=AdminUnit.objects.get(code="760"), kind="cards"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.2)
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.message, job.error_report)
    assert job.done == job.total == 28
    folder = media / "print" / str(job.pk)
    for code in ("26734-01", "26734-02", "26737-01"):
        names = [n for n, _ in card_names(reader(folder / f"{code}.pdf"))]
        assert names == [v.full_name for v in voter_lists.rows[code]]
    assert (media / job.result_file).is_file()
    task_prerun.disconnect(seen)
    names = sorted(name for name, _ in ran)
    assert names == ["printing.tasks.print_area"] * 3 + ["printing.tasks.print_job_run"]
    assert all(ident != threading.get_ident() for _, ident in ran)  # in the worker, not here


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_two_starts_at_the_same_moment_one_wins(voter_lists, make_user, monkeypatch):
    """Two users start a job for overlapping units at the same moment: exactly one job."""
    from django.db import connections

    from election.models import AdminUnit
    from printing import tasks
    from printing.services import print_jobs

    monkeypatch.setattr(tasks.print_job_run, "delay", lambda job_id: None)
    election = AdminUnit.objects.get(code="760").tree.elections.get()
    users = [make_user("committee_member", "760"), make_user("ward_staff", "26734")]
    units = [AdminUnit.objects.get(code="760"), AdminUnit.objects.get(code="26734")]
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    def start(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            print_jobs.print_job_create(
                actor=users[i], election=election, unit=units[i], kind="cards"
            )
            outcome.append("started")
        except print_jobs.PrintBusy:
            outcome.append("busy")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcome) == ["busy", "started"]
    assert Job.objects.filter(kind="print_cards").count() == 1
