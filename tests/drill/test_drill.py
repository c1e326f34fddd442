"""The election-day drill at small scale against a live server (issue 8): every injected fault
is caught, clean areas stay green, and the drill fails when the board misses something."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from drill import faults as fl

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _embedded_only_where_it_applies(request):
    if "embedded_world" in request.fixturenames:
        from django.db import connection

        if connection.vendor != "sqlite":
            pytest.skip("the embedded leg (SQLite file, in-memory layer)")


def test_drill_small_catches_every_fault_without_false_alarms(rehearsal, live_asgi):
    from drill.run import DrillOptions, run_drill
    from realtime.models import TurnoutReport
    from reconciliation.selectors import board_unscoped
    from results.models import CountMinutes

    lines: list[str] = []
    outcome = run_drill(
        DrillOptions(slug=rehearsal.slug, base_url=live_asgi, concurrency=4, seed=7),
        out=lines.append,
    )
    text = "\n".join(lines)
    print(text)
    assert outcome.day.unexpected == [], text
    v = outcome.verdict
    assert v.injected == len(fl.KINDS) and v.caught == v.injected, text
    assert v.missed == [] and v.false_alarms == [], text
    assert outcome.ok and "DRILL PASSED" in text
    # the drill's accounts (roles over the shared root unit, API tokens) do not outlive it
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    drill_users = get_user_model().objects.filter(username__startswith="drill-")
    assert drill_users.count() == 24 + 3 and f"drill accounts retired: {24 + 3}" in text
    assert not drill_users.filter(is_active=True).exists()
    assert not Token.objects.filter(user__in=drill_users).exists()
    # the day really happened in the database the server wrote to
    areas = {f.area: f for f in outcome.faults.values()}
    skipped = next(f for f in areas.values() if f.kind == "slot_missing")
    assert not TurnoutReport.objects.filter(
        polling_area__code=skipped.area, slot=skipped.slot
    ).exists()
    silent = next(f for f in areas.values() if f.kind == "area_silent")
    assert not TurnoutReport.objects.filter(polling_area__code=silent.area).exists()
    assert TurnoutReport.objects.filter(election=rehearsal).count() == 24 * 6 - 1 - 6
    missing = next(f for f in areas.values() if f.kind == "minutes_missing")
    keyed = next(f for f in areas.values() if f.kind == "keying_difference")
    statuses = dict(
        CountMinutes.objects.filter(
            polling_area__election=rehearsal, contest__code="QH"
        ).values_list("polling_area__code", "status")
    )
    assert missing.area not in statuses
    assert statuses[keyed.area] == "definitive"  # settled by the coordinator over the API
    # the board the drill read: green exactly outside the board faults
    board = board_unscoped(election=rehearsal, unit=rehearsal.root, now=_night(rehearsal))
    red_or_amber = {r.polling_area_code for r in board.rows if r.state != "green"}
    on_board = {f.area for f in outcome.faults.values() if f.spec.caught_by == fl.BOARD}
    assert red_or_amber == on_board
    # the dashboards saw the reports
    turnout = next(p for p in outcome.phases if p.name == "turnout")
    assert turnout.extra["dashboards"] >= 2 and turnout.extra["never_seen"] == 0
    assert turnout.extra["p99_report_to_dashboard_s"] is not None

    # played again without --reset: refused, nothing changed
    before = TurnoutReport.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        call_command("rehearse", election=rehearsal.slug, base_url=live_asgi, stdout=io.StringIO())
    assert TurnoutReport.objects.count() == before
    # --reset wipes the played areas' turnout and minutes (one audited change), nothing else
    from common.models import AuditEvent
    from drill.prepare import already_played, areas_to_play, reset_played

    areas = areas_to_play(rehearsal, "small")
    assert already_played(rehearsal, areas) == (137, 47)
    assert reset_played(election=rehearsal, areas=areas) == {
        "turnout_reports": 137,
        "count_minutes": 47,
    }
    assert already_played(rehearsal, areas) == (0, 0)
    assert AuditEvent.objects.filter(action="drill.reset", election_id=rehearsal.id).count() == 1


def test_drill_small_on_the_embedded_stack(embedded_world):
    """The command as an operator runs it, against a server on the embedded default."""
    import json
    import subprocess
    import sys

    from tests.drill.conftest import ROOT, SLUG

    base_url, env = embedded_world
    done = subprocess.run(
        [sys.executable, "manage.py", "rehearse", "--election", SLUG, "--base-url", base_url]
        + ["--concurrency", "4", "--seed", "11"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["ok"] and summary["unexpected_answers"] == 0
    assert summary["injected"] == summary["caught"] == len(fl.KINDS)
    assert summary["missed"] == [] and summary["false_alarms"] == []
    assert all(k["injected"] == k["caught"] == 1 for k in summary["per_kind"].values())
    turnout = summary["phases"]["turnout"]
    assert turnout["reports_accepted"] == 24 * 6 - 1 - 6 and turnout["never_seen"] == 0


def _night(election):
    from drill.run import day_over

    return day_over(election)


def test_refuses_an_election_that_is_not_a_rehearsal(rehearsal):
    from results.models import CountMinutes

    rehearsal.is_rehearsal = False
    rehearsal.save(update_fields=["is_rehearsal"])
    with pytest.raises(CommandError, match="not a rehearsal"):
        call_command("rehearse", election=rehearsal.slug, stdout=io.StringIO())
    assert not CountMinutes.objects.exists()
