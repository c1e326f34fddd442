"""The law's rules about structure, as plain functions (no database).

Sources: domain.md §0 (Art 10(4) seats, Art 57(6)/58(3) candidate surplus) and §5.1 (ballot order).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from common.collation import vi_sort_key

NATIONAL_ASSEMBLY = "national_assembly"
PEOPLE_COUNCIL = "people_council"
CONTEST_KINDS = (NATIONAL_ASSEMBLY, PEOPLE_COUNCIL)


def max_seats(contest_kind: str) -> int:
    """Art 10(4): at most 3 National Assembly deputies, 5 council deputies per constituency."""
    return 3 if contest_kind == NATIONAL_ASSEMBLY else 5


def min_candidates(contest_kind: str, seats: int) -> int:
    """Art 57(6), 58(3): the list must exceed the seats (NA +2; councils +1/+2/+3 by size)."""
    if contest_kind == NATIONAL_ASSEMBLY:
        return seats + 2
    if seats >= 4:
        return seats + 3
    if seats == 3:
        return seats + 2
    return seats + 1


@dataclass(frozen=True)
class NameParts:
    family: str
    middle: str
    given: str


def split_name(full_name: str) -> NameParts:
    """Họ (first word) + tên đệm (middle words) + tên (last word)."""
    words = full_name.split()
    if not words:
        return NameParts("", "", "")
    if len(words) == 1:
        return NameParts("", "", words[0])
    return NameParts(words[0], " ".join(words[1:-1]), words[-1])


def parse_birth(value: str) -> tuple[dt.date | None, int | None]:
    """ "1970-04-30" → (date, 1970); "1958" (year only) → (None, 1958). Raises ValueError."""
    value = value.strip()
    if len(value) == 4 and value.isdigit():
        return None, int(value)
    date = dt.date.fromisoformat(value)
    return date, date.year


def ballot_order_key(
    given: str, family: str, middle: str, birth_date: dt.date | None, birth_year: int | None
) -> tuple:
    """Ballot order (§5.1): given name, family name, middle name (Vietnamese collation),
    then the earlier birth date first. A year-only birth date sorts as the start of that year."""
    birth = birth_date or (dt.date(birth_year, 1, 1) if birth_year else dt.date.max)
    return (vi_sort_key(given), vi_sort_key(family), vi_sort_key(middle), birth)


# Rehearsal mode (docs/rehearsal.md): when an election may switch between real and rehearsal.
VOTING_STARTED = "voting_started"
TURNOUT_REPORTED = "turnout_reported"
MINUTES_EXIST = "minutes_exist"
NOT_WIPED = "not_wiped"


def first_polling_day(election_day: dt.date, area_days: list[dt.date | None]) -> dt.date:
    """The first day anyone votes: election day, or an earlier polling day of an area."""
    return min([election_day, *[d for d in area_days if d is not None]])


def rehearsal_switch_refusal(
    *,
    to_rehearsal: bool,
    today: dt.date,
    first_day: dt.date,
    turnout_reports: int,
    count_minutes: int,
    rehearsal_data: int,
) -> str | None:
    """Why the switch is refused (None: allowed).

    real → rehearsal: never once voting has started — the first polling day reached, or any
    turnout report or count minutes recorded (a rehearsal's data can be wiped; a real
    election's must never be). rehearsal → real: only once the rehearsal's data is wiped, so
    nothing typed during the rehearsal can be taken for a real figure.
    """
    if to_rehearsal:
        if today >= first_day:
            return VOTING_STARTED
        if turnout_reports:
            return TURNOUT_REPORTED
        if count_minutes:
            return MINUTES_EXIST
        return None
    return NOT_WIPED if rehearsal_data else None
