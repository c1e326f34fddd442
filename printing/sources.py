"""The one place printing reads the voter lists (voters app): everything else works on
`PrintVoter`, plain data.

What is printed: the entries of a polling area that are on its list now (status `listed`),
in STT order; the card number is the STT. The count of the list comes from the voters app's
own selector (a separate query), so a card count that differs from the list is caught.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from common.vn import format_date
from election.models import PollingArea
from voters import rules as voter_rules
from voters import selectors as voter_selectors
from voters.models import Voter


@dataclass(frozen=True)
class PrintVoter:
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


FIELDS = (
    "stt",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "ethnicity",
    "occupation",
    "permanent_address",
    "temporary_address",
    "temporary_since",
    "residence",
    "contest_scope",
    "note",
)


def _contests_by_scope(area: PollingArea) -> dict[str, frozenset[int]]:
    tiers = voter_selectors.area_contest_tiers(election=area.election, area_ids=[area.pk])
    out: dict[str, set[int]] = defaultdict(set)
    for scope in Voter.Scope.values:
        for _area, contest_id, tier in tiers:
            if voter_rules.takes_part(scope, tier):
                out[scope].add(contest_id)
    return {scope: frozenset(ids) for scope, ids in out.items()}


def voters_of_area(area: PollingArea) -> Iterator[PrintVoter]:
    """The area's list as printed: listed entries, STT order."""
    contests = _contests_by_scope(area)
    rows = (
        Voter.objects.filter(polling_area=area, status=Voter.Status.LISTED)
        .order_by("stt")
        .values_list(*FIELDS)
    )
    temporary = Voter.Residence.TEMPORARY
    for (
        stt,
        name,
        birth_date,
        birth_year,
        sex,
        ethnicity,
        occupation,
        permanent,
        temporary_address,
        since,
        residence,
        scope,
        note,
    ) in rows.iterator(chunk_size=2000):
        chosen = temporary_address if residence == temporary else permanent
        notes = [note] if note else []
        if residence == temporary and since:
            notes.append(f"Tạm trú từ {format_date(since)}")
        yield PrintVoter(
            stt=stt,
            full_name=name,
            birth_date=format_date(birth_date) if birth_date else str(birth_year),
            male=sex == Voter.Sex.MALE,
            residence=chosen or permanent or temporary_address,
            ethnicity=ethnicity,
            occupation=occupation,
            permanent_address="" if residence == temporary else (permanent or ""),
            temporary_address=temporary_address if residence == temporary else "",
            contest_ids=contests.get(scope, frozenset()),
            note="; ".join(notes),
        )


def voter_count(area: PollingArea) -> int:
    """Voters on the area's list now, counted by the voters app."""
    return voter_selectors.listed_counts(election=area.election_id, area_ids=[area.pk]).get(
        area.pk, 0
    )


def unresolved_duplicates(area: PollingArea) -> list[list[tuple[str, str, int]]]:
    """Groups of listed entries that may be the same person, one of them in this area,
    looked for across the whole election (one person, one list): the same personal ID listed
    twice, or the same folded name, full birth date and sex (the voters app's "possible
    duplicate", narrowed to full birth dates so that year-only records of common names do not
    block printing). A group is resolved by removing the extra entry (change `duplicate`) or,
    for a name group, by a person deciding that they are different people (voters app,
    *Nghi trùng* page): a decision covers the group while every two of its current members
    were named in it, so an entry that joins later blocks again. Each entry as (name, area
    code, STT)."""
    listed = Voter.objects.filter(election_id=area.election_id, status=Voter.Status.LISTED)
    here = listed.filter(polling_area=area)
    same_id = (
        listed.filter(national_id__in=here.values("national_id"))
        .values("national_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("national_id", flat=True)
    )
    # EXISTS on name and birth date, not IN on the name alone: at city scale a common name
    # has tens of thousands of bearers, and matching by name only read them all (7 s per
    # polling area of 5.4 M voters, against 0.1 s through the (election, name, birth) index)
    namesake_here = here.filter(
        search_key=OuterRef("search_key"), birth_date=OuterRef("birth_date")
    )
    same_person = (
        listed.exclude(birth_date=None)
        .filter(Exists(namesake_here))
        .values("search_key", "birth_date", "sex")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    found: list[tuple[bool, list[Voter]]] = []  # (decidable, entries)
    seen: set[tuple[int, ...]] = set()
    candidates = [(False, listed.filter(national_id=nid)) for nid in same_id] + [
        (True, listed.filter(search_key=k["search_key"], birth_date=k["birth_date"], sex=k["sex"]))
        for k in same_person
    ]
    for decidable, qs in candidates:
        rows = list(qs.select_related("polling_area").order_by("polling_area__code", "stt"))
        ids = tuple(v.pk for v in rows)
        if ids in seen or not any(v.polling_area_id == area.pk for v in rows):
            continue
        seen.add(ids)
        found.append((decidable, rows))
    # The same ID twice is the same person whatever anyone decided: only name groups count
    # a "different people" decision.
    decided = voter_selectors.groups_decided([[v.pk for v in rows] for _d, rows in found])
    return [
        [(v.full_name, v.polling_area.code, v.stt) for v in rows]
        for (decidable, rows), done in zip(found, decided, strict=True)
        if not (decidable and done)
    ]
