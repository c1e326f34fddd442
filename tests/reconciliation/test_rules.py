"""Each rule of the board with a minimal case, and a consistent area always green (no DB)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciliation import rules
from reconciliation.rules import AreaFacts, Tolerances, evaluate, state_of

SLOTS = ("07:00", "11:00", "15:00", "19:00", "closed")
ALL_DUE = frozenset(SLOTS)


def consistent(n: int = 500, voted: int = 480, invalid: int = 5) -> AreaFacts:
    """One polling area where every link of the chain agrees (NA contest, after close)."""
    return AreaFacts(
        polling_area_code="26734-01",
        contest_code="QH",
        contest_kind=rules.NATIONAL_ASSEMBLY,
        list_at_posting=n - 3 + 1,
        list_now=n,
        list_now_contest=n,
        ledger_added=3,
        ledger_removed=1,
        cards_printed=n,
        cards_reprinted=0,
        slots=SLOTS,
        turnout=(voted // 5, voted // 2, 3 * voted // 4, voted, voted),
        minutes_status=rules.DEFINITIVE,
        voters_listed=n,
        voters_voted=voted,
        ballots_issued=voted,
        ballots_received=voted,
        ballots_valid=voted - invalid,
        ballots_invalid=invalid,
    )


def codes(facts: AreaFacts, due=ALL_DUE, **kw) -> dict[str, str]:
    return {f.code: f.severity for f in evaluate(facts, now_slots_due=due, **kw)}


def test_consistent_area_is_green():
    findings = evaluate(consistent(), now_slots_due=ALL_DUE)
    assert findings == []
    assert state_of(findings) == rules.GREEN


def test_minutes_missing_after_close_is_red():
    facts = dataclasses.replace(
        consistent(),
        minutes_status=rules.MISSING,
        **dict.fromkeys(
            ["voters_listed", "voters_voted", "ballots_issued", "ballots_received",
             "ballots_valid", "ballots_invalid"],
        ),
    )  # fmt: skip
    assert codes(facts) == {rules.MINUTES_MISSING: rules.RED}
    assert state_of(evaluate(facts, now_slots_due=ALL_DUE)) == rules.RED


def test_minutes_missing_before_close_raises_nothing():
    morning = dataclasses.replace(
        consistent(),
        turnout=(96, None, None, None, None),
        minutes_status=rules.MISSING,
        voters_listed=None,
        voters_voted=None,
        ballots_issued=None,
        ballots_received=None,
        ballots_valid=None,
        ballots_invalid=None,
    )
    findings = evaluate(morning, now_slots_due={"07:00"})
    assert findings == []
    assert state_of(findings) == rules.GREEN


def test_minutes_in_entry_amber_and_different_red():
    blank = dict.fromkeys(
        ["voters_listed", "voters_voted", "ballots_issued", "ballots_received",
         "ballots_valid", "ballots_invalid"],
    )  # fmt: skip
    first = dataclasses.replace(consistent(), minutes_status=rules.IN_ENTRY, **blank)
    differ = dataclasses.replace(consistent(), minutes_status=rules.DIFFERENT, **blank)
    assert codes(first) == {rules.MINUTES_NOT_DEFINITIVE: rules.AMBER}
    assert codes(differ) == {rules.MINUTES_NOT_DEFINITIVE: rules.RED}
    assert "differ" in evaluate(differ, now_slots_due=ALL_DUE)[0].message


def test_list_now_differs_from_minutes_listed_is_red():
    facts = dataclasses.replace(consistent(), voters_listed=499, voters_listed_reason="late move")
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.LIST_NE_MINUTES, rules.RED)
    assert finding.detail == {"list_now": 500, "voters_listed": 499, "reason": "late move"}
    # a tolerance of one voter accepts it
    assert codes(facts, tolerances=Tolerances(listed=1)) == {}


def test_final_turnout_differs_from_minutes_voted_is_red():
    facts = dataclasses.replace(consistent(), turnout=(96, 240, 360, 480, 470))
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.TURNOUT_NE_MINUTES, rules.RED)
    assert finding.detail == {"turnout": 470, "voters_voted": 480}
    assert codes(facts, tolerances=Tolerances(turnout=10)) == {}


def test_turnout_rule_only_on_national_assembly_minutes():
    council = dataclasses.replace(
        consistent(),
        contest_code="HDND-27496",
        contest_kind="people_council",
        list_now_contest=490,
        voters_listed=490,
        voters_voted=470,
        ballots_issued=470,
        ballots_received=470,
        ballots_valid=465,
    )
    assert codes(council) == {}


def test_final_figure_is_closing_else_last_timed_slot():
    facts = dataclasses.replace(consistent(), turnout=(96, 240, 360, 480, None))
    assert facts.turnout_final == 480
    assert codes(facts) == {rules.SLOT_MISSING: rules.AMBER}
    earlier = dataclasses.replace(consistent(), turnout=(96, 240, 360, None, None))
    assert earlier.turnout_final is None
    assert earlier.turnout_last == ("15:00", 360)
    # no final figure: the minutes are not compared with a 15:00 count
    assert rules.TURNOUT_NE_MINUTES not in codes(earlier)


def test_cards_differ_from_voters_is_amber():
    facts = dataclasses.replace(consistent(), cards_printed=498)
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.CARDS_NE_VOTERS, rules.AMBER)
    assert state_of([finding]) == rules.AMBER
    # two voters added after the print, their cards printed one by one: covered
    assert codes(dataclasses.replace(facts, cards_reprinted=2)) == {}
    # more cards than voters (a voter removed after the print) is never covered
    assert codes(dataclasses.replace(consistent(), cards_printed=501, cards_reprinted=3)) == {
        rules.CARDS_NE_VOTERS: rules.AMBER
    }
    # no cards printed yet: nothing to compare
    assert codes(dataclasses.replace(consistent(), cards_printed=None)) == {}


def test_slot_missing_only_once_due_and_amber():
    facts = dataclasses.replace(consistent(), turnout=(96, None, 360, 480, 480))
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.SLOT_MISSING, rules.AMBER)
    assert finding.detail == {"slots": ["11:00"]}
    assert codes(facts, due={"07:00"}) == {}


def test_ballots_unbalanced_is_red():
    facts = dataclasses.replace(consistent(), ballots_valid=470, ballots_invalid=5)
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.BALLOTS_UNBALANCED, rules.RED)
    assert finding.detail == {"valid": 470, "invalid": 5, "received": 480}


def test_turnout_above_list_is_red():
    facts = dataclasses.replace(consistent(), turnout=(96, 240, 360, 480, 505))
    found = codes(facts)
    assert found[rules.TURNOUT_ABOVE_LIST] == rules.RED
    [above] = [
        f for f in evaluate(facts, now_slots_due=ALL_DUE) if f.code == rules.TURNOUT_ABOVE_LIST
    ]
    assert above.detail == {"slot": "closed", "turnout": 505, "list_now": 500}


def test_ballots_issued_differ_from_voted_is_amber():
    facts = dataclasses.replace(consistent(), ballots_issued=481)
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert (finding.code, finding.severity) == (rules.ISSUED_NE_VOTED, rules.AMBER)
    assert finding.detail == {"issued": 481, "voted": 480}


def test_state_of_and_worst():
    amber = rules.Finding(rules.SLOT_MISSING, rules.AMBER, "m")
    red = rules.Finding(rules.BALLOTS_UNBALANCED, rules.RED, "m")
    assert state_of([]) == rules.GREEN
    assert state_of([amber]) == rules.AMBER
    assert state_of([amber, red]) == rules.RED
    assert rules.worst([rules.GREEN, rules.AMBER, rules.GREEN]) == rules.AMBER
    assert rules.worst([]) == rules.GREEN


def test_every_rule_has_a_message_and_concerned_figures():
    for code in rules.CODES:
        assert code in rules.CONCERNS
        assert any(key.split(":")[0] == code for key in rules.MESSAGES)


def test_message_is_rendered_with_vietnamese_numbers():
    facts = dataclasses.replace(consistent(n=5000, voted=4800), voters_listed=4999)
    [finding] = evaluate(facts, now_slots_due=ALL_DUE)
    assert "5.000" in finding.text() and "4.999" in finding.text()
    assert finding.as_dict()["code"] == rules.LIST_NE_MINUTES


@st.composite
def consistent_areas(draw):
    n = draw(st.integers(min_value=0, max_value=5000))
    voted = draw(st.integers(min_value=0, max_value=n))
    invalid = draw(st.integers(min_value=0, max_value=voted))
    added = draw(st.integers(min_value=0, max_value=n))
    removed = draw(st.integers(min_value=0, max_value=50))
    scope_out = draw(st.integers(min_value=0, max_value=n))  # not in this council contest
    kind = draw(st.sampled_from([rules.NATIONAL_ASSEMBLY, "people_council"]))
    slots = draw(st.lists(st.sampled_from(["07:00", "09:00", "11:00", "15:00", "19:00"]),
                          unique=True, min_size=0, max_size=5).map(sorted))  # fmt: skip
    keys = (*slots, rules.CLOSED)
    # cumulative, never decreasing, ending at `voted`
    steps = sorted(draw(st.lists(st.integers(0, voted), min_size=len(slots), max_size=len(slots))))
    turnout = (*steps, voted)
    reprinted = draw(st.integers(min_value=0, max_value=added))
    listed_contest = n if kind == rules.NATIONAL_ASSEMBLY else n - scope_out
    voted_contest = voted if kind == rules.NATIONAL_ASSEMBLY else min(voted, listed_contest)
    invalid = min(invalid, voted_contest)
    issued = voted_contest
    due = draw(st.sets(st.sampled_from(keys)))
    return (
        AreaFacts(
            polling_area_code="A",
            contest_code="C",
            contest_kind=kind,
            list_at_posting=n - added + removed,
            list_now=n,
            list_now_contest=listed_contest,
            ledger_added=added,
            ledger_removed=removed,
            cards_printed=n - reprinted,
            cards_reprinted=reprinted,
            slots=keys,
            turnout=turnout,
            minutes_status=rules.DEFINITIVE,
            voters_listed=listed_contest,
            voters_voted=voted_contest,
            ballots_issued=issued,
            ballots_received=issued,
            ballots_valid=issued - invalid,
            ballots_invalid=invalid,
        ),
        due,
    )


@settings(deadline=None)  # a shared, loaded machine: time is not what is tested
@given(consistent_areas())
def test_a_fully_consistent_area_is_always_green(case):
    facts, due = case
    findings = evaluate(facts, now_slots_due=due)
    assert findings == []
    assert state_of(findings) == rules.GREEN
