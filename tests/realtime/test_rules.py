"""Turnout rules as pure functions: no database (hypothesis for the arithmetic)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime import rules
from realtime.rules import Context, Figures, Submission

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2021, 5, 23)
KEYS = rules.slot_keys(["14:00", "09:00", "11:00", "17:00", "19:00"])


def at(hh: int, mm: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=VN)


def ctx(**kw) -> Context:
    base = {"keys": KEYS, "polling_day": DAY, "rehearsal": False, "now": at(20), "listed": 1000}
    return Context(**(base | kw))


def test_slot_keys_sorted_then_closed():
    assert KEYS == ["09:00", "11:00", "14:00", "17:00", "19:00", "closed"]
    assert rules.slot_keys(["25:00", "bad", "07:30"]) == ["07:30", "closed"]


def test_current_and_next_slot():
    assert rules.current_slot(KEYS, DAY, at(8, 59)) is None
    assert rules.current_slot(KEYS, DAY, at(9)) == "09:00"
    assert rules.current_slot(KEYS, DAY, at(16, 30)) == "14:00"
    assert rules.current_slot(KEYS, DAY, at(18, 59)) == "17:00"
    assert rules.current_slot(KEYS, DAY, at(12, day=DAY - dt.timedelta(days=1))) is None
    assert rules.next_slot_instant(KEYS, DAY, at(10)) == at(11)
    assert rules.next_slot_instant(KEYS, DAY, at(19, 1)) is None


def test_after_voting_ends_the_final_figure_is_the_current_slot():
    # polls close at 19:00 by default (domain.md §4.1)
    assert rules.current_slot(KEYS, DAY, at(19)) == "closed"
    assert rules.current_slot(KEYS, DAY, at(23)) == "closed"
    assert rules.current_slot(KEYS, DAY, at(8, day=DAY + dt.timedelta(days=1))) == "closed"
    # extended to 21:00: the 19:00 slot is current until then, and the change is announced
    late = dt.time(21, 0)
    assert rules.current_slot(KEYS, DAY, at(20, 59), late) == "19:00"
    assert rules.current_slot(KEYS, DAY, at(21), late) == "closed"
    assert rules.next_slot_instant(KEYS, DAY, at(19, 30), late) == at(21)
    assert rules.chased_since(KEYS, "closed", DAY, VN, late) == at(21)
    # slots without a 19:00 one: "closed" comes at the closing time, not at the last slot
    short = rules.slot_keys(["09:00", "15:00"])
    assert rules.current_slot(short, DAY, at(18, 59)) == "15:00"
    assert rules.current_slot(short, DAY, at(19)) == "closed"
    assert rules.next_slot_instant(short, DAY, at(16)) == at(19)
    # a closing time before the last slot does not skip it
    assert rules.current_slot(KEYS, DAY, at(18, 30), dt.time(18, 0)) == "17:00"
    assert rules.current_slot(KEYS, DAY, at(19), dt.time(18, 0)) == "closed"


def test_closing_time_setting():
    assert rules.closing_time("") == dt.time(19, 0)
    assert rules.closing_time("20:30") == dt.time(20, 30)
    assert rules.closing_time("22:00") == dt.time(21, 0)  # never past 21:00
    with pytest.raises(ValueError):
        rules.closing_time("7pm")


@st.composite
def monotone_reports(draw):
    """Cumulative counts for a prefix of the slots, never decreasing, within the list."""
    listed = draw(st.integers(min_value=0, max_value=5000))
    n = draw(st.integers(min_value=1, max_value=len(KEYS)))
    steps = sorted(draw(st.lists(st.integers(0, listed), min_size=n, max_size=n)))
    return listed, dict(zip(KEYS[:n], steps, strict=True))


@given(monotone_reports())
def test_monotone_sequences_are_accepted_in_order(data):
    listed, reports = data
    existing: dict[str, Figures] = {}
    for key, voted in reports.items():
        verdict = rules.check(Submission(key, voted), ctx(listed=listed, existing=dict(existing)))
        assert verdict.ok, (key, voted, verdict.errors)
        existing[key] = Figures(voted)


@given(monotone_reports(), st.data())
def test_a_lower_count_than_an_earlier_slot_is_refused(data, more):
    listed, reports = data
    keys = list(reports)
    if len(keys) < 2 or reports[keys[-2]] == 0:
        return
    existing = {k: Figures(v) for k, v in reports.items() if k != keys[-1]}
    lower = more.draw(st.integers(0, reports[keys[-2]] - 1))
    verdict = rules.check(Submission(keys[-1], lower), ctx(listed=listed, existing=existing))
    assert "decreasing" in verdict.errors


@given(st.integers(0, 3000), st.integers(1, 500))
def test_never_above_the_list(listed, extra):
    assert (
        "above_list" in rules.check(Submission("11:00", listed + extra), ctx(listed=listed)).errors
    )
    assert rules.check(Submission("11:00", listed), ctx(listed=listed)).ok


def test_a_correction_may_not_exceed_a_later_slot():
    existing = {"09:00": Figures(100), "11:00": Figures(300)}
    verdict = rules.check(Submission("09:00", 350, reason="typo"), ctx(existing=existing))
    assert verdict.errors == ("above_later",)
    verdict = rules.check(Submission("09:00", 120, reason="typo"), ctx(existing=existing))
    assert verdict.ok and verdict.correction


def test_correction_needs_a_reason_and_the_same_figures_are_unchanged():
    existing = {"09:00": Figures(100, 40)}
    assert rules.check(Submission("09:00", 110), ctx(existing=existing)).errors == (
        "reason_required",
    )
    same = rules.check(Submission("09:00", 100, 40), ctx(existing=existing))
    assert same.ok and same.unchanged and not same.correction


def test_female_split_is_bounded_and_monotone():
    c = ctx(listed_female=500)
    assert "female_above_voted" in rules.check(Submission("11:00", 10, 11), c).errors
    assert "female_above_list" in rules.check(Submission("11:00", 900, 501), c).errors
    assert "split_mismatch" in rules.check(Submission("11:00", 10, 4, 5), c).errors
    assert rules.check(Submission("11:00", 10, 4, 6), c).ok
    earlier = ctx(existing={"09:00": Figures(5, 5)})
    assert "decreasing" in rules.check(Submission("11:00", 10, 4), earlier).errors


def test_male_figure_is_bounded_by_voted_and_the_list():
    c = ctx(listed_female=520, listed_male=480)
    # the audit's case: 90 men of 10 voters
    assert rules.check(Submission("11:00", 10, voted_male=90), c).errors == ("male_above_voted",)
    assert rules.check(Submission("11:00", 10, voted_male=10), c).ok
    assert rules.check(Submission("11:00", 900, voted_male=481), c).errors == ("male_above_list",)
    assert rules.check(Submission("11:00", 900, voted_male=480), c).ok
    # no men's list size known: only the bound by voted applies
    assert rules.check(Submission("11:00", 900, voted_male=600), ctx()).ok
    # the men's figure is cumulative too
    earlier = ctx(existing={"09:00": Figures(50, None, 30)})
    assert "decreasing" in rules.check(Submission("11:00", 60, None, 29), earlier).errors
    later = ctx(existing={"14:00": Figures(80, None, 30)})
    assert "above_later" in rules.check(Submission("11:00", 60, None, 31), later).errors


def test_women_and_men_together_are_all_who_voted():
    c = ctx(listed_female=520, listed_male=480)
    # each part within voted, together above it
    assert rules.check(Submission("11:00", 10, 6, 6), c).errors == ("split_above_voted",)
    assert rules.check(Submission("11:00", 10, 4, 5), c).errors == ("split_mismatch",)
    assert rules.check(Submission("11:00", 10, 4, 6), c).ok


@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_an_accepted_split_never_exceeds_voted(voted, female, male):
    verdict = rules.check(Submission("11:00", voted, female, male), ctx())
    if verdict.ok:
        assert female <= voted and male <= voted and female + male == voted
    else:
        assert female > voted or male > voted or female + male != voted


def test_publications_follow_the_day():
    assert rules.later_published(KEYS, "09:00", []) is None
    assert rules.later_published(KEYS, "11:00", ["09:00"]) is None
    assert rules.later_published(KEYS, "09:00", ["11:00"]) == "11:00"
    assert rules.later_published(KEYS, "14:00", ["09:00", "17:00", "11:00"]) == "17:00"
    assert rules.later_published(KEYS, "19:00", ["closed"]) == "closed"
    assert rules.later_published(KEYS, "closed", ["19:00"]) is None


def test_only_on_the_polling_day_unless_rehearsal():
    other = at(10, day=DAY + dt.timedelta(days=3))
    assert "not_polling_day" in rules.check(Submission("09:00", 1), ctx(now=other)).errors
    assert rules.check(Submission("09:00", 1), ctx(now=other, rehearsal=True)).ok


def test_never_for_a_future_slot():
    assert rules.check(Submission("11:00", 1), ctx(now=at(10, 59))).errors == ("future_slot",)
    assert rules.check(Submission("11:00", 1), ctx(now=at(11))).ok
    # "closed" opens at the last slot time
    assert rules.check(Submission("closed", 1), ctx(now=at(18))).errors == ("future_slot",)
    assert rules.check(Submission("closed", 1), ctx(now=at(19, 5))).ok


@given(st.integers(0, 23 * 60 + 59))
def test_late_after_the_window_and_future_before(minute):
    now = at(minute // 60, minute % 60)
    verdict = rules.check(Submission("11:00", 1), ctx(now=now))
    start = at(11)
    if now < start:
        assert verdict.errors == ("future_slot",)
    else:
        assert verdict.ok
        assert verdict.late == (now > start + dt.timedelta(minutes=rules.ON_TIME_MINUTES))


def test_published_slot_is_locked_and_unknown_slots_refused():
    published = frozenset({"09:00"})
    reported = {"09:00": Figures(5)}
    # a correction of a published slot is refused, with or without a reason
    c = ctx(locked=published, existing=reported)
    assert rules.check(Submission("09:00", 6), c).errors == ("locked",)
    assert rules.check(Submission("09:00", 6, reason="gõ nhầm"), c).errors == ("locked",)
    # sending the same figures again changes nothing (a safe retry)
    same = rules.check(Submission("09:00", 5), c)
    assert same.ok and same.unchanged
    assert rules.check(Submission("10:00", 1), ctx()).errors == ("unknown_slot",)
    assert rules.check(Submission("09:00", -1), ctx()).errors == ("negative",)
    assert (
        "confirm_mismatch" in rules.check(Submission("09:00", 12, voted_confirm=21), ctx()).errors
    )


def test_a_first_report_of_a_published_slot_is_accepted_as_late():
    published = frozenset({"09:00", "11:00"})
    # within the slot's on-time window by the clock, late because the slot is published
    first = rules.check(Submission("11:00", 7), ctx(now=at(11, 10), locked=published))
    assert first.ok and first.late and not first.correction
    # the other rules still hold: cumulative against the area's other slots
    c = ctx(now=at(12), locked=published, existing={"14:00": Figures(5)})
    assert rules.check(Submission("09:00", 6), c).errors == ("above_later",)
    # an unpublished slot reported on time is not late
    assert not rules.check(Submission("11:00", 7), ctx(now=at(11, 10))).late


@given(st.dictionaries(st.sampled_from(KEYS), st.integers(0, 100)))
def test_carry_forward_repeats_the_last_report(reported):
    series = rules.carry_forward(KEYS, reported, len(KEYS) - 1)
    last = None
    for key, value in zip(KEYS, series, strict=True):
        last = reported.get(key, last)
        assert value == last


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_below_half_and_full_are_integer_exact(voted, listed):
    assert rules.below_half(voted, listed) == (2 * voted < listed)
    assert rules.is_full(voted, listed) == (voted >= listed)
    assert not rules.below_half(5, 10)  # exactly 50 % is not below half
