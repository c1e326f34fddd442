"""Reads of turnout: the roll-up of any unit, computed from the database on read.

One path computes every figure (realtime/tally.py): per polling area the cumulative counts per
slot (carried forward), then summed into every ancestor unit through UnitAncestry. The tree may
have any depth; nothing here knows city, district or ward. Snapshots carry counts and
percentages only. The live path (realtime/live.py) keeps the same Tally in memory instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from common.rehearsal import mark_json
from election.access import Cap, scope_areas
from election.models import AdminUnit, Election, PollingArea
from realtime import clock, rules
from realtime.models import TurnoutPublication, TurnoutReport
from realtime.tally import FORMAT, Tally

__all__ = ["FORMAT", "publication_data", "slot_state", "turnout_snapshot", "turnout_snapshots"]


def slot_state(election: Election, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or clock.now_for(election)
    keys = rules.slot_keys(election.turnout_slots)
    day = rules.reporting_day(
        polling_day=election.date, today=now.date(), rehearsal=election.is_rehearsal
    )
    closes = clock.polls_close()
    return {
        "keys": keys,
        "day": day,
        "now": now,
        "current": rules.current_slot(keys, day, now, closes),
        "next_at": rules.next_slot_instant(keys, day, now, closes),
    }


def turnout_snapshot(
    *, election: Election, unit: AdminUnit, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A unit's current snapshot computed from the database (its subtree only)."""
    tally = Tally.load(election=election, unit_ids=[unit.id])
    return tally.snapshot(unit.id, tally.state(now))


def turnout_snapshots(
    *, election: Election, unit_ids: list[int], now: dt.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """Snapshots of many units from one load."""
    tally = Tally.load(election=election, unit_ids=unit_ids)
    state = tally.state(now)
    return {uid: tally.snapshot(uid, state) for uid in unit_ids if uid in tally.units}


def publication_data(
    *, election: Election, slot: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Aggregates of every unit of the election as of a slot (for the public page)."""
    tally = Tally.load(election=election)
    i = tally.keys.index(slot)
    codes = {u.id: u.code for u in tally.units.values()}
    rows = []
    for unit in sorted(tally.units.values(), key=lambda u: (u.level, u.code)):
        rows.append(
            {
                **unit.ref(),
                "parent": codes.get(unit.parent_id),
                **{k: v for k, v in tally.figures(unit.id, i).items() if k != "reported"},
            }
        )
    doc = {"format": FORMAT, "election": election.slug, "slot": slot, "units": rows}
    return mark_json(doc, election.is_rehearsal)


def reports_for_area(*, area: PollingArea) -> QuerySet[TurnoutReport]:
    return area.turnout_reports.order_by("reported_at")


def reports_visible(*, user: Any, election: Election) -> QuerySet[TurnoutReport]:
    areas = scope_areas(user, election.polling_areas.all(), Cap.VIEW)
    return (
        TurnoutReport.objects.filter(election=election, polling_area__in=areas)
        .select_related("polling_area")
        .order_by("polling_area__code", "slot")
    )


def publications(*, election: Election) -> QuerySet[TurnoutPublication]:
    return election.turnout_publications.order_by("-version")


def locked_slots(*, election: Election) -> frozenset[str]:
    return frozenset(election.turnout_publications.values_list("slot", flat=True))
