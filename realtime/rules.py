"""The rules of turnout reporting, as plain functions (no database, no clock of their own).

Sources: domain.md §4.3 (cumulative counts at fixed slots, every level computes its own
percentages), the issue (cumulative and never decreasing, never above the list, only one's own
area, only on the area's polling day unless the election is a rehearsal, never for a future
slot, a late report is accepted and marked late, a correction needs a reason, a published slot
is locked: its reports cannot be corrected, a first report of it is accepted as late).

A *slot key* is "HH:MM" (from the election's `turnout_slots`) or "closed" (the box is closed:
the final figure). "closed" can be reported from the time of the last slot on, and becomes the
current slot — the one chased — when voting ends: at the closing time (domain.md §4.1: 19:00,
a Team may go on until 21:00 at the latest), or on any later day.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

CLOSED = "closed"
DEFAULT_CLOSE = dt.time(19, 0)  # polls close (domain.md §4.1, Art 71)
LATEST_CLOSE = dt.time(21, 0)  # an extension may not go past this
ON_TIME_MINUTES = 30  # a report within 30 minutes of its slot time is on time, later is "late"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

MESSAGES = {
    "unknown_slot": _("This election has no such turnout slot."),
    "negative": _("Counts cannot be negative."),
    "confirm_mismatch": _("The two entries of the number of voters who voted differ."),
    "above_list": _("More voters voted than are on the list of this polling area."),
    "female_above_voted": _("Female voters who voted cannot exceed all voters who voted."),
    "female_above_list": _("More female voters voted than are on the list."),
    "male_above_voted": _("Male voters who voted cannot exceed all voters who voted."),
    "male_above_list": _("More male voters voted than are on the list."),
    "split_above_voted": _(
        "Female and male voters who voted together cannot exceed all voters who voted."
    ),
    "split_mismatch": _("Female and male voters who voted must add up to all who voted."),
    "decreasing": _("Counts are cumulative: they cannot be lower than an earlier slot's."),
    "above_later": _("Counts are cumulative: they cannot be higher than a later slot's."),
    "not_polling_day": _("Turnout can be reported only on the polling area's polling day."),
    "future_slot": _("This slot has not started yet."),
    "locked": _("This slot's turnout has been published; it can no longer be corrected."),
    "reason_required": _("A correction needs a reason."),
}


def is_slot_time(value: str) -> bool:
    return bool(_HHMM.match(value))


def slot_keys(turnout_slots: Iterable[str]) -> list[str]:
    """The election's slots in time order, then "closed"."""
    times = sorted({s for s in turnout_slots if is_slot_time(s)})
    return [*times, CLOSED]


def slot_time(keys: list[str], key: str) -> dt.time:
    """The time a slot opens; "closed" opens at the last slot time (19:00 when none)."""
    if key == CLOSED:
        times = [k for k in keys if k != CLOSED]
        key = times[-1] if times else "19:00"
    hh, mm = key.split(":")
    return dt.time(int(hh), int(mm))


def slot_instant(keys: list[str], key: str, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, slot_time(keys, key), tzinfo=tz)


def reporting_day(*, polling_day: dt.date, today: dt.date, rehearsal: bool) -> dt.date:
    """The day whose slots apply: the polling day, or today during a rehearsal."""
    return today if rehearsal else polling_day


def closing_time(value: str) -> dt.time:
    """The closing time from a setting "HH:MM" ("" → 19:00), never later than 21:00."""
    if not value:
        return DEFAULT_CLOSE
    if not is_slot_time(value):
        raise ValueError(f"not a time HH:MM: {value!r}")
    hh, mm = value.split(":")
    return min(dt.time(int(hh), int(mm)), LATEST_CLOSE)


def closing_instant(
    keys: list[str], day: dt.date, tz: dt.tzinfo | None, closes: dt.time = DEFAULT_CLOSE
) -> dt.datetime:
    """When voting ends and the final figure ("closed") is chased: the closing time, not
    before the last slot's time (a slot after the closing time still comes first)."""
    return max(dt.datetime.combine(day, closes, tzinfo=tz), slot_instant(keys, CLOSED, day, tz))


def current_slot(
    keys: list[str], day: dt.date, now: dt.datetime, closes: dt.time = DEFAULT_CLOSE
) -> str | None:
    """The latest slot that has started at `now` (None before the first slot or another day).

    Once voting has ended (`closes`, or any later day) it is "closed": areas without the final
    figure are then the ones not reported."""
    if now.date() < day:
        return None
    if now.date() > day or closing_instant(keys, day, now.tzinfo, closes) <= now:
        return CLOSED if CLOSED in keys else (keys[-1] if keys else None)
    latest = None
    for key in keys:
        if key == CLOSED:
            break
        if slot_instant(keys, key, day, now.tzinfo) <= now:
            latest = key
    return latest


def next_slot_instant(
    keys: list[str], day: dt.date, now: dt.datetime, closes: dt.time = DEFAULT_CLOSE
) -> dt.datetime | None:
    """When the current slot next changes: the next slot's time, then the closing instant."""
    for key in keys:
        at = (
            closing_instant(keys, day, now.tzinfo, closes)
            if key == CLOSED
            else slot_instant(keys, key, day, now.tzinfo)
        )
        if at > now:
            return at
    return None


def chased_since(
    keys: list[str], key: str, day: dt.date, tz: dt.tzinfo | None, closes: dt.time = DEFAULT_CLOSE
) -> dt.datetime:
    """Since when a slot is chased (an area that has not reported it is late from then)."""
    if key == CLOSED:
        return closing_instant(keys, day, tz, closes)
    return slot_instant(keys, key, day, tz)


@dataclass(frozen=True)
class Figures:
    voted: int
    voted_female: int | None = None
    voted_male: int | None = None


@dataclass(frozen=True)
class Submission:
    """What a Team secretary sends for one slot."""

    slot: str
    voted: int
    voted_female: int | None = None
    voted_male: int | None = None
    voted_confirm: int | None = None  # the second typing, when the form asks for it
    reason: str = ""


@dataclass(frozen=True)
class Context:
    """Everything the check needs, read by the service beforehand."""

    keys: list[str]
    polling_day: dt.date
    rehearsal: bool
    now: dt.datetime  # aware, in the election's time zone
    listed: int
    listed_female: int | None = None
    listed_male: int | None = None
    existing: Mapping[str, Figures] = field(default_factory=dict)  # reports by slot key
    locked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Verdict:
    errors: tuple[str, ...]
    late: bool = False
    correction: bool = False
    unchanged: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def is_late(keys: list[str], key: str, day: dt.date, now: dt.datetime) -> bool:
    """Late: after the slot's window (its time + ON_TIME_MINUTES). "closed" is never late."""
    if key == CLOSED:
        return False
    deadline = slot_instant(keys, key, day, now.tzinfo) + dt.timedelta(minutes=ON_TIME_MINUTES)
    return now > deadline


def check(sub: Submission, ctx: Context) -> Verdict:
    """Check one report against the rules; returns every error code (see MESSAGES)."""
    errors: list[str] = []
    if sub.slot not in ctx.keys:
        return Verdict(errors=("unknown_slot",))
    numbers = [sub.voted, sub.voted_female, sub.voted_male]
    if any(n is not None and n < 0 for n in numbers):
        return Verdict(errors=("negative",))
    if sub.voted_confirm is not None and sub.voted_confirm != sub.voted:
        errors.append("confirm_mismatch")

    today = ctx.now.date()
    day = reporting_day(polling_day=ctx.polling_day, today=today, rehearsal=ctx.rehearsal)
    if not ctx.rehearsal and today != ctx.polling_day:
        errors.append("not_polling_day")
    elif slot_instant(ctx.keys, sub.slot, day, ctx.now.tzinfo) > ctx.now:
        errors.append("future_slot")

    if sub.voted > ctx.listed:
        errors.append("above_list")
    if sub.voted_female is not None:
        if sub.voted_female > sub.voted:
            errors.append("female_above_voted")
        if ctx.listed_female is not None and sub.voted_female > ctx.listed_female:
            errors.append("female_above_list")
    if sub.voted_male is not None:
        if sub.voted_male > sub.voted:
            errors.append("male_above_voted")
        if ctx.listed_male is not None and sub.voted_male > ctx.listed_male:
            errors.append("male_above_list")
    if sub.voted_female is not None and sub.voted_male is not None:
        # every voter on the list is either Nam or Nữ (domain.md §2.7, §9): when both parts
        # are given they are the whole; "above" says which way the split is wrong
        total = sub.voted_female + sub.voted_male
        if total > sub.voted:
            errors.append("split_above_voted")
        elif total != sub.voted:
            errors.append("split_mismatch")

    index = ctx.keys.index(sub.slot)
    for key, fig in ctx.existing.items():
        if key not in ctx.keys or key == sub.slot:
            continue
        other = ctx.keys.index(key)
        if other < index and (
            fig.voted > sub.voted
            or _lower(sub.voted_female, fig.voted_female)
            or _lower(sub.voted_male, fig.voted_male)
        ):
            errors.append("decreasing")
        if other > index and (
            fig.voted < sub.voted
            or _lower(fig.voted_female, sub.voted_female)
            or _lower(fig.voted_male, sub.voted_male)
        ):
            errors.append("above_later")

    before = ctx.existing.get(sub.slot)
    mine = Figures(sub.voted, sub.voted_female, sub.voted_male)
    unchanged = before is not None and before == mine
    correction = before is not None and not unchanged
    published = sub.slot in ctx.locked
    if published and correction:
        # a published slot's figures are locked; its publication is a fixed snapshot anyway
        errors.append("locked")
    elif correction and not sub.reason.strip():
        errors.append("reason_required")
    # a first report of a slot already published is accepted, and late whatever the clock says
    late = is_late(ctx.keys, sub.slot, day, ctx.now) or (published and before is None)
    return Verdict(
        errors=tuple(dict.fromkeys(errors)), late=late, correction=correction, unchanged=unchanged
    )


def later_published(keys: list[str], slot: str, published: Iterable[str]) -> str | None:
    """The latest published slot when it is later than `slot` (None: `slot` may be published).
    Publications follow the day: an earlier slot published after a later one would show the
    public an older figure as the newest version."""
    done = [k for k in published if k in keys]
    if not done or slot not in keys:
        return None
    latest = max(done, key=keys.index)
    return latest if keys.index(latest) > keys.index(slot) else None


def _lower(a: int | None, b: int | None) -> bool:
    """a < b when both are known."""
    return a is not None and b is not None and a < b


def carry_forward(keys: list[str], reported: Mapping[str, int], upto: int) -> list[int | None]:
    """Cumulative series per slot index 0..upto: a slot without a report shows the last figure
    reported before it (None before the first report)."""
    out: list[int | None] = []
    last: int | None = None
    for key in keys[: upto + 1]:
        if key in reported:
            last = reported[key]
        out.append(last)
    return out


def is_full(voted: int, listed: int) -> bool:
    """Every listed voter voted."""
    return listed > 0 and voted >= listed


def below_half(voted: int, listed: int) -> bool:
    """Strictly under 50 %, integer-exact: 2·voted < listed."""
    return listed > 0 and 2 * voted < listed
