"""The faults a drill injects, where the system must catch each, and the seeded plan.

Pure: plain data in, plain data out. A fault is planted in exactly one polling area and no area
gets two, so that "a clean area" is well defined: every area without a fault caught by the
board must stay green on it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

BOARD, ENTRY = "board", "entry"


@dataclass(frozen=True)
class FaultKind:
    code: str
    label: str
    caught_by: str  # BOARD: the reconciliation board flags it; ENTRY: an API refuses or flags it
    expect: str  # the board rule (REC.*) or the code the entry answer must carry


KINDS: tuple[FaultKind, ...] = (
    FaultKind("slot_missing", "a turnout slot never reported", BOARD, "REC.SLOT_MISSING"),
    FaultKind(
        "area_silent",
        "a polling area that never reports turnout all day",
        BOARD,
        "REC.SLOT_MISSING",
    ),
    FaultKind(
        "turnout_ne_minutes",
        "voters who voted (minutes) differ from the final turnout report",
        BOARD,
        "REC.TURNOUT_NE_MINUTES",
    ),
    FaultKind(
        "list_ne_minutes",
        "voters listed in the minutes differ from the list now (reason given)",
        BOARD,
        "REC.LIST_NE_MINUTES",
    ),
    FaultKind("minutes_missing", "count minutes never entered", BOARD, "REC.MINUTES_MISSING"),
    FaultKind(
        "minutes_not_definitive",
        "count minutes entered once only",
        BOARD,
        "REC.MINUTES_NOT_DEFINITIVE",
    ),
    FaultKind(
        "turnout_above_list",
        "a turnout report above the list (refused, then corrected)",
        ENTRY,
        "above_list",
    ),
    FaultKind(
        "minutes_sum_mismatch",
        "valid + invalid ≠ ballots received (refused, then re-keyed)",
        ENTRY,
        "F.201",
    ),
    FaultKind(
        "minutes_list_no_reason",
        "voters listed ≠ the list, no reason (refused, then re-keyed)",
        ENTRY,
        "F.210",
    ),
    FaultKind(
        "keying_difference",
        "the second entry differs from the first (settled by a coordinator)",
        ENTRY,
        "different",
    ),
)
BY_CODE = {k.code: k for k in KINDS}


@dataclass(frozen=True)
class Fault:
    area: str
    kind: str
    contest: str | None = None  # the contest whose minutes carry it (minutes faults)
    slot: str | None = None  # the slot it concerns (turnout faults)

    @property
    def spec(self) -> FaultKind:
        return BY_CODE[self.kind]


def faults_per_kind(areas: int) -> int:
    """One of each kind in a small drill; about 1 area in 200 per kind at city scale."""
    return max(1, areas // 200)


def plan_faults(
    *,
    areas: Sequence[str],
    eligible: Sequence[str],
    contests: dict[str, str],
    slots: Sequence[str],
    rng: random.Random,
    per_kind: int | None = None,
) -> dict[str, Fault]:
    """{area code: fault}. `eligible`: areas big enough to carry one (enough voters for the
    doctored figures); `contests`: {area: the contest code whose minutes carry a minutes
    fault}; `slots`: the timed slots (one of them goes missing). Raises when there are not
    enough eligible areas to keep at least half of the areas clean."""
    n = per_kind if per_kind is not None else faults_per_kind(len(areas))
    needed = n * len(KINDS)
    if needed * 2 > len(areas) or needed > len(eligible):
        raise ValueError(
            f"{len(areas)} polling areas ({len(eligible)} big enough) cannot carry {needed} "
            "faults and keep half of them clean: play more areas"
        )
    chosen = rng.sample(list(eligible), needed)
    plan: dict[str, Fault] = {}
    for i, area in enumerate(chosen):
        kind = KINDS[i // n].code
        slot = rng.choice(list(slots)) if kind in ("slot_missing", "turnout_above_list") else None
        contest = contests.get(area) if kind not in ("slot_missing", "turnout_above_list") else None
        plan[area] = Fault(area=area, kind=kind, contest=contest, slot=slot)
    return plan
