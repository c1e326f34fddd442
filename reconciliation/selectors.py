"""The reconciliation board of a unit: facts of every polling area × contest under it, gathered
set-based (a fixed number of queries whatever the number of areas), evaluated by rules.py.

Contract (used by the pages, the API and the drill):
- board(*, user, election, unit, now=None) -> Board   (VIEW on the unit, else PermissionDenied)
- board_unscoped(*, election, unit, now=None) -> Board (commands, the drill)
- Board.rows: list[AreaRow] (one per polling area × contest, by area code then contest),
  Board.children: list[ChildSummary] (per child unit: areas green/amber/red, need attention).

Where each figure comes from:
- list now: voters.VoterAreaCount (kept by the voters services), per contest by scope;
- additions/removals since posting: the VoterEvent ledger from the legal posting day
  (40 days before election day, 00:00 local time); at posting = now − added + removed;
- cards: the latest printing.PrintedFile of kind "cards" of the area, and the single cards
  reprinted after it (audit events `printing.card_reprinted`);
- turnout: realtime.TurnoutReport per slot;
- minutes: results.CountMinutes of the first election (round "main").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, When
from django.utils import timezone

from common.models import AuditEvent
from election.access import Cap, can
from election.models import AdminUnit, Contest, Election, PollingArea, UnitAncestry
from printing.models import PrintedFile
from realtime import clock
from realtime import rules as turnout_rules
from realtime.models import TurnoutReport
from reconciliation import rules
from results.models import CountMinutes, Round
from results.selectors import thresholds_for
from voters import rules as voter_rules
from voters.models import VoterEvent
from voters.selectors import area_contest_tiers, counts_by_scope

REPRINT_ACTION = "printing.card_reprinted"

_MINUTES_STATE = {
    CountMinutes.Status.EMPTY: rules.MISSING,
    CountMinutes.Status.FIRST_ENTRY: rules.IN_ENTRY,
    CountMinutes.Status.DIFFERENT: rules.DIFFERENT,
    CountMinutes.Status.DEFINITIVE: rules.DEFINITIVE,
}
_FIGURES = (
    "voters_listed",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)


@dataclass
class AreaRow:
    polling_area_id: int
    polling_area_code: str
    polling_area_name: str
    unit_id: int
    contest_code: str
    contest_name: str
    facts: rules.AreaFacts
    findings: list[rules.Finding]
    state: str


@dataclass
class ChildSummary:
    """Polling areas of one unit by their worst state over their contests."""

    unit: AdminUnit
    areas: int = 0
    green: int = 0
    amber: int = 0
    red: int = 0

    @property
    def attention(self) -> int:
        return self.amber + self.red

    @property
    def state(self) -> str:
        return rules.RED if self.red else rules.AMBER if self.amber else rules.GREEN

    def add(self, state: str) -> None:
        self.areas += 1
        setattr(self, state, getattr(self, state) + 1)


@dataclass
class Board:
    election: Election
    unit: AdminUnit
    now: dt.datetime
    slots: list[str]
    due: dict[dt.date, frozenset[str]]
    rows: list[AreaRow]
    children: list[ChildSummary]
    total: ChildSummary
    contests: list[Contest] = field(default_factory=list)

    @property
    def attention(self) -> int:
        """Polling areas that need attention (amber or red in at least one contest)."""
        return self.total.attention

    def area_states(self) -> dict[str, str]:
        """{polling area code: worst state over its contests}."""
        out: dict[str, list[str]] = defaultdict(list)
        for r in self.rows:
            out[r.polling_area_code].append(r.state)
        return {code: rules.worst(states) for code, states in out.items()}


def board(
    *, user: Any, election: Election, unit: AdminUnit, now: dt.datetime | None = None
) -> Board:
    """The board of a unit for a user who may see it (VIEW on the unit)."""
    if not can(user, Cap.VIEW, unit):
        raise PermissionDenied
    return board_unscoped(election=election, unit=unit, now=now)


def posting_instant(election: Election) -> dt.datetime:
    """Start of the legal posting day (Art 32), local time."""
    day = voter_rules.posting_date(election.date)
    return dt.datetime.combine(day, dt.time.min, tzinfo=voter_rules.VN_TZ)


def slots_due(keys: list[str], day: dt.date, now: dt.datetime) -> frozenset[str]:
    """Slot keys whose reporting window (slot time + ON_TIME_MINUTES) has passed at `now`;
    "closed" once polls have closed (the last slot time) and its window has passed."""
    grace = dt.timedelta(minutes=turnout_rules.ON_TIME_MINUTES)
    return frozenset(
        k for k in keys if turnout_rules.slot_instant(keys, k, day, now.tzinfo) + grace < now
    )


def _areas_qs(election: Election, unit: AdminUnit) -> QuerySet[PollingArea]:
    """Polling areas under the unit; used as a subquery, so that no query carries thousands of
    ids as parameters."""
    qs = PollingArea.objects.filter(election=election)
    if unit.id != election.root_id:
        qs = qs.filter(
            unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")
        )
    return qs


def _ledger(election: Election, inside: Q) -> dict[int, tuple[int, int]]:
    """{area id: (added, removed)} from the ledger since the posting day."""
    rows = (
        VoterEvent.objects.filter(inside, election=election, at__gte=posting_instant(election))
        .exclude(delta=0)
        .order_by()
        .values("polling_area_id")
        .annotate(
            added=Sum(
                Case(When(delta__gt=0, then="delta"), default=0, output_field=IntegerField())
            ),
            removed=Sum(
                Case(When(delta__lt=0, then="delta"), default=0, output_field=IntegerField())
            ),
        )
    )
    return {r["polling_area_id"]: (r["added"] or 0, -(r["removed"] or 0)) for r in rows}


def _cards(election: Election, inside: Q) -> dict[int, tuple[int, int]]:
    """{area id: (cards of the latest full print, single cards reprinted after it)}."""
    latest: dict[int, tuple[dt.datetime, int]] = {}
    rows = (
        PrintedFile.objects.filter(
            inside, kind=PrintedFile.Kind.CARDS, polling_area__election=election
        )
        .order_by("created_at", "id")
        .values_list("polling_area_id", "created_at", "items")
    )
    for area_id, at, items in rows:
        latest[area_id] = (at, items)
    reprinted: dict[int, int] = defaultdict(int)
    if latest:
        events = AuditEvent.objects.filter(
            action=REPRINT_ACTION, election_id=election.id, object_type="election.PollingArea"
        ).values_list("object_id", "at")
        for object_id, at in events:
            area_id = int(object_id)
            if area_id in latest and at > latest[area_id][0]:
                reprinted[area_id] += 1
    return {a: (items, reprinted.get(a, 0)) for a, (_at, items) in latest.items()}


def _turnout(election: Election, inside: Q) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = TurnoutReport.objects.filter(inside, election=election)
    for area_id, slot, voted in rows.values_list("polling_area_id", "slot", "voted"):
        out[area_id][slot] = voted
    return out


def _minutes(election: Election, inside: Q) -> dict[tuple[int, int], dict[str, Any]]:
    rows = CountMinutes.objects.filter(
        inside, polling_area__election=election, round=Round.MAIN
    ).values("polling_area_id", "contest_id", "status", "voters_listed_reason", *_FIGURES)
    return {(r["polling_area_id"], r["contest_id"]): r for r in rows}


def _group_of(unit: AdminUnit) -> tuple[list[AdminUnit], dict[int, int]]:
    """The unit's children and {descendant unit id: child id}."""
    children = list(unit.children.order_by("code"))
    links = UnitAncestry.objects.filter(ancestor__in=children).values_list(
        "ancestor_id", "descendant_id"
    )
    return children, {d: a for a, d in links}


def board_unscoped(*, election: Election, unit: AdminUnit, now: dt.datetime | None = None) -> Board:
    """The board of any unit of the election, without a permission check."""
    # slot times are local times: read the instant in the site's time zone (Asia/Ho_Chi_Minh)
    now = timezone.localtime(now) if now else clock.now()
    keys = turnout_rules.slot_keys(election.turnout_slots)
    areas_qs = _areas_qs(election, unit)
    areas = list(areas_qs.order_by("code").values("id", "code", "name", "unit_id", "polling_day"))
    whole = unit.id == election.root_id
    # the election's own areas need no filter; a unit's areas are a subquery
    inside = Q() if whole else Q(polling_area_id__in=areas_qs.values("id"))
    area_ids = None if whole else [a["id"] for a in areas]
    tiers = area_contest_tiers(election=election, area_ids=area_ids)
    scopes = counts_by_scope(election=election, area_ids=area_ids)
    ledger = _ledger(election, inside)
    cards = _cards(election, inside)
    turnout = _turnout(election, inside)
    minutes = _minutes(election, inside)
    contests = {c.id: c for c in Contest.objects.filter(election=election)}
    tolerances = rules.Tolerances(turnout=thresholds_for(election).turnout_tolerance)

    due: dict[dt.date, frozenset[str]] = {}

    def due_for(polling_day: dt.date | None) -> frozenset[str]:
        day = turnout_rules.reporting_day(
            polling_day=polling_day or election.date,
            today=now.date(),
            rehearsal=election.is_rehearsal,
        )
        if day not in due:
            due[day] = slots_due(keys, day, now)
        return due[day]

    contests_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for area_id, contest_id, tier in tiers:
        contests_of[area_id].append((contest_id, tier))

    children, child_of = _group_of(unit)
    summaries = {c.id: ChildSummary(c) for c in children}
    total = ChildSummary(unit)
    rows: list[AreaRow] = []
    for a in areas:
        by_scope = scopes.get(a["id"], {})
        list_now = sum(by_scope.values())
        added, removed = ledger.get(a["id"], (0, 0))
        printed = cards.get(a["id"])
        reported = turnout.get(a["id"], {})
        area_due = due_for(a["polling_day"])
        area_rows: list[AreaRow] = []
        for contest_id, tier in sorted(contests_of.get(a["id"], [])):
            contest = contests[contest_id]
            m = minutes.get((a["id"], contest_id))
            status = _MINUTES_STATE.get(m["status"], rules.MISSING) if m else rules.MISSING
            figures = (
                {f: m[f] for f in _FIGURES}
                if m and status == rules.DEFINITIVE
                else dict.fromkeys(_FIGURES)
            )
            facts = rules.AreaFacts(
                polling_area_code=a["code"],
                contest_code=contest.code,
                contest_kind=contest.kind,
                list_at_posting=list_now - added + removed,
                list_now=list_now,
                list_now_contest=sum(
                    n for scope, n in by_scope.items() if voter_rules.takes_part(scope, tier)
                ),
                ledger_added=added,
                ledger_removed=removed,
                cards_printed=printed[0] if printed else None,
                cards_reprinted=printed[1] if printed else 0,
                slots=tuple(keys),
                turnout=tuple(reported.get(k) for k in keys),
                minutes_status=status,
                voters_listed_reason=(m or {}).get("voters_listed_reason") or "",
                **figures,
            )
            findings = rules.evaluate(facts, now_slots_due=area_due, tolerances=tolerances)
            area_rows.append(
                AreaRow(
                    polling_area_id=a["id"],
                    polling_area_code=a["code"],
                    polling_area_name=a["name"],
                    unit_id=a["unit_id"],
                    contest_code=contest.code,
                    contest_name=contest.name,
                    facts=facts,
                    findings=findings,
                    state=rules.state_of(findings),
                )
            )
        rows += area_rows
        state = rules.worst(r.state for r in area_rows)
        total.add(state)
        child = child_of.get(a["unit_id"])
        if child in summaries:
            summaries[child].add(state)
    used = sorted({cid for cs in contests_of.values() for cid, _t in cs})
    return Board(
        election=election,
        unit=unit,
        now=now,
        slots=keys,
        due=due,
        rows=rows,
        children=list(summaries.values()),
        total=total,
        contests=[contests[c] for c in used],
    )


def attention_filter(rows: Iterable[AreaRow], only_attention: bool) -> list[AreaRow]:
    """Rows of the areas that need attention (every contest of such an area is kept, so that
    the area's figures stay together)."""
    rows = list(rows)
    if not only_attention:
        return rows
    flagged = {r.polling_area_id for r in rows if r.state != rules.GREEN}
    return [r for r in rows if r.polling_area_id in flagged]
