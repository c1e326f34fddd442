"""The figures a drill reports: cumulative turnout per slot and consistent count minutes.

Pure and seeded. Clean figures pass every check of the count minutes (results/rules.py) and
agree with the turnout and the list; a fault changes exactly the figure it names.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class ContestSheet:
    """What an Election Team knows of one contest of its area: the list and the ballot."""

    code: str
    national: bool  # the National Assembly contest (everyone on the list takes part)
    listed: int  # voters on the list entitled to this contest
    seats: int
    candidates: tuple[str, ...]  # full names, as printed on the ballot


@dataclass(frozen=True)
class Minutes:
    contest: str
    voters_listed: int
    voters_voted: int
    ballots_issued: int
    ballots_received: int
    ballots_valid: int
    ballots_invalid: int
    votes: dict[str, int] = field(default_factory=dict)
    voters_listed_reason: str = ""

    def as_document(self, area: str) -> dict[str, Any]:
        """One minute of a `baucu.count/1` document (formats.md §3)."""
        doc: dict[str, Any] = {
            "polling_area": area,
            "contest": self.contest,
            "voters_listed": self.voters_listed,
            "voters_voted": self.voters_voted,
            "ballots_issued": self.ballots_issued,
            "ballots_received": self.ballots_received,
            "ballots_valid": self.ballots_valid,
            "ballots_invalid": self.ballots_invalid,
            "votes": [{"candidate": n, "votes": v} for n, v in self.votes.items()],
        }
        if self.voters_listed_reason:
            doc["voters_listed_reason"] = self.voters_listed_reason
        return doc


def turnout_series(listed: int, slots: int, rng: random.Random) -> list[int]:
    """Cumulative voters at each of `slots` slots, the last being the final figure (closed):
    never decreasing, never above the list, most of the list by the end of the day."""
    if listed == 0:
        return [0] * slots
    final = min(listed, max(1, round(listed * rng.uniform(0.93, 0.995))))
    shares = sorted(rng.uniform(0.15, 1.0) for _ in range(slots - 1)) + [1.0]
    series = [min(final, int(final * s)) for s in shares]
    for i in range(1, slots):
        series[i] = max(series[i], series[i - 1])
    series[-1] = final
    return series


def distribute_votes(
    valid: int, seats: int, candidates: Sequence[str], rng: random.Random
) -> dict[str, int]:
    """Votes per candidate that a count can give: each at most `valid`, and in total between
    `valid` (every valid ballot keeps a name) and seats × valid; at least two differ."""
    n = len(candidates)
    if n == 0:
        return {}
    cap = min(seats, n) * valid
    total = valid if cap <= valid else rng.randint(max(valid, int(cap * 0.8)), cap)
    weights = [rng.uniform(0.5, 1.5) for _ in candidates]
    scale = sum(weights)
    alloc = [min(valid, int(total * w / scale)) for w in weights]
    left = total - sum(alloc)
    order = sorted(range(n), key=lambda i: -weights[i])
    while left > 0:
        for i in order:
            add = min(valid - alloc[i], left)
            alloc[i] += add
            left -= add
            if left == 0:
                break
    return dict(zip(candidates, alloc, strict=True))


def clean_minutes(
    sheet: ContestSheet, *, listed_total: int, final: int, rng: random.Random
) -> Minutes:
    """Minutes that agree with the list and the final turnout and pass every check."""
    if sheet.listed == listed_total:
        voted = final
    else:  # a council contest some voters of the area do not take part in
        voted = min(sheet.listed, final * sheet.listed // max(listed_total, 1))
    return _ballots(sheet, listed=sheet.listed, voted=voted, rng=rng)


def _ballots(
    sheet: ContestSheet, *, listed: int, voted: int, rng: random.Random, issued: int | None = None
) -> Minutes:
    issued = voted if issued is None else issued
    received = voted
    invalid = rng.randint(0, received // 100)
    valid = received - invalid
    return Minutes(
        contest=sheet.code,
        voters_listed=listed,
        voters_voted=voted,
        ballots_issued=issued,
        ballots_received=received,
        ballots_valid=valid,
        ballots_invalid=invalid,
        votes=distribute_votes(valid, sheet.seats, sheet.candidates, rng),
    )


# --- the doctored figures of each minutes fault ---------------------------------------------

REASON = "Danh sách bổ sung tại tổ bầu cử (diễn tập)"


def voted_off_turnout(sheet: ContestSheet, clean: Minutes, rng: random.Random) -> Minutes:
    """Consistent minutes whose voters who voted are 2 fewer than the final turnout report."""
    return _ballots(sheet, listed=clean.voters_listed, voted=clean.voters_voted - 2, rng=rng)


def listed_off_list(clean: Minutes) -> Minutes:
    """Voters listed 2 more than the list, with a reason (accepted; the board must see it)."""
    return replace(clean, voters_listed=clean.voters_listed + 2, voters_listed_reason=REASON)


def listed_off_list_no_reason(clean: Minutes) -> Minutes:
    """Voters listed 2 more than the list and no reason: the checks refuse it (F.210)."""
    return replace(clean, voters_listed=clean.voters_listed + 2)


def invalid_off_received(clean: Minutes) -> Minutes:
    """Invalid ballots keyed one too many: valid + invalid ≠ received (refused, F.201)."""
    return replace(clean, ballots_invalid=clean.ballots_invalid + 1)


def keyed_differently(clean: Minutes) -> Minutes:
    """The same minutes with two candidates' votes swapped: passes every check, differs from
    the first entry (a keying slip the double entry must catch)."""
    names = list(clean.votes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if clean.votes[a] != clean.votes[b]:
                votes = dict(clean.votes)
                votes[a], votes[b] = votes[b], votes[a]
                return replace(clean, votes=votes)
    raise ValueError("no two candidates with different votes to swap")
