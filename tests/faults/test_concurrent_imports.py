"""Two imports into the same ward at the same moment (two tabs, two officers): the second waits
for the first (a per-election advisory lock held by the import's transaction) and then finds
nothing left to do; no voter twice, no import error. Two confirmations of the same upload start
one job, not two."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from tests.faults.conftest import voter_file

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_imports_into_one_ward_at_once_one_waits(mini_election, tmp_path):
    from voters.models import Voter
    from voters.services.counts import refresh_area_counts
    from voters.services.import_list import import_voters

    path = tmp_path / "list.csv"
    n = voter_file(path, ["26734-01", "26734-02"], 1500)
    barrier = threading.Barrier(2)
    results: list[tuple[float, float, int, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            started = time.monotonic()
            r = import_voters(
                election=mini_election,
                path=path,
                actor=None,
                mode="all",
                source="test",
                enforce_cutoff=False,
            )
            results.append((started, time.monotonic(), r.created, r.unchanged))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    first, second = sorted(results, key=lambda r: r[1])
    assert sorted([first[2], second[2]]) == [0, n]  # one created every voter, once
    assert second[3] == n  # the one that waited found them all unchanged
    assert Voter.objects.filter(polling_area__election=mini_election).count() == n
    ids = Voter.objects.values_list("national_id", flat=True)
    assert len(set(ids)) == len(ids)
    refresh_area_counts(election_id=mini_election.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_confirmations_of_one_upload_start_one_job(mini_election, make_user, monkeypatch):
    from django.test import Client

    from common.models import Job
    from election.models import AdminUnit
    from voters import views
    from voters.models import VoterImport

    started: list[int] = []
    monkeypatch.setattr(views.voter_import_apply, "delay", lambda i, j: started.append(j))
    user = make_user("ward_staff", "26734")
    imp = VoterImport.objects.create(
        election=mini_election,
        unit=AdminUnit.objects.get(code="26734"),
        filename="list.csv",
        path="/nonexistent.csv",
        sha256="-",
        status=VoterImport.Status.READY,
        created_by=user,
    )
    url = f"/e/{mini_election.slug}/voters/imports/{imp.pk}/"
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def confirm() -> None:
        try:
            client = Client()
            client.force_login(user)
            barrier.wait(timeout=10)
            codes.append(client.post(url, {"action": "confirm"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # the first is sent to the job; the second, if it comes after, sees the import under way
    assert len(codes) == 2 and set(codes) <= {200, 302}, codes
    assert len(started) == 1
    assert Job.objects.filter(kind="voters.import.apply").count() == 1
