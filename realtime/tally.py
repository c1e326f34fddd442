"""Turnout figures held in memory and updated one polling area at a time.

A `Tally` holds, for a set of units of one election, each polling area's reports and what the
area adds to every unit above it (voted, women voted, reported, at 100 %, below 50 % per slot;
listed; report writes). Replacing an area's reports subtracts its old contribution from its
ancestors and adds the new one: the cost is the depth of the tree, not the size of the city.
Per unit it also keeps two sorted indexes — areas by the last slot they reported (who is late)
and areas below 50 % by their ratio — so that a snapshot is built in time proportional to what
it carries (children, series, at most LIST_LIMIT names), not to the areas under the unit.

One path computes every figure: the API and a newly joined socket build a Tally of one unit's
subtree from the database (`Tally.load`), the coalescer keeps one Tally of the whole election
and feeds it the areas that changed (`Tally.refresh`). Nothing here knows city, district or ward.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from common.vn import percent_str
from realtime import clock, denominators, rules

FORMAT = "baucu.turnout/1"
LIST_LIMIT = 50  # names of late / below-half areas carried in one snapshot (counts are exact)


@dataclass
class Acc:
    """Sums of one unit (or one area's share) per slot index."""

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
        for name in ("voted", "voted_female", "reported", "full", "below"):
            if not getattr(self, name):
                setattr(self, name, [0] * self.n)

    def add(self, other: Acc, sign: int = 1) -> None:
        self.writes += sign * other.writes
        self.listed += sign * other.listed
        self.listed_female += sign * other.listed_female
        self.areas += sign * other.areas
        for name in ("voted", "voted_female", "reported", "full", "below"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for i in range(self.n):
                mine[i] += sign * theirs[i]


@dataclass
class Unit:
    id: int
    code: str
    name: str
    kind: str
    level: int
    parent_id: int | None

    def ref(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "level": self.level}


@dataclass
class Area:
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
    reports: dict[str, rules.Figures] = field(default_factory=dict)
    writes: int = 0
    series: list[int | None] = field(default_factory=list)
    female: list[int | None] = field(default_factory=list)
    latest: int = -1  # index of the latest slot reported, -1 when none

    def last(self) -> int | None:
        """The latest cumulative figure (carried forward to the last slot)."""
        return self.series[-1] if self.series else None


def _derive(area: Area, keys: list[str]) -> None:
    n = len(keys)
    r = area.reports
    area.latest = max((keys.index(k) for k in r if k in keys), default=-1)
    area.series = rules.carry_forward(keys, {k: f.voted for k, f in r.items()}, n - 1)
    area.female = rules.carry_forward(
        keys, {k: f.voted_female for k, f in r.items() if f.voted_female is not None}, n - 1
    )


def _share(area: Area, n: int) -> Acc:
    """What one area adds to every unit above it."""
    c = Acc(n, writes=area.writes, listed=area.listed, listed_female=area.listed_female, areas=1)
    for i in range(n):
        v = area.series[i]
        if v is None:
            continue
        c.voted[i] = v
        c.voted_female[i] = area.female[i] or 0
        c.reported[i] = 1 if area.latest >= i else 0
        c.full[i] = 1 if rules.is_full(v, area.listed) else 0
        c.below[i] = 1 if rules.below_half(v, area.listed) else 0
    return c


def _late_key(area: Area) -> tuple[int, str, int]:
    return (area.latest, area.code, area.id)


def _below_key(area: Area) -> tuple[int, str, int] | None:
    v = area.last()
    if v is None or not rules.below_half(v, area.listed):
        return None
    return (v * 10000 // max(area.listed, 1), area.code, area.id)


def _remove(index: list, key: Any) -> None:  # noqa: ANN401
    i = bisect.bisect_left(index, key)
    if i < len(index) and index[i] == key:
        del index[i]


class Tally:
    """The figures of some units of one election (see the module docstring)."""

    def __init__(
        self,
        *,
        election: Any,
        keys: list[str],
        units: dict[int, Unit],
        children: dict[int, list[int]],
        ancestors: dict[int, tuple[int, ...]],
        areas: list[Area],
        epoch: int = 0,
    ) -> None:
        self.election = election
        self.epoch = epoch  # the election's turnout epoch the figures were read in
        self.keys = keys
        self.n = len(keys)
        self.units = units
        self.children = children
        self.ancestors = ancestors  # unit id → the held units at or above it
        self.areas: dict[int, Area] = {}
        self.direct: dict[int, list[int]] = defaultdict(list)  # unit → its own areas, by code
        self.acc: dict[int, Acc] = {uid: Acc(self.n) for uid in units}
        self.late: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        self.below: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
        self.latest_count = [0] * (self.n + 1)  # areas per latest index (+1: none yet)
        for area in sorted(areas, key=lambda a: a.code):
            _derive(area, keys)
            self.areas[area.id] = area
            if area.unit_id in units:
                self.direct[area.unit_id].append(area.id)
            self._attach(area)
        for index in (*self.late.values(), *self.below.values()):
            index.sort()

    # --- loading --------------------------------------------------------------------------
    @classmethod
    def load(cls, *, election: Any, unit_ids: Iterable[int] | None = None) -> Tally:
        """From the database: the given units and their children (None: every unit of the
        election), with every polling area under them and its reports."""
        from election.models import AdminUnit, Election, UnitAncestry
        from realtime.models import TurnoutReport

        if unit_ids is None:
            rows = AdminUnit.objects.filter(
                id__in=UnitAncestry.objects.filter(ancestor_id=election.root_id).values(
                    "descendant_id"
                )
            )
        else:
            top = list(unit_ids)
            rows = AdminUnit.objects.filter(id__in=top) | AdminUnit.objects.filter(
                parent_id__in=top
            )
        units = {
            u["id"]: Unit(
                id=u["id"],
                code=u["code"],
                name=u["name"],
                kind=u["kind"],
                level=u["level"],
                parent_id=u["parent_id"],
            )
            for u in rows.order_by("code").values(
                "id", "code", "name", "kind", "level", "parent_id"
            )
        }
        children: dict[int, list[int]] = defaultdict(list)
        for u in units.values():  # in code order
            if u.parent_id in units:
                children[u.parent_id].append(u.id)
        ancestors: dict[int, list[int]] = defaultdict(list)
        for anc, desc in UnitAncestry.objects.filter(ancestor_id__in=list(units)).values_list(
            "ancestor_id", "descendant_id"
        ):
            ancestors[desc].append(anc)
        # the epoch before the reports: a wipe committing in between then yields an older epoch
        # with newer (lower) versions, which clients ignore until the reload the wipe asks for;
        # the other order could pair a new epoch with the old, higher versions
        epoch = (
            Election.objects.filter(pk=election.pk).values_list("turnout_epoch", flat=True).first()
            or 0
        )
        keys = rules.slot_keys(election.turnout_slots)
        rows_areas = [a for a in _election_areas(election.id) if a["unit_id"] in ancestors]
        listed = denominators.listed(election_id=election.id)
        by_sex = denominators.listed_by_sex(election_id=election.id)
        areas = [
            Area(
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
            )
            for row in rows_areas
        ]
        by_id = {a.id: a for a in areas}
        reports = TurnoutReport.objects.filter(election=election)
        if len(by_id) < 2000:
            reports = reports.filter(polling_area_id__in=list(by_id))
        for area_id, slot, voted, female, corrections in reports.values_list(
            "polling_area_id", "slot", "voted", "voted_female", "corrections"
        ):
            area = by_id.get(area_id)
            if area is not None:
                area.reports[slot] = rules.Figures(voted, female)
                area.writes += 1 + corrections
        tally = cls(
            election=election,
            keys=keys,
            units=units,
            children=children,
            ancestors={u: tuple(a) for u, a in ancestors.items()},
            areas=areas,
            epoch=epoch,
        )
        if unit_ids is not None:  # the latest slot anyone reported, election-wide
            tally.reported_slots = set(
                TurnoutReport.objects.filter(election=election).values_list("slot", flat=True)
            )
        return tally

    reported_slots: set[str] | None = None  # set by a partial load: slots reported elsewhere

    # --- incremental updates --------------------------------------------------------------
    def _attach(self, area: Area, sign: int = 1) -> None:
        share = _share(area, self.n)
        chase = self.election.is_rehearsal or area.day == self.election.date
        below = _below_key(area)
        self.latest_count[area.latest + 1] += sign
        for uid in self.ancestors.get(area.unit_id, ()):
            self.acc[uid].add(share, sign)
            if sign > 0:
                if chase:
                    self.late[uid].append(_late_key(area))
                if below is not None:
                    self.below[uid].append(below)
            else:
                if chase:
                    _remove(self.late[uid], _late_key(area))
                if below is not None:
                    _remove(self.below[uid], below)

    def _insort(self, area: Area) -> None:
        """Index a re-attached area in sorted position (after the initial bulk sort)."""
        chase = self.election.is_rehearsal or area.day == self.election.date
        below = _below_key(area)
        for uid in self.ancestors.get(area.unit_id, ()):
            if chase:
                bisect.insort(self.late[uid], _late_key(area))
            if below is not None:
                bisect.insort(self.below[uid], below)

    def replace(self, area_id: int, reports: dict[str, rules.Figures], writes: int) -> set[int]:
        """Set an area's reports; returns the held units whose figures changed."""
        area = self.areas.get(area_id)
        if area is None:
            return set()
        if area.reports == reports and area.writes == writes:
            return set()
        self._attach(area, -1)
        area.reports, area.writes = reports, writes
        _derive(area, self.keys)
        share = _share(area, self.n)
        self.latest_count[area.latest + 1] += 1
        for uid in self.ancestors.get(area.unit_id, ()):
            self.acc[uid].add(share)
        self._insort(area)
        return set(self.ancestors.get(area.unit_id, ()))

    def refresh(self, area_ids: Iterable[int]) -> set[int]:
        """Read these areas' reports from the database and apply them; the changed units."""
        from realtime.models import TurnoutReport

        ids = [a for a in set(area_ids) if a in self.areas]
        found: dict[int, dict[str, rules.Figures]] = {a: {} for a in ids}
        writes: dict[int, int] = dict.fromkeys(ids, 0)
        for area_id, slot, voted, female, corrections in TurnoutReport.objects.filter(
            polling_area_id__in=ids
        ).values_list("polling_area_id", "slot", "voted", "voted_female", "corrections"):
            found[area_id][slot] = rules.Figures(voted, female)
            writes[area_id] += 1 + corrections
        changed: set[int] = set()
        for area_id in ids:
            changed |= self.replace(area_id, found[area_id], writes[area_id])
        return changed

    # --- reading --------------------------------------------------------------------------
    def state(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """The clock's view: current slot, shown slot (the current one, or later when an area
        already reported a later one), the day whose slots apply."""
        now = now or clock.now()
        day = rules.reporting_day(
            polling_day=self.election.date, today=now.date(), rehearsal=self.election.is_rehearsal
        )
        closes = clock.polls_close()
        current = rules.current_slot(self.keys, day, now, closes)
        latest = max((i - 1 for i, c in enumerate(self.latest_count) if c > 0), default=-1)
        if self.reported_slots is not None:
            latest = max(
                [latest] + [self.keys.index(s) for s in self.reported_slots if s in self.keys]
            )
        upto = max(self.keys.index(current) if current else -1, latest)
        return {"now": now, "day": day, "current": current, "upto": upto, "closes": closes}

    def figures(self, unit_id: int, i: int) -> dict[str, Any]:
        acc = self.acc[unit_id]
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

    def _area_figures(self, area: Area, i: int) -> dict[str, Any]:
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

    def snapshot(self, unit_id: int, state: dict[str, Any] | None = None) -> dict[str, Any]:
        """The dashboard state of one unit: totals, children, the day's series, who is late.

        Its version is the number of report writes under the unit that it reflects: a function
        of the data, strictly rising with every report or correction, so that snapshots built by
        different processes in any order are ordered correctly by the client (higher wins).
        A wipe deletes reports, so versions restart lower: the snapshot also carries the
        election's turnout epoch (raised by every wipe, stored on the election), and clients
        order snapshots by (epoch, version)."""
        st = state or self.state()
        now, day, current, i = st["now"], st["day"], st["current"], st["upto"]
        closes = st.get("closes", rules.DEFAULT_CLOSE)
        keys = self.keys
        unit = self.units[unit_id]
        acc = self.acc[unit_id]
        female = acc.voted_female[i] if i >= 0 else 0
        children = [{**self.units[c].ref(), **self.figures(c, i)} for c in self.children[unit_id]]
        children += [
            {"code": a.code, "name": a.name, "kind": "polling_area", "level": unit.level + 1}
            | self._area_figures(a, i)
            for a in (self.areas[x] for x in self.direct.get(unit_id, ()))
        ]
        late: list[dict[str, Any]] = []
        late_count = 0
        if current is not None:
            current_i = keys.index(current)
            index = self.late.get(unit_id, [])
            late_count = bisect.bisect_left(index, (current_i,))
            for latest, _code, area_id in index[: min(late_count, LIST_LIMIT)]:
                a = self.areas[area_id]
                since = rules.chased_since(keys, keys[latest + 1], day, now.tzinfo, closes)
                late.append(
                    {
                        "code": a.code,
                        "name": a.name,
                        "unit": a.unit_name,
                        "team": a.team,
                        "contact": a.contact,
                        "last_slot": keys[latest] if latest >= 0 else None,
                        "late_minutes": max(0, int((now - since).total_seconds() // 60)),
                    }
                )
        below = []
        if i >= 0:
            for _ratio, _code, area_id in self.below.get(unit_id, [])[:LIST_LIMIT]:
                a = self.areas[area_id]
                v = a.last() or 0
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
        series = [
            {
                "slot": keys[j],
                "voted": acc.voted[j],
                "percent": percent_str(acc.voted[j], acc.listed),
                "reported": acc.reported[j],
            }
            for j in range(i + 1)
        ]
        next_at = rules.next_slot_instant(keys, day, now, closes)
        return {
            "format": FORMAT,
            "election": self.election.slug,
            "epoch": self.epoch,
            "version": acc.writes,
            "generated_at": now.isoformat(),
            "unit": unit.ref(),
            "slots": keys,
            "current_slot": current,
            "shown_slot": keys[i] if i >= 0 else None,
            "next_slot_at": next_at.isoformat() if next_at else None,
            **self.figures(unit_id, i),
            "listed_female": acc.listed_female,
            "voted_female": female,
            "percent_female": percent_str(female, acc.listed_female),
            "series": series,
            "children": children,
            "not_reported_count": late_count,
            "not_reported": late,
            "below_half": below,
            **({"rehearsal": True} if self.election.is_rehearsal else {}),
        }


def _election_areas(election_id: int) -> list[dict[str, Any]]:
    """Every polling area of the election with its unit and Team (cached like the list sizes:
    the structure does not change on voting day; a new contact shows within the TTL)."""
    from election.models import PollingArea

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
