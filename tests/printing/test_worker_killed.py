"""A real Celery worker process killed (SIGKILL) in the middle of a print job, then the job
resumed by another worker: the Job row tells the truth meanwhile, no half-written PDF is
ever visible under its final name, and the resumed job's files are byte-identical to an
uninterrupted run's. PostgreSQL + Redis leg only: the worker is a separate process
(`celery -A config worker`) that reads the test database and the Redis broker."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from common.models import Job
from tests.printing.support import card_names, reader, use_broker

pytestmark = [
    pytest.mark.stack,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL and Redis (stack leg)",
    ),
]
BROKER = os.environ.get("BAUCU_TEST_BROKER", "redis://127.0.0.1:6379/7")
ROOT = Path(__file__).resolve().parent.parent.parent
BIG_AREA = "26734-02"  # the second of the district's three areas, made long enough to kill
BIG = 2500
AREAS = ("26734-01", "26734-02", "26737-01")


def _grow(voter_lists, code: str, n: int) -> None:
    """Add voters to a polling area's list until it has `n` (distinct people, STT in order)."""
    from django.db import connection

    from common.text import fold
    from election.models import PollingArea
    from voters.models import Voter
    from voters.services.counts import refresh_area_counts

    area = PollingArea.objects.get(code=code)
    rows = voter_lists.rows[code]
    start = len(rows)
    family, given = ["Trần", "Lê", "Đặng", "Ngô"], ["Hường", "Ưng", "Ánh", "Yến", "Đạt"]
    new = []
    for i in range(start, n):
        name = f"{family[i % 4]} Thị {given[(i // 4) % 5]}"
        new.append(
            Voter(
                election=voter_lists.election,
                polling_area=area,
                stt=i + 1,
                national_id=f"0799{i:08d}",
                full_name=name,
                search_key=fold(name),
                birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=i),
                birth_year=(dt.date(1940, 1, 1) + dt.timedelta(days=i)).year,
                sex="F",
                ethnicity="Kinh",
                occupation="Buôn bán",
                permanent_address=f"Số {i + 1} đường Nguyễn Đình Chiểu, khu phố {1 + i % 5}",
                residence=Voter.Residence.PERMANENT,
                contest_scope=Voter.Scope.ALL,
            )
        )
    rows += Voter.objects.bulk_create(new)
    refresh_area_counts(election_id=voter_lists.election.id)
    with connection.cursor() as cur:
        cur.execute("ANALYZE voters_voter")  # as the voter import does after writing


def _start_worker(media: Path, log: Path) -> subprocess.Popen:
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": BROKER,
        "BAUCU_VAR_DIR": str(media.parent),  # MEDIA_ROOT = <var dir>/media, as in this test
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def _database_url(db: dict) -> str:
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait_until(check, what: str, log: Path, timeout: float = 40, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def _finished(job: Job) -> bool:
    job.refresh_from_db()
    return job.finished


def _files(folder: Path) -> dict[str, str]:
    from printing.services.documents import sha256_of

    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.suffix == ".pdf"}


def test_killed_worker_then_resume_gives_the_files_of_an_uninterrupted_run(
    voter_lists, make_user, media, tmp_path
):
    from config.celery import app
    from election.models import AdminUnit
    from printing.models import PrintedFile
    from printing.services import print_jobs

    started = time.monotonic()
    _grow(voter_lists, BIG_AREA, BIG)
    user = make_user("committee_member", "760")
    district = AdminUnit.objects.get(code="760")
    election = district.tree.elections.get()
    log = tmp_path / "worker.log"
    workers: list[subprocess.Popen] = []
    try:
        with use_broker(app, BROKER):
            workers.append(_start_worker(media, log))
            job = print_jobs.print_job_create(
                actor=user, election=election, unit=district, kind="cards"
            )
            folder = media / "print" / str(job.pk)

            # The worker is writing the big area (its temporary file exists): kill it.
            def writing_big_area() -> list[Path]:
                return list(folder.glob(f".{BIG_AREA}.*.part")) if folder.is_dir() else []

            _wait_until(writing_big_area, f"the worker to start writing {BIG_AREA}", log)
            workers[0].send_signal(signal.SIGKILL)
            assert workers[0].wait(timeout=10) == -signal.SIGKILL

            # The Job row tells the truth: not finished, only the first area counted.
            job.refresh_from_db()
            first = voter_lists.rows["26734-01"]
            assert job.status == Job.Status.RUNNING and not job.finished
            assert job.total == sum(len(voter_lists.rows[c]) for c in AREAS) == 12 + BIG + 9
            assert job.done == len(first) < job.total
            assert job.result_file == "" and "manifest" not in job.result
            rows = PrintedFile.objects.filter(job=job)
            assert [r.polling_area.code for r in rows] == ["26734-01"]
            # No half-written PDF under a final name: only the finished area's file, intact.
            assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
                "26734-01.pdf"
            ]
            assert _files(folder) == {"26734-01.pdf": rows[0].sha256}
            assert [n for n, _ in card_names(reader(folder / "26734-01.pdf"))] == [
                v.full_name for v in first
            ]
            assert writing_big_area()  # the dead writer's temporary file, never renamed

            # Nothing tells the dead worker's job from a live one but its silence: resuming is
            # refused until it has shown no progress for BAUCU_PRINT_STALE_MINUTES.
            with pytest.raises(print_jobs.PrintLive):
                print_jobs.print_job_resume(actor=user, job=job)
            quiet = dt.timedelta(minutes=settings.BAUCU_PRINT_STALE_MINUTES + 1)
            Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - quiet)
            job.refresh_from_db()
            assert print_jobs.is_stale(job)

            # Resume, then a second worker: the leftover queued task of the dead run is
            # skipped (the job is pending again), the missing areas are printed.
            job = print_jobs.print_job_resume(actor=user, job=job)
            workers.append(_start_worker(media, log))
            _wait_until(lambda: _finished(job), "the resumed job", log, timeout=60, step=0.2)
            assert job.status == Job.Status.SUCCEEDED, (job.message, job.error_report)
            assert job.done == job.total == 12 + BIG + 9
            rows = list(PrintedFile.objects.filter(job=job).order_by("polling_area__code"))
            assert [r.polling_area.code for r in rows] == list(AREAS)  # no duplicates
            resumed = _files(folder)
            assert resumed == {f"{r.polling_area.code}.pdf": r.sha256 for r in rows}
            assert not list(folder.glob(".*")), "temporary files left behind"
            big = reader(folder / f"{BIG_AREA}.pdf")
            assert len(big.pages) == BIG
            for i in (0, BIG // 2, BIG - 1):  # (reading all 2,500 pages back takes a minute)
                voter = voter_lists.rows[BIG_AREA][i]
                assert card_names(big, [i]) == [(voter.full_name, str(voter.stt))]
            zip_sha = job.result["manifest"]["zip"]["sha256"]

            # An uninterrupted run of the same job by the same worker: the same bytes.
            again = print_jobs.print_job_create(
                actor=user, election=election, unit=district, kind="cards"
            )
            _wait_until(lambda: _finished(again), "the uninterrupted job", log, 60, 0.2)
            assert again.status == Job.Status.SUCCEEDED, (again.message, again.error_report)
            assert _files(media / "print" / str(again.pk)) == resumed
            assert again.result["manifest"]["zip"]["sha256"] == zip_sha
            with app.connection_for_write() as conn:
                conn.default_channel.client.flushdb()  # the dead worker's unacked task
    finally:
        for proc in workers:
            _stop(proc)
    assert time.monotonic() - started < 60
