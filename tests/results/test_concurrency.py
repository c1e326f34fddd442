"""Two people saving the same minutes at once: one wins, the other is told (PostgreSQL:
row lock + version; SQLite serialises writers with immediate transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from election.models import Contest, PollingArea
from results import rules
from results.models import CountMinutes, MinutesEntry
from results.services import minutes as svc
from tests.results.conftest import qh_minutes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_simultaneous_first_entries_never_lose_an_update(mini_election, make_user):
    a = make_user("team_secretary", "26734", area="26734-01")
    b = make_user("ward_staff", "26734")
    area = PollingArea.objects.get(code="26734-01")
    m = svc.minutes_get_or_create(area=area, contest=Contest.objects.get(code="QH"))
    src = qh_minutes()[0]
    ids = {c.full_name: c.id for c in m.constituency.candidates.all()}
    fig = rules.Figures(
        **{f: src[f] for f in rules.FIELDS},
        votes={ids[v["candidate"]]: v["votes"] for v in src["votes"]},
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(user):
        try:
            barrier.wait()
            svc.minutes_enter(actor=user, minutes=m, figures=fig, expected_version=0)
            outcomes.append("saved")
        except svc.StaleVersion:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(u,)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["saved", "stale"]
    m.refresh_from_db()
    assert m.status == "first_entry" and m.version == 1
    assert MinutesEntry.objects.filter(minutes=m).count() == 1
    assert CountMinutes.objects.count() == 1
