"""PostgreSQL (the private instance) restarted in the middle of minutes entry and of a voter
import, behind the production web stack (gunicorn + uvicorn) and a real Celery worker: all or
nothing, a clear 503 in Vietnamese instead of a 500 page, and a retry that succeeds."""

from __future__ import annotations

import json
import threading

import pytest

from tests.faults import support
from tests.faults.conftest import TOKENS, voter_file
from tests.faults.test_worker_killed import START_IMPORT, _import_open, _job
from tests.results.conftest import qh_minutes

pytestmark = pytest.mark.stack

MINUTES_API = "/api/elections/mini-2021/minutes/"
UNAVAILABLE_VI = "Cơ sở dữ liệu tạm thời không truy cập được"


def _entries(site) -> int:
    return site.one("SELECT count(*) FROM results_minutesentry")


def _audit(site) -> int:
    return site.one("SELECT count(*) FROM common_auditevent")


def test_restart_during_minutes_entry_all_or_nothing_then_retry(site):
    doc = {"format": "baucu.count/1", "minutes": [qh_minutes()[0]]}  # 26734-01, QH
    auth = {"Authorization": "Token " + TOKENS["secretary"], "Accept": "application/json"}
    with support.serve(site.env(), site.var / "web.log"):
        support.wait_port(support.WEB_PORT, timeout=60)
        web = support.Web()
        status, _, _ = web.request("GET", MINUTES_API, headers=auth)
        assert status == 200
        audit_before = _audit(site)
        # Hold the entry inside its transaction after it has written: the audit row it adds
        # last waits for this lock.
        locker = site.pg.connect(site.db)
        locker.autocommit = False
        locker.cursor().execute("LOCK TABLE common_auditevent IN ACCESS EXCLUSIVE MODE")
        answer: dict[str, tuple[int, str, dict[str, str]]] = {}
        post = threading.Thread(
            target=lambda: answer.update(r=web.request("POST", MINUTES_API, body=doc, headers=auth))
        )
        post.start()
        support.wait_for(
            lambda: site.one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL",
                [site.db],
            ),
            30,
            "the entry to have written and be waiting",
        )
        site.pg.restart()  # every session, the entry's included, is terminated
        post.join(60)
        status, text, headers = answer["r"]
        assert status == 503, text[:2000]
        assert UNAVAILABLE_VI in json.loads(text)["detail"]
        assert headers.get("Retry-After")
        assert "Traceback" not in text
        # nothing of the entry was kept
        assert _entries(site) == 0
        assert _audit(site) == audit_before
        # the same request again, now that the database is back: accepted once
        status, text, _ = web.request("POST", MINUTES_API, body=doc, headers=auth)
        assert status == 200, text[:2000]
        assert json.loads(text)["ok"] is True
        assert _entries(site) == 1
        assert _audit(site) > audit_before


def test_restart_during_voter_import_then_import_finishes(site):
    upload = site.var / "upload.csv"
    n = voter_file(upload, ["26734-01", "26734-02"], 20000)  # long enough to be caught mid-way
    env = site.env()
    worker = support.Worker(env, site.var / "worker.log")
    worker.start()
    try:
        with support.serve(env, site.var / "web.log"):
            support.wait_port(support.WEB_PORT, timeout=60)
            web = support.Web()
            web.login("ward")
            page = "/e/mini-2021/voters/u/26734/"
            assert web.request("GET", page)[0] == 200
            worker.wait_child()
            imp_id, job_id = site.django(f"PATH = {str(upload)!r}\n" + START_IMPORT)
            support.wait_for(lambda: _import_open(site), 60, "the import's transaction", step=0.02)
            site.pg.stop("fast")  # the import's transaction is cut in the middle
            try:
                # a member of staff opening a page meanwhile is told, in Vietnamese
                status, text, headers = web.request("GET", page)
                assert status == 503, text[:2000]
                assert UNAVAILABLE_VI in text
                assert headers.get("Retry-After")
                assert "Traceback" not in text
            finally:
                site.pg.start()
            assert site.one("SELECT count(*) FROM voters_voter") == 0  # all or nothing
            support.wait_for(
                lambda: _job(site, job_id)["status"] in ("succeeded", "failed"),
                120,
                "the import to end after the restart",
                step=0.2,
            )
            assert web.request("GET", page)[0] == 200  # the same session works again
        log = worker.log_tail()
    finally:
        worker.kill_all()
    assert _job(site, job_id)["status"] == "succeeded", (_job(site, job_id), log)
    assert "retry" in log.lower()  # the task was retried after the database came back
    assert site.one("SELECT count(*) FROM voters_voter") == n
    assert site.one("SELECT count(DISTINCT national_id) FROM voters_voter") == n
    assert site.one("SELECT status FROM voters_voterimport WHERE id = %s", [imp_id]) == "applied"
    assert site.one("SELECT count(*) FROM common_auditevent WHERE action = 'voters.imported'") == 1
