"""The law on counting and winners, without a database (domain.md §5.8, §6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from results import rules
from results.rules import CandidateIn, Figures, decide

D = dt.date


def cand(key, votes, born=None, year=None):
    return CandidateIn(key, f"C{key}", votes, born, year)


def run(cands, *, seats=3, listed=1000, voted=900, valid=880, kind="people_council", rnd="main"):
    return decide(
        contest_kind=kind,
        seats=seats,
        voters_listed=listed,
        voters_voted=voted,
        ballots_valid=valid,
        candidates=cands,
        round=rnd,
    )


# --- Art 78(1): turnout --------------------------------------------------------------------


def test_exactly_half_turnout_is_not_valid_and_asks_a_revote():
    d = run([cand(1, 400), cand(2, 300)], listed=1000, voted=500, valid=490)
    assert not d.valid and d.needs_revote and d.elected == []
    assert d.notes[-1].code == "turnout_low" and "78" in d.notes[-1].text


def test_one_more_than_half_turnout_is_valid():
    d = run([cand(1, 400)], seats=1, listed=1000, voted=501, valid=500)
    assert d.valid and not d.needs_revote


def test_revote_is_recognised_even_with_low_turnout():
    d = run([cand(1, 300), cand(2, 100)], seats=1, listed=1000, voted=400, valid=400, rnd="revote")
    assert d.valid and not d.needs_revote and d.elected == [1]


# --- Art 78(2): more than half of valid ballots ----------------------------------------------


def test_exactly_half_of_valid_ballots_does_not_win():
    d = run([cand(1, 440), cand(2, 441), cand(3, 10)], seats=3, valid=880)
    assert d.elected == [2]


def test_ranking_by_votes_when_more_pass_than_seats():
    d = run([cand(1, 600), cand(2, 700), cand(3, 650), cand(4, 800)], seats=2, valid=880)
    assert d.elected == [4, 2]
    assert any(n.code == "ranking" and "78" in n.text for n in d.notes)


# --- Art 78(4): tie at the last seat → the older ------------------------------------------------


def test_tie_at_last_seat_goes_to_the_older():
    d = run(
        [cand(1, 800), cand(2, 700, D(1970, 1, 1)), cand(3, 700, D(1965, 5, 5))],
        seats=2,
        valid=880,
    )
    assert d.elected == [1, 3] and not d.undecided
    assert any(n.code == "tie_age" and "78" in n.text for n in d.notes)


def test_tie_with_same_birth_date_is_left_to_a_person():
    d = run(
        [cand(1, 800), cand(2, 700, D(1970, 1, 1)), cand(3, 700, D(1970, 1, 1))],
        seats=2,
        valid=880,
    )
    assert d.elected == [1]
    assert d.undecided == [2, 3] and d.seats_undecided == 1
    assert d.seats_unfilled == 0 and not d.needs_additional


def _tie():
    return run(
        [cand(1, 800), cand(2, 700, D(1970, 1, 1)), cand(3, 700, D(1970, 1, 1))],
        seats=2,
        valid=880,
    )


def test_committee_decision_settles_the_tie_with_a_note():
    d = rules.apply_tie_decision(
        _tie(), [3], names={2: "C2", 3: "C3"}, date="24/05/2021", reason="bốc thăm"
    )
    assert d.elected == [1, 3] and not d.undecided and d.seats_undecided == 0
    assert d.seats_unfilled == 0
    (note,) = [n for n in d.notes if n.code == "tie_decided"]
    assert "24/05/2021" in note.text and "C3" in note.text and "bốc thăm" in note.text


def test_the_decision_note_comes_where_the_rule_applies_before_the_seats_count():
    """Art 78(4) (the tie and the Committee's decision on it) before Art 79 (seats filled)."""
    d = rules.apply_tie_decision(_tie(), [3], names={3: "C3"}, date="24/05/2021", reason="x")
    assert [n.code for n in d.notes] == [
        "turnout_ok",
        "threshold",
        "ranking",
        "tie_undecided",
        "tie_decided",
        "all_filled",
    ]
    stale = rules.apply_tie_decision(_tie(), [1], names={}, date="24/05/2021", reason="x")
    codes = [n.code for n in stale.notes]
    assert codes.index("tie_undecided") + 1 == codes.index("tie_decision_stale")
    assert codes[-1] == "all_filled"


@pytest.mark.parametrize(
    "chosen",
    [[1], [4], [2, 3], []],
    ids=["already-elected", "not-a-candidate", "too-many", "none"],
)
def test_a_choice_outside_the_tie_or_of_the_wrong_size_is_refused(chosen):
    with pytest.raises(rules.TieChoiceError):
        rules.check_tie_choice(_tie(), chosen)
    stale = rules.apply_tie_decision(_tie(), chosen, names={}, date="24/05/2021", reason="x")
    assert stale.elected == [1] and stale.undecided == [2, 3]  # the tie stays undecided
    assert any(n.code == "tie_decision_stale" for n in stale.notes)


def test_no_tie_no_choice():
    d = run([cand(1, 800), cand(2, 700)], seats=2, valid=880)
    with pytest.raises(rules.TieChoiceError):
        rules.check_tie_choice(d, [2])


def test_year_only_birth_in_the_same_year_is_undecidable_but_other_years_decide():
    same = run([cand(1, 700, D(1970, 3, 1)), cand(2, 700, None, 1970)], seats=1, valid=880)
    assert same.undecided == [1, 2]
    other = run([cand(1, 700, D(1970, 3, 1)), cand(2, 700, None, 1969)], seats=1, valid=880)
    assert other.elected == [2]


def test_a_tie_that_fits_the_seats_elects_all():
    d = run([cand(1, 700, D(1970, 1, 1)), cand(2, 700, D(1970, 1, 1))], seats=2, valid=880)
    assert sorted(d.elected) == [1, 2] and not d.undecided


# --- Art 79: additional election --------------------------------------------------------------


def test_council_under_two_thirds_needs_additional_election():
    d = run([cand(1, 500), cand(2, 100), cand(3, 100), cand(4, 90)], seats=3, valid=880)
    assert d.elected == [1] and d.needs_additional  # 1 < 2/3 × 3


def test_council_at_two_thirds_needs_no_additional_election():
    d = run([cand(1, 500), cand(2, 450), cand(3, 100), cand(4, 90)], seats=3, valid=880)
    assert d.elected == [1, 2] and d.seats_unfilled == 1 and not d.needs_additional


def test_council_five_seats_three_elected_is_under_two_thirds():
    cs = [cand(i, 500 - i) for i in range(3)] + [cand(9, 10), cand(8, 10), cand(7, 10)]
    d = run(cs, seats=5, valid=880)
    assert len(d.elected) == 3 and d.needs_additional  # 3*3=9 < 10


def test_national_assembly_any_shortfall_needs_additional_election():
    d = run(
        [cand(1, 500), cand(2, 450), cand(3, 100), cand(4, 90), cand(5, 1)],
        seats=3,
        valid=880,
        kind="national_assembly",
    )
    assert d.seats_unfilled == 1 and d.needs_additional
    assert any(n.code == "shortfall_na" and "79" in n.text for n in d.notes)


def _na_short():
    return run(
        [cand(1, 500), cand(2, 450), cand(3, 100), cand(4, 90), cand(5, 1)],
        seats=3,
        valid=880,
        kind="national_assembly",
    )


def test_no_additional_election_decided_closes_the_na_shortfall_with_a_note():
    """2021: 499 of 500 seats, no additional election held (domain.md §6.8)."""
    d = rules.apply_no_additional(
        _na_short(),
        contest_kind="national_assembly",
        decided_unfilled=1,
        date="10/06/2021",
        reason="NQ 748/NQ-HĐBCQG",
    )
    assert d.elected == [1, 2] and d.seats_unfilled == 1
    assert not d.needs_additional and d.no_additional
    codes = [n.code for n in d.notes]
    assert codes.index("shortfall_na") < codes.index("no_additional_decided") == len(codes) - 1
    text = d.notes[-1].text
    assert "79" in text and "10/06/2021" in text and "NQ 748/NQ-HĐBCQG" in text


def test_no_additional_decision_for_another_shortfall_no_longer_applies():
    for other in (2, None):
        d = rules.apply_no_additional(
            _na_short(),
            contest_kind="national_assembly",
            decided_unfilled=other,
            date="10/06/2021",
            reason="x",
        )
        assert d.needs_additional and not d.no_additional
        assert d.notes[-1].code == "no_additional_stale"


def test_no_additional_only_for_a_national_assembly_shortfall():
    council = run([cand(1, 500), cand(2, 100), cand(3, 90)], seats=3, valid=880)
    assert council.needs_additional
    with pytest.raises(rules.NoAdditionalError):
        rules.check_no_additional(council, contest_kind="people_council")
    kept = rules.apply_no_additional(
        council, contest_kind="people_council", decided_unfilled=2, date="d", reason="x"
    )
    assert kept.needs_additional and not kept.no_additional and kept.notes == council.notes
    full = run([cand(1, 500), cand(2, 450), cand(3, 460)], seats=3, kind="national_assembly")
    with pytest.raises(rules.NoAdditionalError):
        rules.check_no_additional(full, contest_kind="national_assembly")
    assert (
        rules.apply_no_additional(
            full, contest_kind="national_assembly", decided_unfilled=0, date="d", reason="x"
        )
        == full
    )


def test_no_second_additional_election():
    d = run([cand(1, 100), cand(2, 90)], seats=1, valid=880, rnd="additional")
    assert d.elected == [] and not d.needs_additional


def test_combine_completes_the_first_result():
    first = run([cand(1, 500), cand(2, 100), cand(3, 90)], seats=2, valid=880)
    second = run([cand(2, 500), cand(3, 300)], seats=1, valid=880, rnd="additional")
    both = rules.combine(first, second)
    assert both.elected == [1, 2] and both.seats_unfilled == 0 and not both.needs_additional


# --- properties --------------------------------------------------------------------------------

birth = st.one_of(st.none(), st.dates(min_value=D(1940, 1, 1), max_value=D(2000, 12, 31)))


@st.composite
def contests(draw):
    seats = draw(st.integers(1, 5))
    n = draw(st.integers(seats + 1, seats + 4))
    valid = draw(st.integers(0, 5000))
    cands = [
        CandidateIn(i, f"C{i}", draw(st.integers(0, valid)), draw(birth), None) for i in range(n)
    ]
    listed = draw(st.integers(1, 10000))
    voted = draw(st.integers(0, listed))
    kind = draw(st.sampled_from(["national_assembly", "people_council"]))
    return dict(seats=seats, valid=valid, cands=cands, listed=listed, voted=voted, kind=kind)


@given(contests())
@settings(max_examples=300, deadline=None)
def test_winners_never_exceed_seats_and_all_have_more_than_half(c):
    d = run(
        c["cands"],
        seats=c["seats"],
        listed=c["listed"],
        voted=c["voted"],
        valid=c["valid"],
        kind=c["kind"],
    )
    by = {x.key: x for x in c["cands"]}
    assert len(d.elected) + d.seats_undecided <= c["seats"]
    assert len(set(d.elected)) == len(d.elected)
    assert not set(d.elected) & set(d.undecided)
    for k in d.elected:
        assert 2 * by[k].votes > c["valid"]
    if not d.valid:
        assert d.elected == [] and d.needs_revote and 2 * c["voted"] <= c["listed"]
    # nobody not elected has more votes than someone elected
    if d.elected:
        lowest = min(by[k].votes for k in d.elected)
        for x in c["cands"]:
            if x.key not in d.elected and x.key not in d.undecided and 2 * x.votes > c["valid"]:
                assert x.votes <= lowest
    if d.valid and d.seats_unfilled > 0 and c["kind"] == "national_assembly":
        assert d.needs_additional
    if d.valid and c["kind"] == "people_council":
        filled = len(d.elected) + d.seats_undecided
        assert d.needs_additional == (3 * filled < 2 * c["seats"])


@given(contests(), st.data())
@settings(max_examples=200, deadline=None)
def test_adding_votes_to_a_winner_never_unseats_them(c, data):
    d = run(c["cands"], seats=c["seats"], listed=c["listed"], voted=c["voted"], valid=c["valid"])
    assume(d.elected)
    k = data.draw(st.sampled_from(d.elected))
    extra = data.draw(st.integers(1, 100))
    more = [
        CandidateIn(x.key, x.name, x.votes + extra if x.key == k else x.votes, x.birth_date, None)
        for x in c["cands"]
    ]
    d2 = run(more, seats=c["seats"], listed=c["listed"], voted=c["voted"], valid=c["valid"] + extra)
    assert k in d2.elected


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_more_than_half_is_exact(x, n):
    assert rules.more_than_half(x, n) == (Decimal(x) > Decimal(n) / 2)


# --- checks of one minute ---------------------------------------------------------------------


def fig(**kw):
    base = dict(
        voters_listed=1200,
        voters_voted=1187,
        ballots_issued=1187,
        ballots_received=1186,
        ballots_valid=1180,
        ballots_invalid=6,
        votes={1: 1002, 2: 900, 3: 738},
        valid_by_names_kept={1: 30, 2: 450, 3: 700},
    )
    base.update(kw)
    return Figures(**base)


NAMES = {1: "A", 2: "B", 3: "C"}


def codes(f, **kw):
    return [x.code for x in rules.check_minutes(f, seats=3, candidate_names=NAMES, **kw)]


def test_a_correct_minute_has_no_findings():
    # Σ k × n = 30 + 900 + 2100 = 3030 = 1002 + 900 + 1128? make votes agree
    f = fig(votes={1: 1002, 2: 900, 3: 1128})
    assert codes(f) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (dict(ballots_valid=1181), "F.201"),
        (dict(ballots_received=1190, ballots_valid=1184), "F.202"),
        (dict(voters_voted=1201), "F.203"),
        (dict(votes={1: 1181, 2: 900, 3: 949}), "F.204"),
        (dict(votes={1: 1002, 2: 900, 3: 1127}), "F.205"),
        (dict(valid_by_names_kept=None, votes={1: 1180, 2: 1180, 3: 1180}), None),
        (dict(valid_by_names_kept=None, votes={1: 100, 2: 100, 3: 100}), "F.207"),
        (dict(valid_by_names_kept={1: 30, 2: 450, 3: 600}), "F.208"),
        (dict(valid_by_names_kept={1: 30, 2: 450, 4: 700}), "F.209"),
        (dict(ballots_invalid=None), "F.101"),
        (dict(votes={1: 1002, 2: None, 3: 1128}), "F.102"),
    ],
)
def test_each_error_is_found(change, code):
    f = fig(votes={1: 1002, 2: 900, 3: 1128})
    f = Figures(**{**f.__dict__, **change})
    found = codes(f)
    if code is None:
        assert [c for c in found if c.startswith("F")] == []
    else:
        assert code in found


def test_votes_above_seats_times_valid():
    f = fig(
        valid_by_names_kept=None,
        ballots_valid=10,
        ballots_invalid=1176,
        votes={1: 10, 2: 10, 3: 10},
    )
    assert "F.206" not in codes(f)
    f2 = Figures(**{**f.__dict__, "seats": None} if False else f.__dict__)
    assert "F.206" in [x.code for x in rules.check_minutes(f2, seats=2, candidate_names=NAMES)]


def test_warnings_and_thresholds():
    f = fig(
        votes={1: 1002, 2: 900, 3: 1128},
        ballots_issued=1190,
        ballots_valid=1150,
        ballots_invalid=36,
        valid_by_names_kept=None,
    )
    found = codes(f)
    assert "W.201" in found  # 36/1186 = 3.04 % > 3 %
    assert "W.202" in found
    assert "W.201" not in codes(f, thresholds=rules.Thresholds(Decimal("3.04")))
    assert "W.203" in codes(f, turnout_reported=1180)
    assert "W.203" not in codes(
        f, turnout_reported=1180, thresholds=rules.Thresholds(turnout_tolerance=7)
    )
    assert "W.204" in codes(f, identical_to=["26734-02"])


def test_listed_changed_from_the_voter_list_needs_a_reason():
    f = fig(votes={1: 1002, 2: 900, 3: 1128})
    assert "F.210" in codes(f, expected_listed=1199)
    g = Figures(**{**f.__dict__, "voters_listed_reason": "1 cử tri chết ngày 22/5"})
    assert "F.210" not in codes(g, expected_listed=1199)


def test_identical_vectors():
    out = rules.identical_vectors({"a": [1, 2], "b": [1, 2], "c": [2, 1], "d": [0, 0], "e": [0, 0]})
    assert out == {"a": ["b"], "b": ["a"]}


# --- state machine ---------------------------------------------------------------------------


def test_double_entry_state_machine():
    assert rules.next_state_after_entry("empty", same_person=False, equal=None) == "first_entry"
    assert (
        rules.next_state_after_entry("first_entry", same_person=False, equal=True) == "definitive"
    )
    assert (
        rules.next_state_after_entry("first_entry", same_person=False, equal=False) == "different"
    )
    with pytest.raises(rules.TransitionError):
        rules.next_state_after_entry("first_entry", same_person=True, equal=True)
    for s in ("different", "definitive"):
        with pytest.raises(rules.TransitionError):
            rules.next_state_after_entry(s, same_person=False, equal=True)
    assert rules.next_state_after_resolve("different", "keep_second") == "definitive"
    assert rules.next_state_after_resolve("different", "discard_first") == "first_entry"
    assert rules.next_state_after_resolve("different", "discard_both") == "empty"
    with pytest.raises(rules.TransitionError):
        rules.next_state_after_resolve("definitive", "keep_first")
    with pytest.raises(rules.TransitionError):
        rules.next_state_after_reopen("definitive", "  ")
    assert rules.next_state_after_reopen("definitive", "sai số liệu") == "empty"


def test_entries_equal_ignores_the_reason_text_only():
    a = fig()
    b = Figures(**{**a.__dict__, "voters_listed_reason": "x"})
    c = Figures(**{**a.__dict__, "votes": {1: 1002, 2: 901, 3: 738}})
    assert rules.entries_equal(a, b)
    assert not rules.entries_equal(a, c)
    assert rules.entry_differences(a.as_data(), c.as_data()) == ["votes.2"]
