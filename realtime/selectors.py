"""Reads of turnout: the roll-up of any unit, computed on read from the closure table.

One path computes every figure: per polling area the cumulative counts per slot (carried
forward), then summed into every ancestor unit through UnitAncestry. The tree may have any depth;
nothing here knows city, district or ward. Snapshots carry counts and percentages only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from common.rehearsal import mark_json
from common.vn import percent_str
from election.access import Cap, scope_areas
from election.models import AdminUnit, Election, PollingArea, UnitAncestry
from realtime import clock, denominators, rules
from realtime.models import TurnoutPublication, TurnoutReport

FORMAT = "baucu.turnout/1"
MISSING_LIMIT = 200  # names of late areas carried in one snapshot (the count is always exact)


@dataclass
class _Acc:
    """Sums of one unit (or area) per slot index."""

    n: int
    writes: int = 0  # report writes (first reports + corrections) under the unit: the version
    listed: int = 0
    listed_female: int = 0
    areas: int = 0
    voted: list[int] = field(default_factory=list)
    voted_female: list[int] = field(default_factory=list)
    reported: list[int] = field(default_factory=list)
    full: list[int] = field(default_factory=list)
    below: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.voted = [0] * self.n
        self.voted_female = [0] * self.n
        self.reported = [0] * self.n
        self.full = [0] * self.n
        self.below = [0] * self.n


@dataclass
class _Area:
    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str
    team: str
    contact: str
    listed: int
    listed_female: int
    day: dt.date
    series: list[int | None]
    female: list[int | None]
    latest: int  # index of the latest slot reported, -1 when none


@dataclass
class Rollup:
    election: Election
    keys: list[str]
    day: dt.date
    now: dt.datetime
    current: str | None
    upto: int  # last slot index shown (current slot, or later when an area reported later)
    units: dict[int, AdminUnit]
    children: dict[int, list[AdminUnit]]
    acc: dict[int, _Acc]
    areas: list[_Area]
    areas_by_unit: dict[int, list[_Area]]  # areas under each wanted unit (any depth)


def _election_areas(election_id: int) -> list[dict[str, Any]]:
    """Every polling area of the election with its unit and Team (cached like the list sizes:
    the structure does not change on voting day; a new contact shows within the TTL)."""
    return denominators.cached(
        "areas",
        election_id,
        lambda: list(
            PollingArea.objects.filter(election_id=election_id)
            .order_by("code")
            .values(
                "id",
                "code",
                "name",
                "unit_id",
                "unit__name",
                "polling_day",
                "team__name",
                "team__contact",
            )
        ),
    )


def slot_state(election: Election, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or clock.now_for(election)
    keys = rules.slot_keys(election.turnout_slots)
    day = rules.reporting_day(
        polling_day=election.date, today=now.date(), rehearsal=election.is_rehearsal
    )
    return {
        "keys": keys,
        "day": day,
        "now": now,
        "current": rules.current_slot(keys, day, now),
        "next_at": rules.next_slot_instant(keys, day, now),
    }


def rollup(*, election: Election, unit_ids: list[int], now: dt.datetime | None = None) -> Rollup:
    """Sums for the given units and their child units, in a handful of queries."""
    state = slot_state(election, now)
    keys: list[str] = state["keys"]
    n = len(keys)
    units = {u.id: u for u in AdminUnit.objects.filter(id__in=unit_ids)}
    children: dict[int, list[AdminUnit]] = defaultdict(list)
    for child in AdminUnit.objects.filter(parent_id__in=list(units)).order_by("code"):
        children[child.parent_id].append(child)
    wanted = set(units) | {c.id for cs in children.values() for c in cs}
    ancestors: dict[int, list[int]] = defaultdict(list)
    for anc, desc in UnitAncestry.objects.filter(ancestor_id__in=wanted).values_list(
        "ancestor_id", "descendant_id"
    ):
        ancestors[desc].append(anc)

    area_rows = [a for a in _election_areas(election.id) if a["unit_id"] in ancestors]
    by_area: dict[int, dict[str, rules.Figures]] = defaultdict(dict)
    writes: dict[int, int] = defaultdict(int)
    reports = TurnoutReport.objects.filter(election=election)
    if len(area_rows) < 2000:
        reports = reports.filter(polling_area_id__in=[a["id"] for a in area_rows])
    for area_id, slot, voted, female, corrections in reports.values_list(
        "polling_area_id", "slot", "voted", "voted_female", "corrections"
    ):
        by_area[area_id][slot] = rules.Figures(voted, female)
        writes[area_id] += 1 + corrections
    listed = denominators.listed(election_id=election.id)
    by_sex = denominators.listed_by_sex(election_id=election.id)

    current = state["current"]
    upto = keys.index(current) if current else -1
    areas: list[_Area] = []
    for row in area_rows:
        reported = by_area.get(row["id"], {})
        latest = max((keys.index(k) for k in reported if k in keys), default=-1)
        upto = max(upto, latest)
        areas.append(
            _Area(
                id=row["id"],
                code=row["code"],
                name=row["name"],
                unit_id=row["unit_id"],
                unit_name=row["unit__name"],
                team=row["team__name"] or "",
                contact=row["team__contact"] or "",
                listed=listed.get(row["id"], 0),
                listed_female=by_sex.get(row["id"], {}).get("F", 0),
                day=row["polling_day"] or election.date,
                series=rules.carry_forward(keys, {k: f.voted for k, f in reported.items()}, n - 1),
                female=rules.carry_forward(
                    keys,
                    {k: f.voted_female for k, f in reported.items() if f.voted_female is not None},
                    n - 1,
                ),
                latest=latest,
            )
        )

    acc = {uid: _Acc(n) for uid in wanted}
    areas_by_unit: dict[int, list[_Area]] = defaultdict(list)
    for area in areas:
        for uid in ancestors.get(area.unit_id, ()):
            a = acc[uid]
            a.writes += writes.get(area.id, 0)
            a.listed += area.listed
            a.listed_female += area.listed_female
            a.areas += 1
            for i in range(n):
                v = area.series[i]
                if v is None:
                    continue
                a.voted[i] += v
                a.voted_female[i] += area.female[i] or 0
                a.reported[i] += 1 if area.latest >= i else 0
                a.full[i] += 1 if rules.is_full(v, area.listed) else 0
                a.below[i] += 1 if rules.below_half(v, area.listed) else 0
            if uid in units:
                areas_by_unit[uid].append(area)
    return Rollup(
        election=election,
        keys=keys,
        day=state["day"],
        now=state["now"],
        current=current,
        upto=upto,
        units=units,
        children=children,
        acc=acc,
        areas=areas,
        areas_by_unit=areas_by_unit,
    )


def _figures(acc: _Acc, i: int) -> dict[str, Any]:
    voted = acc.voted[i] if i >= 0 else 0
    return {
        "listed": acc.listed,
        "voted": voted,
        "percent": percent_str(voted, acc.listed),
        "areas": acc.areas,
        "reported": acc.reported[i] if i >= 0 else 0,
        "areas_full": acc.full[i] if i >= 0 else 0,
        "areas_below_half": acc.below[i] if i >= 0 else 0,
    }


def _area_figures(area: _Area, i: int) -> dict[str, Any]:
    voted = (area.series[i] if i >= 0 else None) or 0
    return {
        "listed": area.listed,
        "voted": voted,
        "percent": percent_str(voted, area.listed),
        "areas": 1,
        "reported": 1 if i >= 0 and area.latest >= i else 0,
        "areas_full": 1 if i >= 0 and rules.is_full(voted, area.listed) else 0,
        "areas_below_half": 1
        if i >= 0 and area.series[i] is not None and rules.below_half(voted, area.listed)
        else 0,
    }


def _unit_ref(unit: AdminUnit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind, "level": unit.level}


def snapshot_from(r: Rollup, unit_id: int) -> dict[str, Any]:
    """The dashboard state of one unit: totals, children, the day's series, who is late.

    Its version is the number of report writes under the unit that it reflects: a function of
    the data, strictly rising with every report or correction, so that snapshots computed by
    different processes in any order are ordered correctly by the client (higher wins)."""
    unit = r.units[unit_id]
    acc = r.acc[unit_id]
    i = r.upto
    keys = r.keys
    totals = _figures(acc, i)
    female = acc.voted_female[i] if i >= 0 else 0
    current_i = keys.index(r.current) if r.current else -1
    children = [{**_unit_ref(c), **_figures(r.acc[c.id], i)} for c in r.children.get(unit_id, [])]
    direct = [a for a in r.areas_by_unit.get(unit_id, []) if a.unit_id == unit_id]
    children += [
        {"code": a.code, "name": a.name, "kind": "polling_area", "level": unit.level + 1}
        | _area_figures(a, i)
        for a in direct
    ]
    late: list[dict[str, Any]] = []
    below: list[dict[str, Any]] = []
    for a in r.areas_by_unit.get(unit_id, []):
        if a.day != r.day and not r.election.is_rehearsal:
            continue  # early voting on another day: not chased today
        if current_i >= 0 and a.latest < current_i:
            missed = keys[a.latest + 1]
            since = rules.slot_instant(keys, missed, r.day, r.now.tzinfo)
            late.append(
                {
                    "code": a.code,
                    "name": a.name,
                    "unit": a.unit_name,
                    "team": a.team,
                    "contact": a.contact,
                    "last_slot": keys[a.latest] if a.latest >= 0 else None,
                    "late_minutes": max(0, int((r.now - since).total_seconds() // 60)),
                }
            )
        v = a.series[i] if i >= 0 else None
        if v is not None and rules.below_half(v, a.listed):
            below.append(
                {
                    "code": a.code,
                    "name": a.name,
                    "unit": a.unit_name,
                    "voted": v,
                    "listed": a.listed,
                    "percent": percent_str(v, a.listed),
                }
            )
    late.sort(key=lambda x: (-x["late_minutes"], x["code"]))
    below.sort(key=lambda x: (x["voted"] * 10000 // max(x["listed"], 1), x["code"]))
    series = [
        {
            "slot": keys[j],
            "voted": acc.voted[j],
            "percent": percent_str(acc.voted[j], acc.listed),
            "reported": acc.reported[j],
        }
        for j in range(i + 1)
    ]
    next_at = rules.next_slot_instant(keys, r.day, r.now)
    return {
        "format": FORMAT,
        "election": r.election.slug,
        "version": acc.writes,
        "generated_at": r.now.isoformat(),
        "unit": _unit_ref(unit),
        "slots": keys,
        "current_slot": r.current,
        "shown_slot": keys[i] if i >= 0 else None,
        "next_slot_at": next_at.isoformat() if next_at else None,
        **totals,
        "listed_female": acc.listed_female,
        "voted_female": female,
        "percent_female": percent_str(female, acc.listed_female),
        "series": series,
        "children": children,
        "not_reported_count": len(late),
        "not_reported": late[:MISSING_LIMIT],
        "below_half": below[:MISSING_LIMIT],
        **({"rehearsal": True} if r.election.is_rehearsal else {}),
    }


def turnout_snapshot(
    *, election: Election, unit: AdminUnit, now: dt.datetime | None = None
) -> dict[str, Any]:
    r = rollup(election=election, unit_ids=[unit.id], now=now)
    return snapshot_from(r, unit.id)


def turnout_snapshots(
    *, election: Election, unit_ids: list[int], now: dt.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """Snapshots of many units from one roll-up (the coalescer's tick)."""
    r = rollup(election=election, unit_ids=unit_ids, now=now)
    return {uid: snapshot_from(r, uid) for uid in r.units}


def publication_data(
    *, election: Election, slot: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Aggregates of every unit of the election as of a slot (for the public page)."""
    unit_ids = list(
        UnitAncestry.objects.filter(ancestor_id=election.root_id).values_list(
            "descendant_id", flat=True
        )
    )
    r = rollup(election=election, unit_ids=unit_ids, now=now)
    i = r.keys.index(slot)
    codes = {u.id: u.code for u in r.units.values()}
    rows = []
    for unit in sorted(r.units.values(), key=lambda u: (u.level, u.code)):
        rows.append(
            {
                **_unit_ref(unit),
                "parent": codes.get(unit.parent_id),
                **{k: v for k, v in _figures(r.acc[unit.id], i).items() if k != "reported"},
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
