"""What the drill injected against what the system caught: pure, so that it can be tested
with a doctored board. Every injected fault must be caught where its kind says (at entry or
on the reconciliation board) and no played area may be amber or red for a reason that was not
injected there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drill.faults import BOARD, KINDS, Fault

GREEN = "green"


@dataclass(frozen=True)
class Flag:
    """One row of the board: a polling area × contest, its state and its findings' codes."""

    area: str
    contest: str
    state: str
    codes: tuple[str, ...]


@dataclass
class KindResult:
    kind: str
    label: str
    caught_by: str
    expect: str
    injected: int = 0
    caught: int = 0
    missed: list[str] = field(default_factory=list)


@dataclass
class Verdict:
    kinds: list[KindResult]
    false_alarms: list[Flag]
    areas: int
    clean_areas: int

    @property
    def injected(self) -> int:
        return sum(k.injected for k in self.kinds)

    @property
    def caught(self) -> int:
        return sum(k.caught for k in self.kinds)

    @property
    def missed(self) -> list[str]:
        return [f"{k.kind}@{a}" for k in self.kinds for a in k.missed]

    @property
    def ok(self) -> bool:
        return not self.missed and not self.false_alarms

    def as_dict(self) -> dict[str, Any]:
        return {
            "areas": self.areas,
            "clean_areas": self.clean_areas,
            "injected": self.injected,
            "caught": self.caught,
            "missed": self.missed,
            "false_alarms": [
                f"{f.area}/{f.contest}:{f.state}:{','.join(f.codes)}" for f in self.false_alarms
            ],
            "per_kind": {
                k.kind: {"injected": k.injected, "caught": k.caught, "where": k.caught_by}
                for k in self.kinds
            },
        }


def board_flags(document: Mapping[str, Any]) -> list[Flag]:
    """The rows of a `baucu.reconciliation/1` document (GET /api/reconciliation/…) as flags."""
    return [
        Flag(
            area=row["polling_area"],
            contest=row["contest"],
            state=str(row["state"]),
            codes=tuple(sorted({f["code"] for f in row.get("findings", [])})),
        )
        for row in document.get("rows", [])
    ]


def compare(
    *,
    faults: Mapping[str, Fault],
    entry_caught: Mapping[str, set[str]],
    flags: Iterable[Flag],
    played: Iterable[str],
) -> Verdict:
    """`entry_caught`: {area: codes the entry interfaces answered for it} (refusal codes such
    as "above_list" or "F.201", or "different" when a second entry differed);
    `flags`: the board's rows; `played`: the areas the drill played (others are ignored)."""
    played = set(played)
    flags = [f for f in flags if f.area in played]
    results = {k.code: KindResult(k.code, k.label, k.caught_by, k.expect) for k in KINDS}
    flagged_codes: dict[str, set[str]] = {}
    for f in flags:
        if f.state != GREEN:
            flagged_codes.setdefault(f.area, set()).update(f.codes)
    for area, fault in sorted(faults.items()):
        res = results[fault.kind]
        res.injected += 1
        spec = fault.spec
        seen = flagged_codes if spec.caught_by == BOARD else entry_caught
        if spec.expect in seen.get(area, set()):
            res.caught += 1
        else:
            res.missed.append(area)
    # a false alarm: a row not green for any reason not injected in its area
    expected_on_board = {
        area: {f.spec.expect} for area, f in faults.items() if f.spec.caught_by == BOARD
    }
    false_alarms = [
        f
        for f in flags
        if f.state != GREEN
        and (not f.codes or not set(f.codes) <= expected_on_board.get(f.area, set()))
    ]
    return Verdict(
        kinds=list(results.values()),
        false_alarms=false_alarms,
        areas=len(played),
        clean_areas=len(played - set(expected_on_board)),
    )


def report_lines(v: Verdict) -> list[str]:
    """The table printed at the end of a drill."""
    lines = [f"{'fault':<26}{'where':<8}{'rule':<28}{'injected':>9}{'caught':>8}  missed"]
    for k in v.kinds:
        missed = ", ".join(k.missed) if k.missed else "-"
        lines.append(
            f"{k.kind:<26}{k.caught_by:<8}{k.expect:<28}{k.injected:>9}{k.caught:>8}  {missed}"
        )
    lines.append(
        f"{'total':<62}{v.injected:>9}{v.caught:>8}  "
        f"false alarms: {len(v.false_alarms)} (clean areas: {v.clean_areas}/{v.areas})"
    )
    for f in v.false_alarms[:20]:
        lines.append(f"  false alarm: {f.area} {f.contest} {f.state} {', '.join(f.codes) or '-'}")
    return lines
