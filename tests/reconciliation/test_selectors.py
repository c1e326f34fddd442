"""The board on a small election day (the mini election): green when consistent, each broken
link caught in the right area and contest, the roll-up per child unit, a bounded number of
queries whatever the unit, and the scope of the user. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.audit import record
from reconciliation import rules
from reconciliation.selectors import board
from tests.reconciliation.conftest import (
    AFTER_CLOSE,
    MORNING,
    build_day,
    enter_minutes,
    minutes_doc,
    report,
)

pytestmark = pytest.mark.django_db


def states(b) -> dict[tuple[str, str], tuple[str, set[str]]]:
    return {
        (r.polling_area_code, r.contest_code): (r.state, {f.code for f in r.findings})
        for r in b.rows
    }


def test_consistent_day_is_all_green(day):
    b = day.board()
    assert len(b.rows) == 13  # 5 areas × their contests
    assert {r.state for r in b.rows} == {rules.GREEN}
    assert (b.total.areas, b.total.green, b.attention) == (5, 5, 0)
    assert [(c.unit.code, c.areas, c.green, c.amber, c.red) for c in b.children] == [
        ("760", 3, 3, 0, 0),
        ("783", 2, 2, 0, 0),
    ]
    row = day.rows("26734-01")["QH"]
    f = row.facts
    # 60 imported before posting, 2 added and 1 removed after: 61 now
    assert (f.list_at_posting, f.ledger_added, f.ledger_removed, f.list_now) == (60, 2, 1, 61)
    assert (f.cards_printed, f.turnout_final, f.voters_voted) == (61, 59, 59)
    # temporary residents do not vote for the commune council
    commune = day.rows("27496-01")["HDND-27496"].facts
    assert (commune.list_now, commune.list_now_contest, commune.voters_listed) == (50, 45, 45)


def test_before_polls_close_missing_minutes_raise_nothing(mini_election, admin):
    day = build_day(mini_election, admin, minutes=False)
    assert {r.state for r in day.board(now=MORNING).rows} == {rules.GREEN}
    after = day.board(now=AFTER_CLOSE)
    assert {r.state for r in after.rows} == {rules.RED}
    assert all(rules.MINUTES_MISSING in {f.code for f in r.findings} for r in after.rows)
    assert after.attention == 5


def test_missing_and_undecided_minutes(mini_election, admin, make_user):
    skip = (("27499-01", "QH"), ("27499-01", "HDND-79"), ("27496-01", "QH"))
    day = build_day(mini_election, admin, skip=skip)
    enter_minutes(day, [minutes_doc(day, "27499-01", "HDND-79")], entry="first")
    enter_minutes(day, [minutes_doc(day, "27496-01", "QH")], entry="first")
    second = make_user(superuser=True)
    enter_minutes(day, [minutes_doc(day, "27496-01", "QH", invalid=1)], "second", actor=second)
    s = states(day.board())
    assert s[("27499-01", "QH")] == (rules.RED, {rules.MINUTES_MISSING})
    assert s[("27499-01", "HDND-79")] == (rules.AMBER, {rules.MINUTES_NOT_DEFINITIVE})
    assert s[("27496-01", "QH")] == (rules.RED, {rules.MINUTES_NOT_DEFINITIVE})
    assert s[("27499-01", "HDND-783")] == (rules.GREEN, set())
    b = day.board()
    assert [(c.unit.code, c.green, c.amber, c.red) for c in b.children] == [
        ("760", 3, 0, 0),
        ("783", 0, 0, 2),
    ]
    assert b.attention == 2


def test_final_turnout_corrected_away_from_the_minutes(day):
    from realtime.services.turnout import turnout_report_submit

    area = day.areas["26737-01"]
    turnout_report_submit(
        actor=day.admin, area=area, slot="closed", voted=75, reason="recount", now=AFTER_CLOSE
    )
    s = states(day.board())
    assert s[("26737-01", "QH")] == (rules.RED, {rules.TURNOUT_NE_MINUTES})
    assert s[("26737-01", "HDND-79")] == (rules.GREEN, set())  # councils are not compared
    [finding] = day.rows("26737-01")["QH"].findings
    assert finding.detail == {"turnout": 75, "voters_voted": 78}


def test_slot_missing_is_amber_only_once_due(day):
    from realtime.models import TurnoutReport

    TurnoutReport.objects.filter(polling_area=day.areas["26734-02"], slot="11:00").delete()
    s = states(day.board())
    assert s[("26734-02", "QH")] == (rules.AMBER, {rules.SLOT_MISSING})
    assert s[("26734-02", "HDND-79")] == (rules.AMBER, {rules.SLOT_MISSING})
    b = day.board()
    assert [(c.unit.code, c.amber) for c in b.children] == [("760", 1), ("783", 0)]
    assert b.attention == 1
    # at 10:00 only the 09:00 slot is due: no alarm yet
    assert states(day.board(now=MORNING))[("26734-02", "QH")][0] == rules.GREEN


def test_voter_added_after_minutes_and_cards(day):
    from voters.models import Voter
    from voters.services.counts import refresh_area_counts

    area = day.areas["27499-01"]
    Voter.objects.create(
        election=day.election, polling_area=area, stt=99, national_id="079085099999",
        full_name="Cử tri mới", search_key="cu tri moi", birth_year=1990, sex="M",
        residence="permanent",
    )  # fmt: skip
    refresh_area_counts(election_id=day.election.id)
    rows = day.rows("27499-01")
    for contest, row in rows.items():
        assert row.state == rules.RED, contest
        assert {f.code for f in row.findings} == {rules.LIST_NE_MINUTES, rules.CARDS_NE_VOTERS}
    # the new voter's card printed on its own: the cards are covered again
    record(
        actor=day.admin, action="printing.card_reprinted", object_type="election.PollingArea",
        object_id=str(area.pk), election_id=day.election.id, extra={"stt": 99},
    )  # fmt: skip
    rows = day.rows("27499-01")
    assert {f.code for f in rows["QH"].findings} == {rules.LIST_NE_MINUTES}
    assert rows["QH"].facts.cards_reprinted == 1


def test_unbalanced_ballots_and_turnout_above_list(day):
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    CountMinutes.objects.filter(
        polling_area=day.areas["26734-01"], contest=day.contests["HDND-79"]
    ).update(ballots_invalid=3)
    TurnoutReport.objects.filter(polling_area=day.areas["27496-01"], slot="17:00").update(voted=51)
    s = states(day.board())
    assert s[("26734-01", "HDND-79")] == (rules.RED, {rules.BALLOTS_UNBALANCED})
    assert s[("26734-01", "QH")] == (rules.GREEN, set())
    assert s[("27496-01", "QH")][1] == {rules.TURNOUT_ABOVE_LIST}
    assert s[("27496-01", "HDND-27496")] == (rules.RED, {rules.TURNOUT_ABOVE_LIST})


def test_cards_reprinted_before_a_new_full_print_do_not_count(day):
    from printing.models import PrintedFile
    from tests.reconciliation.conftest import print_cards

    area = day.areas["26734-02"]
    PrintedFile.objects.filter(polling_area=area).update(items=18)
    assert {f.code for f in day.rows("26734-02")["QH"].findings} == {rules.CARDS_NE_VOTERS}
    print_cards(area, 20, day.admin)  # printed again, complete
    assert day.rows("26734-02")["QH"].state == rules.GREEN


def test_queries_do_not_grow_with_the_unit(day):
    def count(unit: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            day.board(unit=unit)
        return len(ctx.captured_queries)

    ward, city = count("26734"), count("79")
    assert ward == city
    assert city <= 16


def test_scoped_board(day, make_user):
    from election.models import AdminUnit

    observer = make_user("observer", "26737")
    ward = AdminUnit.objects.get(tree=day.election.tree, code="26737")
    other = AdminUnit.objects.get(tree=day.election.tree, code="26734")
    b = board(user=observer, election=day.election, unit=ward, now=AFTER_CLOSE)
    assert [r.polling_area_code for r in b.rows] == ["26737-01", "26737-01"]
    with pytest.raises(PermissionDenied):
        board(user=observer, election=day.election, unit=other, now=AFTER_CLOSE)
    with pytest.raises(PermissionDenied):
        board(user=observer, election=day.election, unit=day.election.root, now=AFTER_CLOSE)


def test_late_report_still_counts(day):
    # a report of a slot that was missing, arriving late, clears the amber
    from realtime.models import TurnoutReport

    area = day.areas["27499-01"]
    TurnoutReport.objects.filter(polling_area=area, slot="09:00").delete()
    assert day.rows("27499-01")["QH"].state == rules.AMBER
    report(area, "09:00", 5, day.admin)
    assert day.rows("27499-01")["QH"].state == rules.GREEN


def test_minutes_accepted_with_warnings_or_a_reason_are_still_flagged(mini_election, admin):
    """The results module lets these through (acknowledged warning W.202; voters listed
    differing from the list with a reason, F.210): the board still shows them."""
    skip = (("26737-01", "QH"), ("26737-01", "HDND-79"))
    day = build_day(mini_election, admin, skip=skip)
    enter_minutes(
        day,
        [
            minutes_doc(day, "26737-01", "QH", ballots_issued=79),
            minutes_doc(
                day, "26737-01", "HDND-79", voters_listed=81, voters_listed_reason="late entry"
            ),
        ],
    )
    s = states(day.board())
    assert s[("26737-01", "QH")] == (rules.AMBER, {rules.ISSUED_NE_VOTED})
    assert s[("26737-01", "HDND-79")] == (rules.RED, {rules.LIST_NE_MINUTES})
    [finding] = day.rows("26737-01")["HDND-79"].findings
    assert finding.detail == {"list_now": 80, "voters_listed": 81, "reason": "late entry"}
