"""Invariants of a demo election definition, as plain Python (no database, no Django).

`check_definition(d)` returns one line per violated invariant (an empty list when all hold).
It checks what the demo promises beyond the importer's own validation: every polling area takes
part in exactly the contests of the units above it, with one constituency each that covers its
unit; seat and candidate limits of the law; unique codes; known parents; one election body per
constituency and polling area; and, for the two demo shapes, the real totals.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any

from election.demo.build import NATIONAL_ASSEMBLY, PEOPLE_COUNCIL, min_candidates

POLLING_AREA_KINDS = {"residential", "hospital", "care_home", "armed_unit", "detention", "other"}

# Real figures (domain.md §1.1, §7.1, §7.4): contest code → (constituencies, seats, candidates).
EXPECTED: dict[str, dict[str, tuple[int, int, int]]] = {
    "hcm-2021": {"QH": (10, 30, 50), "HDND-79": (32, 95, 158), "HDND-769": (13, 40, 67)},
    "hcm-2026": {"QH": (13, 38, 64), "HDND-79": (42, 125, 208)},
}
# hcm-2021: the five rural district councils together, and their communes' councils together.
EXPECTED_2021_GROUPS = {"district": (170, 284), "commune": (1838, 3043)}
EXPECTED_UNITS = {"hcm-2021": 335, "hcm-2026": 169}
_AREA_CODE = re.compile(r"^(?P<unit>.+)-(?P<number>\d{2})$")


def _is_nfc(value: Any) -> bool:
    return not isinstance(value, str) or unicodedata.normalize("NFC", value) == value


def _valid_birth(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if re.fullmatch(r"\d{4}", value):
        return True
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))


def check_definition(d: dict) -> list[str]:
    """Every violated invariant of a demo definition, as readable lines ([] when all hold)."""
    errors: list[str] = []
    add = errors.append
    if d.get("format") != "baucu.election/1":
        add("format: must be baucu.election/1")

    # Units: unique codes, known parents, no cycles, one root, NFC names.
    units: dict[str, dict[str, Any]] = {}
    for i, unit in enumerate(d.get("units", [])):
        code = unit.get("code")
        if not code or code in units:
            add(f"units[{i}]: missing or duplicate code {code!r}")
            continue
        units[code] = unit
        if not unit.get("name") or not _is_nfc(unit.get("name")):
            add(f"unit {code}: name missing or not NFC")
    parent = {code: u.get("parent") for code, u in units.items()}
    for code, p in parent.items():
        if p is not None and p not in units:
            add(f"unit {code}: unknown parent {p}")

    def chain(code: str) -> list[str]:
        out: list[str] = []
        cur: str | None = code
        while cur is not None and cur in units and cur not in out:
            out.append(cur)
            cur = parent[cur]
        if cur is not None and cur in out:
            add(f"unit {code}: parents form a cycle")
        return out

    ancestors = {code: chain(code) for code in units}
    election = d.get("election", {})
    root = election.get("root")
    if root not in units or parent.get(root) is not None:
        add(f"election.root {root!r}: unknown or not a top unit")
    slots = election.get("turnout_slots", [])
    if slots != sorted(slots) or len(set(slots)) != len(slots):
        add("election.turnout_slots: must be increasing")

    # Contests.
    contests: dict[str, dict[str, Any]] = {}
    for contest in d.get("contests", []):
        code = contest.get("code")
        if code in contests:
            add(f"contest {code}: duplicate code")
            continue
        contests[code] = contest
        if contest.get("kind") not in (NATIONAL_ASSEMBLY, PEOPLE_COUNCIL):
            add(f"contest {code}: unknown kind {contest.get('kind')!r}")
        if contest.get("unit") not in units:
            add(f"contest {code}: unknown unit {contest.get('unit')!r}")
    contests_of_unit: dict[str, set[str]] = defaultdict(set)
    for code, contest in contests.items():
        contests_of_unit[contest.get("unit")].add(code)

    # Constituencies: unique numbers, seat limits, units inside the contest's unit.
    consts: dict[tuple[str, int], dict[str, Any]] = {}
    for const in d.get("constituencies", []):
        key = (const.get("contest"), const.get("number"))
        label = f"constituency {key[0]}/{key[1]}"
        if key in consts:
            add(f"{label}: duplicate")
            continue
        consts[key] = const
        contest = contests.get(key[0])
        if contest is None:
            add(f"{label}: unknown contest")
            continue
        seats = const.get("seats")
        most = 3 if contest["kind"] == NATIONAL_ASSEMBLY else 5
        if not isinstance(seats, int) or not 1 <= seats <= most:
            add(f"{label}: seats {seats!r} outside 1..{most}")
        if not const.get("units"):
            add(f"{label}: covers no unit")
        for code in const.get("units", []):
            if code not in units:
                add(f"{label}: unknown unit {code}")
            elif contest["unit"] not in ancestors[code]:
                add(f"{label}: unit {code} is outside the contest's unit {contest['unit']}")

    # Polling areas: unique codes "<unit>-NN", voters 300–4,000, one constituency for each
    # contest of the units above, and that constituency covers the area's unit.
    areas: dict[str, dict[str, Any]] = {}
    used: Counter[tuple[str, int]] = Counter()
    for area in d.get("polling_areas", []):
        code = area.get("code")
        if code in areas:
            add(f"polling area {code}: duplicate code")
            continue
        areas[code] = area
        unit = area.get("unit")
        if unit not in units:
            add(f"polling area {code}: unknown unit {unit!r}")
            continue
        match = _AREA_CODE.match(code or "")
        if not match or match["unit"] != unit or int(match["number"]) != area.get("number"):
            add(f"polling area {code}: code is not <unit>-<number, 2 digits>")
        if area.get("kind", "residential") not in POLLING_AREA_KINDS:
            add(f"polling area {code}: unknown kind {area.get('kind')!r}")
        estimate = area.get("voters_estimate")
        if estimate is not None and (not isinstance(estimate, int) or not 300 <= estimate <= 4000):
            add(f"polling area {code}: voters_estimate {estimate!r} outside 300..4000")
        if "polling_day" in area:
            try:
                dt.date.fromisoformat(area["polling_day"])
            except (TypeError, ValueError):
                add(f"polling area {code}: polling_day is not a date")
        mapping = area.get("constituencies") or {}
        expected = {c for a in ancestors[unit] for c in contests_of_unit.get(a, ())}
        if set(mapping) != expected:
            add(
                f"polling area {code}: takes part in {sorted(mapping)}, "
                f"the units above it hold {sorted(expected)}"
            )
        for contest_code, number in mapping.items():
            const = consts.get((contest_code, number))
            if const is None:
                add(f"polling area {code}: {contest_code} has no constituency {number!r}")
                continue
            used[(contest_code, number)] += 1
            if not set(const.get("units", [])) & set(ancestors[unit]):
                add(f"polling area {code}: {contest_code}/{number} does not cover unit {unit}")
    for key in consts:
        if not used[key]:
            add(f"constituency {key[0]}/{key[1]}: no polling area")

    # Candidates: known constituency, M/F, birth date, unique NFC names, legal minimum, and a
    # pair sharing a given name with different birth dates in each constituency.
    slate: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for i, cand in enumerate(d.get("candidates", [])):
        key = (cand.get("contest"), cand.get("constituency"))
        if key not in consts:
            add(f"candidates[{i}]: unknown constituency {key}")
            continue
        slate[key].append(cand)
        name = cand.get("full_name")
        if not isinstance(name, str) or len(name.split()) < 2 or not _is_nfc(name):
            add(f"candidates[{i}]: full name {name!r} missing, one word, or not NFC")
        if cand.get("sex") not in ("M", "F"):
            add(f"candidates[{i}]: sex must be M or F")
        if not _valid_birth(cand.get("birth_date")):
            add(f"candidates[{i}]: birth_date {cand.get('birth_date')!r} is not YYYY-MM-DD/YYYY")
    for key, const in consts.items():
        label = f"constituency {key[0]}/{key[1]}"
        people = slate.get(key, [])
        full_names = [p.get("full_name") for p in people]
        if len(set(full_names)) != len(full_names):
            add(f"{label}: two candidates share a full name")
        contest = contests.get(key[0])
        seats = const.get("seats")
        if contest and isinstance(seats, int):
            need = min_candidates(contest["kind"], seats)
            if len(people) < need:
                add(f"{label}: {len(people)} candidates for {seats} seats, the law asks {need}")
        given: dict[str, set[str]] = defaultdict(set)
        for p in people:
            if isinstance(p.get("full_name"), str):
                given[p["full_name"].split()[-1]].add(str(p.get("birth_date")))
        if len(people) >= 2 and not any(len(births) >= 2 for births in given.values()):
            add(f"{label}: no two candidates share a given name with different birth dates")

    # Bodies: a committee for each contest's unit, a board per constituency, a team per area.
    bodies = d.get("bodies", [])
    committees = Counter(b.get("unit") for b in bodies if b.get("kind") == "committee")
    boards = Counter(
        (b.get("contest"), b.get("constituency")) for b in bodies if b.get("kind") == "board"
    )
    teams = Counter(b.get("polling_area") for b in bodies if b.get("kind") == "team")
    for b in bodies:
        if b.get("kind") not in ("committee", "board", "team") or not b.get("name"):
            add(f"body {b!r}: unknown kind or no name")
    for unit in {c.get("unit") for c in contests.values()}:
        if committees[unit] != 1:
            add(f"unit {unit}: {committees[unit]} election committees (want 1)")
    for unit in committees:
        if unit not in units:
            add(f"committee of unknown unit {unit!r}")
    for key in consts:
        if boards[key] != 1:
            add(f"constituency {key[0]}/{key[1]}: {boards[key]} election boards (want 1)")
    for key in boards:
        if key not in consts:
            add(f"board of unknown constituency {key}")
    for code in areas:
        if teams[code] != 1:
            add(f"polling area {code}: {teams[code]} election teams (want 1)")
    for code in teams:
        if code not in areas:
            add(f"team of unknown polling area {code!r}")

    errors += _check_totals(d, contests, consts, slate, units)
    return errors


def _check_totals(
    d: dict,
    contests: dict[str, dict[str, Any]],
    consts: dict[tuple[str, int], dict[str, Any]],
    slate: dict[tuple[str, int], list[dict[str, Any]]],
    units: dict[str, dict[str, Any]],
) -> list[str]:
    """The real figures, for the two demo shapes only."""
    slug = d.get("election", {}).get("slug")
    if slug not in EXPECTED:
        return []
    errors: list[str] = []
    if len(units) != EXPECTED_UNITS[slug]:
        errors.append(f"{slug}: {len(units)} units, want {EXPECTED_UNITS[slug]}")

    def totals(codes: set[str]) -> tuple[int, int, int]:
        keys = [key for key in consts if key[0] in codes]
        seats = sum(consts[key].get("seats", 0) for key in keys)
        return len(keys), seats, sum(len(slate.get(key, [])) for key in keys)

    for code, want in EXPECTED[slug].items():
        if code not in contests:
            errors.append(f"{slug}: contest {code} missing")
        elif totals({code}) != want:
            errors.append(
                f"{slug}: {code} has {totals({code})} (constituencies, seats, "
                f"candidates), want {want}"
            )
    if slug == "hcm-2021":
        kinds = {
            code: units[c["unit"]].get("kind")
            for code, c in contests.items()
            if c.get("unit") in units
        }
        groups = {
            "district": {code for code, kind in kinds.items() if kind == "district"},
            "commune": {code for code, kind in kinds.items() if kind in ("commune", "township")},
        }
        for group, want in EXPECTED_2021_GROUPS.items():
            got = totals(groups[group])[1:]
            if got != want:
                errors.append(
                    f"{slug}: {group} councils have {got} (seats, candidates), want {want}"
                )
    return errors
