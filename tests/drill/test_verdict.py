"""The drill's own logic without a server: the comparison with doctored boards (a drill must
fail when the board misses something) and the figures it keys (clean minutes pass every check
of results/rules.py; each doctored figure breaks exactly the rule it is planted for)."""

from __future__ import annotations

import random

import pytest

from drill import faults as fl
from drill import figures as fig
from drill.verdict import Flag, compare
from results import rules

# --- the comparison itself, with doctored boards -------------------------------------------


PLAN = {
    "A1": fl.Fault("A1", "slot_missing", slot="11:00"),
    "A2": fl.Fault("A2", "turnout_ne_minutes", contest="QH"),
    "A3": fl.Fault("A3", "minutes_sum_mismatch", contest="QH"),
}
CLEAN_BOARD = [
    Flag("A1", "QH", "amber", ("REC.SLOT_MISSING",)),
    Flag("A1", "HDND", "amber", ("REC.SLOT_MISSING",)),
    Flag("A2", "QH", "red", ("REC.TURNOUT_NE_MINUTES",)),
    Flag("A2", "HDND", "green", ()),
    Flag("A3", "QH", "green", ()),
    Flag("A4", "QH", "green", ()),
]
PLAYED = ["A1", "A2", "A3", "A4"]


def test_compare_passes_when_everything_is_caught():
    v = compare(faults=PLAN, entry_caught={"A3": {"F.201"}}, flags=CLEAN_BOARD, played=PLAYED)
    assert v.ok and v.injected == 3 and v.caught == 3 and v.clean_areas == 2


def test_compare_fails_when_the_board_misses_a_fault():
    board = [f for f in CLEAN_BOARD if f.area != "A2"] + [Flag("A2", "QH", "green", ())]
    v = compare(faults=PLAN, entry_caught={"A3": {"F.201"}}, flags=board, played=PLAYED)
    assert not v.ok and v.missed == ["turnout_ne_minutes@A2"]


def test_compare_fails_when_the_entry_lets_a_fault_through():
    v = compare(faults=PLAN, entry_caught={}, flags=CLEAN_BOARD, played=PLAYED)
    assert not v.ok and v.missed == ["minutes_sum_mismatch@A3"]


def test_compare_fails_on_a_false_alarm_or_a_wrong_reason():
    alarm = [*CLEAN_BOARD, Flag("A4", "HDND", "red", ("REC.LIST_NE_MINUTES",))]
    v = compare(faults=PLAN, entry_caught={"A3": {"F.201"}}, flags=alarm, played=PLAYED)
    assert not v.ok and [f.area for f in v.false_alarms] == ["A4"]
    # caught, but the area is also flagged for something that was not planted there
    extra = [*CLEAN_BOARD, Flag("A2", "HDND", "red", ("REC.LIST_NE_MINUTES",))]
    v = compare(faults=PLAN, entry_caught={"A3": {"F.201"}}, flags=extra, played=PLAYED)
    assert not v.ok and v.missed == [] and len(v.false_alarms) == 1
    # an area the drill did not play is none of its business
    other = [*CLEAN_BOARD, Flag("Z9", "QH", "red", ("REC.MINUTES_MISSING",))]
    assert compare(faults=PLAN, entry_caught={"A3": {"F.201"}}, flags=other, played=PLAYED).ok


# --- the figures ---------------------------------------------------------------------------

SHEET = fig.ContestSheet("QH", True, 812, 3, ("A", "B", "C", "D", "E"))


def _check(m: fig.Minutes, *, turnout: int) -> set[str]:
    names = {n: n for n in SHEET.candidates}
    figures = rules.Figures(
        voters_listed=m.voters_listed,
        voters_voted=m.voters_voted,
        ballots_issued=m.ballots_issued,
        ballots_received=m.ballots_received,
        ballots_valid=m.ballots_valid,
        ballots_invalid=m.ballots_invalid,
        votes=m.votes,
        voters_listed_reason=m.voters_listed_reason,
    )
    found = rules.check_minutes(
        figures,
        seats=SHEET.seats,
        candidate_names=names,
        expected_listed=SHEET.listed,
        turnout_reported=turnout,
    )
    return {f.code for f in found if f.code != "W.201"}


@pytest.mark.parametrize("seed", range(20))
def test_clean_minutes_pass_every_check_and_faults_break_their_rule(seed):
    rng = random.Random(seed)
    series = fig.turnout_series(SHEET.listed, 6, rng)
    assert series == sorted(series) and series[-1] <= SHEET.listed
    final = series[-1]
    clean = fig.clean_minutes(SHEET, listed_total=SHEET.listed, final=final, rng=rng)
    assert _check(clean, turnout=final) == set()
    assert _check(fig.invalid_off_received(clean), turnout=final) == {"F.201"}
    assert _check(fig.listed_off_list_no_reason(clean), turnout=final) == {"F.210"}
    assert _check(fig.listed_off_list(clean), turnout=final) == set()  # a reason is given
    assert _check(fig.voted_off_turnout(SHEET, clean, rng), turnout=final) == {"W.203"}
    slip = fig.keyed_differently(clean)
    assert _check(slip, turnout=final) == set() and slip.votes != clean.votes


def test_the_plan_puts_one_fault_per_area_and_keeps_half_clean():
    areas = [f"A{i:02d}" for i in range(30)]
    plan = fl.plan_faults(
        areas=areas,
        eligible=areas,
        contests=dict.fromkeys(areas, "QH"),
        slots=["09:00", "11:00"],
        rng=random.Random(1),
    )
    assert sorted(f.kind for f in plan.values()) == sorted(k.code for k in fl.KINDS)
    assert all(plan[a].area == a for a in plan)
    with pytest.raises(ValueError, match="play more areas"):
        fl.plan_faults(
            areas=areas[:15], eligible=areas[:15], contests={}, slots=["09:00"], rng=random.Random()
        )
