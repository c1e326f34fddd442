"""The one place printing reads the voter lists (voters app): everything else works on `Voter`.

Kept narrow on purpose: the rows of a polling area in STT order, an independent count of the
list, and the unresolved duplicates that block printing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from election.models import PollingArea


@dataclass(frozen=True)
class Voter:
    stt: int
    full_name: str
    birth_date: str  # as the list writes it: "12/03/1985", or "1950" when only the year is known
    male: bool
    residence: str  # the address printed on the card (the one the voter chose)
    ethnicity: str = ""
    occupation: str = ""
    permanent_address: str = ""
    temporary_address: str = ""
    contest_ids: frozenset[int] = frozenset()
    note: str = ""


def voters_of_area(area: PollingArea) -> Iterator[Voter]:
    raise NotImplementedError("voter lists are not merged yet")


def voter_count(area: PollingArea) -> int:
    raise NotImplementedError("voter lists are not merged yet")


def unresolved_duplicates(area: PollingArea) -> list[list[str]]:
    raise NotImplementedError("voter lists are not merged yet")
