"""Snapshot epochs: a wipe of a rehearsal's turnout makes versions restart lower, so every
snapshot carries the election's turnout epoch, which only the wipe raises; dashboards order
snapshots by (epoch, version). The database read and the coalescer agree on it."""

from __future__ import annotations

import json

import pytest

from election.models import AdminUnit, Election
from election.services.rehearsal import wipe_rehearsal
from realtime import denominators, live
from realtime.selectors import turnout_snapshot
from realtime.services.turnout import turnout_report_submit
from tests.realtime.conftest import add_voters

pytestmark = pytest.mark.django_db

SIZES = {"26734-01": 1000, "26734-02": 350, "26737-01": 2000}


@pytest.fixture
def dry(mini_election, clock):
    Election.objects.filter(pk=mini_election.pk).update(is_rehearsal=True)
    mini_election.refresh_from_db()
    add_voters(mini_election, SIZES)
    return mini_election


def _report(admin, election, code: str, slot: str, voted: int) -> None:
    area = election.polling_areas.get(code=code)
    turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted)


def _unit(election: Election, code: str) -> AdminUnit:
    return AdminUnit.objects.get(tree=election.tree, code=code)


def _coalesced(coalescer: live.Coalescer, election: Election, unit: AdminUnit) -> dict:
    """The coalescer's snapshot of a unit after one collect (None when it sent none)."""
    wanted = live.group_name(election.id, unit.id)
    texts = [text for group, text in coalescer.collect() if group == wanted]
    return json.loads(texts[-1]) if texts else None


def _key(snap: dict) -> tuple[int, int]:
    """What the dashboard compares (static/baucu/turnout.js)."""
    return (snap["epoch"], snap["version"])


def test_a_wipe_raises_the_epoch_and_the_next_snapshots_win_despite_lower_versions(
    dry, make_user, clock, django_capture_on_commit_callbacks
):
    admin = make_user(superuser=True)
    district = _unit(dry, "760")
    coalescer = live.Coalescer(live.store())
    live.area_changed(dry.id, [live.WANTED])
    with django_capture_on_commit_callbacks(execute=True):
        _report(admin, dry, "26734-01", "09:00", 300)
        _report(admin, dry, "26734-02", "09:00", 100)
        _report(admin, dry, "26734-02", "11:00", 200)
    before_db = turnout_snapshot(election=dry, unit=district)
    before_live = _coalesced(coalescer, dry, district)
    assert _key(before_db) == _key(before_live) == (0, 3)
    assert before_live["voted"] == 500

    with django_capture_on_commit_callbacks(execute=True):  # election_changed after commit
        wipe_rehearsal(actor=admin, election=dry)
    dry.refresh_from_db()
    assert dry.turnout_epoch == 1
    add_voters(dry, SIZES)  # the wipe took the lists too
    with django_capture_on_commit_callbacks(execute=True):
        _report(admin, dry, "26734-01", "09:00", 40)

    after_live = _coalesced(coalescer, dry, district)  # the coalescer reloaded
    after_db = turnout_snapshot(election=dry, unit=district)
    assert _key(after_live) == _key(after_db) == (1, 1)
    assert after_live["voted"] == after_db["voted"] == 40
    assert after_live["version"] < before_live["version"]  # the case that froze dashboards
    assert _key(after_live) > _key(before_live)
    # the coalescer's stored snapshot (what a joining socket gets) is the new epoch's
    assert json.loads(live.store().get_snapshot(dry.id, district.id))["epoch"] == 1


def test_every_wipe_raises_the_epoch_and_nothing_else_does(
    dry, make_user, clock, django_capture_on_commit_callbacks
):
    admin = make_user(superuser=True)
    city = _unit(dry, "79")
    with django_capture_on_commit_callbacks(execute=True):
        _report(admin, dry, "26737-01", "09:00", 300)
        _report(admin, dry, "26737-01", "11:00", 400)
    assert _key(turnout_snapshot(election=dry, unit=city)) == (0, 2)
    for expected in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            wipe_rehearsal(actor=admin, election=dry)
        assert turnout_snapshot(election=dry, unit=city)["epoch"] == expected
    # a stale election object (it still says 0) saved for another reason does not lower it
    assert dry.turnout_epoch == 0
    dry.name = "Diễn tập"
    dry.save()
    assert Election.objects.values_list("turnout_epoch", "name").get(pk=dry.pk) == (2, "Diễn tập")
    # reports and corrections do not change it
    with django_capture_on_commit_callbacks(execute=True):
        add_voters(dry, SIZES)
        denominators.clear()  # the empty lists read since the wipe are cached
        _report(admin, dry, "26737-01", "09:00", 10)
    assert _key(turnout_snapshot(election=dry, unit=city)) == (2, 1)


def test_a_drill_reset_raises_the_epoch_and_reloads_the_coalescer(
    dry, make_user, clock, django_capture_on_commit_callbacks
):
    from drill.prepare import reset_played

    admin = make_user(superuser=True)
    ward = _unit(dry, "26734")
    coalescer = live.Coalescer(live.store())
    live.area_changed(dry.id, [live.WANTED])
    with django_capture_on_commit_callbacks(execute=True):
        _report(admin, dry, "26734-01", "09:00", 300)
        _report(admin, dry, "26734-01", "11:00", 350)
    assert _key(_coalesced(coalescer, dry, ward)) == (0, 2)
    areas = list(dry.polling_areas.filter(code="26734-01"))
    with django_capture_on_commit_callbacks(execute=True):
        reset_played(election=dry, areas=areas)
    snap = _coalesced(coalescer, dry, ward)
    assert _key(snap) == (1, 0) and snap["voted"] == 0
    assert _key(turnout_snapshot(election=dry, unit=ward)) == (1, 0)
