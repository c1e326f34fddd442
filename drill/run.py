"""One drill from start to verdict: prepare (database), play (HTTP and websockets), read the
reconciliation board (database), compare."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drill import faults as fl
from drill.play import Day, Drill, Phase
from drill.prepare import (
    ELIGIBLE_LISTED,
    DrillRefused,
    already_played,
    areas_to_play,
    election_for_drill,
    prepare,
    reset_played,
)
from drill.verdict import Verdict, compare, report_lines
from election.services.accounts import drill_accounts_retire


@dataclass
class DrillOptions:
    slug: str
    scale: str = "small"
    seed: int = 2026
    base_url: str = "http://127.0.0.1:8000"
    concurrency: int = 8
    dashboards: int = 4
    slot_seconds: float = 0.0
    reset: bool = False
    allow_real: bool = False


@dataclass
class Outcome:
    verdict: Verdict
    day: Day
    phases: list[Phase] = field(default_factory=list)
    faults: dict[str, fl.Fault] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not self.day.unexpected

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            **self.verdict.as_dict(),
            "unexpected_answers": len(self.day.unexpected),
            "phases": {p.name: p.as_dict() for p in self.phases},
        }


def day_over(election: Any) -> dt.datetime:
    """The end of the day the drill played (today for a rehearsal, else the polling day): the
    board is read as the committee reads it that night, every slot and the closing due."""
    from realtime import clock
    from realtime import rules as turnout_rules

    now = clock.now()
    day = turnout_rules.reporting_day(
        polling_day=election.date, today=now.date(), rehearsal=election.is_rehearsal
    )
    return max(now, dt.datetime.combine(day, dt.time(23, 59), tzinfo=now.tzinfo))


def run_drill(opts: DrillOptions, *, out: Callable[[str], Any] = print) -> Outcome:
    rng = random.Random(opts.seed)
    t0 = time.perf_counter()
    election = election_for_drill(opts.slug, allow_real=opts.allow_real)
    areas = areas_to_play(election, opts.scale)
    reports, minutes = already_played(election, areas)
    if reports or minutes:
        if not opts.reset:
            raise DrillRefused(
                f"{reports} turnout report(s) and {minutes} count minute(s) exist in the areas "
                "to play: pass --reset to wipe them (rehearsals only)"
            )
        wiped = reset_played(election=election, areas=areas)
        out(f"wiped: {wiped}")
    setup = prepare(election=election, areas=areas)
    try:
        eligible = [a.code for a in setup.areas if a.listed >= ELIGIBLE_LISTED and a.sheets]
        national = {
            a.code: next((s.code for s in a.sheets if s.national), a.sheets[0].code)
            for a in setup.areas
            if a.sheets
        }
        plan = fl.plan_faults(
            areas=[a.code for a in setup.areas],
            eligible=eligible,
            contests=national,
            slots=[s for s in setup.slots if s != "closed"],
            rng=rng,
        )
        prep = Phase(
            "prepare", time.perf_counter() - t0, 0, {"accounts_created": setup.accounts_created}
        )
        out(
            f"{election.slug}: {len(setup.areas)} polling areas, {len(setup.slots)} slots, "
            f"{sum(len(a.sheets) for a in setup.areas)} count minutes, {len(plan)} faults planted "
            f"({prep.seconds:.1f} s)"
        )
        drill = Drill(
            setup=setup,
            faults=plan,
            base_url=opts.base_url,
            concurrency=opts.concurrency,
            rng=rng,
            dashboards=opts.dashboards,
            slot_seconds=opts.slot_seconds,
            # a rehearsal's board is read at the end of the played day; a real one as it is now
            board_at=day_over(election).isoformat() if election.is_rehearsal else "",
        )
        day = asyncio.run(drill.run())
        verdict = compare(
            faults=plan,
            entry_caught=day.entry_caught,
            flags=day.flags,
            played=[a.code for a in setup.areas],
        )
    finally:
        # the drill's accounts hold roles over units that real elections share: none of them
        # (roles, API tokens, the coordinator's session) outlives the drill, however it ends
        retired = drill_accounts_retire(actor=None, election_id=election.pk, source="cli")
        out(f"drill accounts retired: {retired}")
    phases = [prep, *day.phases]
    for p in phases:
        extra = ", ".join(f"{k}={v}" for k, v in p.extra.items())
        out(f"  {p.name:<14}{p.seconds:8.2f} s {p.requests:7d} req {p.per_s:8.1f}/s  {extra}")
    for line in report_lines(verdict):
        out(line)
    for odd in day.unexpected[:20]:
        out(f"  unexpected answer: {odd}")
    if len(day.unexpected) > 20:
        out(f"  … and {len(day.unexpected) - 20} more unexpected answers")
    if any("future_slot" in odd for odd in day.unexpected):
        out(
            "  hint: the server refused slots that have not started yet: run it with "
            "BAUCU_REHEARSAL_TIME=21:00 to play a rehearsal's whole day at any hour"
        )
    out("DRILL PASSED" if verdict.ok and not day.unexpected else "DRILL FAILED")
    return Outcome(verdict=verdict, day=day, phases=phases, faults=plan)
