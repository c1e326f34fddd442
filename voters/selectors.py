"""Reads of voter lists. Counts are set-based (one GROUP BY each, city scale); lists and
searches of personal data are always scoped by election/access.py.

Contract used by other apps (results, realtime, printing):
- listed_counts(election=, area_ids=) -> {area_id: n}
- listed_counts_by_contest(election=, area_ids=) -> {(area_id, contest_id): n}
- listed_counts_by_sex(election=, area_ids=) -> {area_id: {"M": n, "F": n}}
"Listed" = status `listed`: on the list now and eligible there (a voter with a certificate to
vote elsewhere counts at the place they vote, not at home; removed voters are not counted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.http import Http404

from common.text import fold
from election.access import Cap, can_area, scope_areas
from election.models import (
    AdminUnit,
    Contest,
    Election,
    PollingArea,
    PollingAreaConstituency,
    UnitAncestry,
)
from voters import rules
from voters.models import (
    DistinctPersons,
    DistinctPersonsMember,
    Voter,
    VoterAreaCount,
    VoterEvent,
)


def _counts(election: Election | int, area_ids: Iterable[int] | None) -> QuerySet[Any]:
    """The per-area summary (VoterAreaCount), kept by the services with every write."""
    election_id = election if isinstance(election, int) else election.pk
    qs = VoterAreaCount.objects.filter(election_id=election_id)
    if area_ids is not None:
        qs = qs.filter(polling_area_id__in=list(area_ids))
    return qs.order_by()


def listed_counts(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Voters on the list now, per polling area id (areas without voters are absent)."""
    out: dict[int, int] = defaultdict(int)
    for area_id, n in _counts(election, area_ids).values_list("polling_area_id", "n"):
        out[area_id] += n
    return {k: v for k, v in out.items() if v}


def listed_counts_by_sex(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{area_id: {"M": n, "F": n}} for voters on the list now."""
    out: dict[int, dict[str, int]] = {}
    for area_id, sex, n in _counts(election, area_ids).values_list("polling_area_id", "sex", "n"):
        out.setdefault(area_id, {"M": 0, "F": 0})[sex] += n
    return out


def counts_by_scope(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{area_id: {scope: n}}: voters on the list now by contest scope (domain.md §2.2)."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    rows = _counts(election, area_ids).values_list("polling_area_id", "contest_scope", "n")
    for area_id, scope, n in rows:
        out[area_id][scope] = out[area_id].get(scope, 0) + n
    return dict(out)


def listed_counts_exact(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """The same as listed_counts, counted from the voter rows (to check the summary)."""
    election_id = election if isinstance(election, int) else election.pk
    qs = Voter.objects.filter(election_id=election_id, status=Voter.Status.LISTED)
    if area_ids is not None:
        qs = qs.filter(polling_area_id__in=list(area_ids))
    rows = qs.order_by().values_list("polling_area_id").annotate(n=Count("id"))
    return {area_id: n for area_id, n in rows}


def area_contest_tiers(
    *, election: Election, area_ids: Iterable[int] | None = None
) -> list[tuple[int, int, str]]:
    """(area_id, contest_id, tier) for every contest each polling area takes part in."""
    qs = PollingAreaConstituency.objects.filter(polling_area__election=election)
    if area_ids is not None:
        qs = qs.filter(polling_area_id__in=list(area_ids))
    rows = qs.values_list(
        "polling_area_id",
        "contest_id",
        "contest__kind",
        "contest__unit_id",
        "polling_area__unit_id",
    )
    return [
        (
            area_id,
            contest_id,
            rules.contest_tier(
                kind=kind,
                contest_unit_id=contest_unit,
                root_unit_id=election.root_id,
                area_unit_id=area_unit,
            ),
        )
        for area_id, contest_id, kind, contest_unit, area_unit in rows
    ]


def listed_counts_by_contest(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """{(area_id, contest_id): n}: voters on the list now entitled to vote in that contest.

    Two set-based queries: voters grouped by (area, contest scope), and the area→contest
    assignments; a contest counts the scopes that take part in its tier.
    """
    if isinstance(election, int):
        election = Election.objects.get(pk=election)
    area_ids = None if area_ids is None else list(area_ids)
    by_scope = counts_by_scope(election=election, area_ids=area_ids)
    out: dict[tuple[int, int], int] = {}
    for area_id, contest_id, tier in area_contest_tiers(election=election, area_ids=area_ids):
        scopes = by_scope.get(area_id, {})
        out[(area_id, contest_id)] = sum(
            n for scope, n in scopes.items() if rules.takes_part(scope, tier)
        )
    return out


def voter_contest_ids(*, voter: Voter) -> list[int]:
    """The contests one voter takes part in (their area's contests filtered by their scope)."""
    return [
        contest_id
        for area_id, contest_id, tier in area_contest_tiers(
            election=voter.polling_area.election, area_ids=[voter.polling_area_id]
        )
        if rules.takes_part(voter.contest_scope, tier)
    ]


# --- scoped reads for pages and the API ------------------------------------------------------


def voter_list(*, user: Any, area: PollingArea, q: str = "") -> QuerySet[Voter]:
    """The list of one polling area in STT order (personal data: VIEW_PERSONAL on the area)."""
    if not can_area(user, Cap.VIEW_PERSONAL, area):
        raise PermissionDenied
    qs = Voter.objects.filter(polling_area=area).order_by("stt")
    return _search_filter(qs, q)


def _search_filter(qs: QuerySet[Voter], q: str) -> QuerySet[Voter]:
    q = (q or "").strip()
    if not q:
        return qs
    digits = q.replace(" ", "")
    if digits.isdigit():
        return qs.filter(national_id__startswith=digits)
    return qs.filter(search_key__contains=fold(q))


def voter_search(
    *, user: Any, election: Election, q: str, unit: AdminUnit | None = None, limit: int = 200
) -> QuerySet[Voter]:
    """Search by name without accents or by ID, inside the user's units (and `unit`)."""
    if not (q or "").strip():
        return Voter.objects.none()
    areas = scope_areas(user, PollingArea.objects.filter(election=election), Cap.VIEW_PERSONAL)
    if unit is not None:
        areas = areas.filter(
            unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")
        )
    qs = Voter.objects.filter(election=election, polling_area__in=areas)
    return (
        _search_filter(qs, q)
        .select_related("polling_area__unit")
        .order_by("polling_area__code", "stt")[:limit]
    )


def voter_get(*, user: Any, election: Election, pk: int, cap: Cap = Cap.VIEW_PERSONAL) -> Voter:
    voter = (
        Voter.objects.filter(election=election, pk=pk)
        .select_related("polling_area__unit", "polling_area__election")
        .first()
    )
    if voter is None:
        raise Http404
    if not can_area(user, cap, voter.polling_area):
        raise PermissionDenied
    return voter


def area_ids_under(*, election: Election, unit: AdminUnit) -> list[int]:
    return list(
        PollingArea.objects.filter(
            election=election,
            unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id"),
        ).values_list("id", flat=True)
    )


def contests_under(*, election: Election, area_ids: list[int]) -> list[Contest]:
    ids = set(
        PollingAreaConstituency.objects.filter(polling_area_id__in=area_ids).values_list(
            "contest_id", flat=True
        )
    )
    return list(Contest.objects.filter(id__in=ids).order_by("id"))


def rollup(*, election: Election, unit: AdminUnit) -> dict[str, Any]:
    """Voters on the list now for a unit, by child unit (or by polling area at the lowest level):
    total, male, female and per contest (the footer of Mẫu 33). Counts only, no personal data."""
    area_rows = list(
        PollingArea.objects.filter(
            election=election,
            unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id"),
        )
        .order_by("code")
        .values("id", "code", "name", "unit_id")
    )
    area_ids = [a["id"] for a in area_rows]
    by_sex = listed_counts_by_sex(election=election, area_ids=area_ids)
    by_contest = listed_counts_by_contest(election=election, area_ids=area_ids)
    contests = contests_under(election=election, area_ids=area_ids)
    children = list(unit.children.order_by("code"))
    group_of: dict[int, Any] = {}
    if children:
        links = UnitAncestry.objects.filter(ancestor__in=children).values_list(
            "ancestor_id", "descendant_id"
        )
        child_of_unit = {d: a for a, d in links}
        by_id = {c.id: c for c in children}
        for a in area_rows:
            child = child_of_unit.get(a["unit_id"])
            group_of[a["id"]] = ("unit", by_id[child]) if child else ("area", a)
    else:
        group_of = {a["id"]: ("area", a) for a in area_rows}

    def blank(kind: str, obj: Any) -> dict[str, Any]:
        return {"kind": kind, "obj": obj, "total": 0, "M": 0, "F": 0, "contests": {}}

    rows: dict[Any, dict[str, Any]] = {}
    for a in area_rows:
        kind, obj = group_of[a["id"]]
        key = (kind, obj.id if kind == "unit" else obj["id"])
        row = rows.setdefault(key, blank(kind, obj))
        sexes = by_sex.get(a["id"], {})
        row["M"] += sexes.get("M", 0)
        row["F"] += sexes.get("F", 0)
        row["total"] += sexes.get("M", 0) + sexes.get("F", 0)
        for c in contests:
            n = by_contest.get((a["id"], c.id))
            if n is not None:
                row["contests"][c.id] = row["contests"].get(c.id, 0) + n
    out_rows = list(rows.values())
    total = blank("total", unit)
    for r in out_rows:
        for k in ("total", "M", "F"):
            total[k] += r[k]
        for cid, n in r["contests"].items():
            total["contests"][cid] = total["contests"].get(cid, 0) + n
    return {"rows": out_rows, "total": total, "contests": contests, "area_count": len(area_ids)}


def change_report(
    *,
    election: Election,
    unit: AdminUnit,
    start: dt.datetime,
    end: dt.datetime,
    with_names: bool = False,
) -> dict[str, Any]:
    """Báo cáo biến động cử tri for a period, per polling area of the unit, from the ledger:
    size at start + additions − removals = size at end (sum of event deltas)."""
    area_ids = area_ids_under(election=election, unit=unit)
    areas = {a.id: a for a in PollingArea.objects.filter(id__in=area_ids).select_related("unit")}
    events = VoterEvent.objects.filter(election=election, polling_area_id__in=area_ids)
    before = dict(
        events.filter(at__lt=start)
        .order_by()
        .values_list("polling_area_id")
        .annotate(n=Sum("delta"))
    )
    rows_q = (
        events.filter(at__gte=start, at__lt=end)
        .order_by()
        .values_list("polling_area_id", "kind", "reason")
        .annotate(n=Count("id"), d=Sum("delta"))
    )
    per_area: dict[int, dict[str, Any]] = {}
    for area_id in sorted(areas, key=lambda i: areas[i].code):
        per_area[area_id] = {
            "area": areas[area_id],
            "start": before.get(area_id) or 0,
            "added": 0,
            "removed": 0,
            "kinds": {},
        }
    for area_id, kind, reason, n, d in rows_q:
        row = per_area[area_id]
        # moves by reason, removals as ineligible by their Art 30(1) ground, and removals
        # because the source extract no longer holds the person apart from other removals
        keyed = ("moved_out", "moved_in", "ineligible")
        if reason and (kind in keyed or (kind == "removed" and reason == "source")):
            key = f"{kind}:{reason}"
        else:
            key = kind
        row["kinds"][key] = row["kinds"].get(key, 0) + n
        if d and d > 0:
            row["added"] += d
        elif d and d < 0:
            row["removed"] += -d
    totals = {"start": 0, "added": 0, "removed": 0, "end": 0, "kinds": {}}
    for row in per_area.values():
        row["end"] = row["start"] + row["added"] - row["removed"]
        for k in ("start", "added", "removed", "end"):
            totals[k] += row[k]
        for k, n in row["kinds"].items():
            totals["kinds"][k] = totals["kinds"].get(k, 0) + n
    names: list[VoterEvent] = []
    if with_names:
        names = list(
            events.filter(at__gte=start, at__lt=end)
            .exclude(kind="updated")
            .select_related("voter", "polling_area", "actor")
            .order_by("polling_area__code", "at", "id")[:5000]
        )
    return {"areas": list(per_area.values()), "totals": totals, "events": names}


def distinct_decisions(*, voter_ids: Iterable[int]) -> dict[int, set[int]]:
    """voter id → ids of the "different people" decisions naming that entry."""
    out: dict[int, set[int]] = defaultdict(set)
    rows = DistinctPersonsMember.objects.filter(voter_id__in=list(voter_ids)).values_list(
        "voter_id", "decision_id"
    )
    for voter_id, decision_id in rows:
        out[voter_id].add(decision_id)
    return dict(out)


def groups_decided(groups: Sequence[Iterable[int]]) -> list[bool]:
    """For each group of voter ids: decided to be different people (rules.group_decided)?
    One query for all the groups."""
    groups = [list(g) for g in groups]
    decisions = distinct_decisions(voter_ids={i for g in groups for i in g})
    return [rules.group_decided(g, decisions) for g in groups]


@dataclass
class DuplicateGroup:
    """Listed entries with the same folded name and birth and different IDs; `decisions` are
    the "different people" decisions naming its members, `decided` whether they cover every
    two of its current members."""

    voters: list[Voter]
    decided: bool = False
    decisions: list[DistinctPersons] = dc_field(default_factory=list)
    can_decide: bool = False  # set by the page: may this user decide (every member's area)

    @property
    def voter_ids(self) -> list[int]:
        return [v.pk for v in self.voters]


def possible_duplicates(
    *, election: Election, area_ids: list[int], limit: int = 500
) -> list[DuplicateGroup]:
    """Listed voters with the same folded name and birth but different IDs (for a person to
    decide), where at least one of them is inside the given areas; each group says whether
    it was decided to be different people."""
    inside = Voter.objects.filter(
        election=election, status=Voter.Status.LISTED, polling_area_id__in=area_ids
    )
    listed = Voter.objects.filter(election=election, status=Voter.Status.LISTED)
    # EXISTS on name and birth, not IN on the name alone: a common name has tens of thousands
    # of bearers in a city, and a ward's page read them all (30 s at 5.4 M voters). Full birth
    # dates and year-only births are matched apart, each through the (election, name, birth
    # date) index.
    full = listed.exclude(birth_date=None).filter(
        Exists(inside.filter(search_key=OuterRef("search_key"), birth_date=OuterRef("birth_date")))
    )
    year_only = listed.filter(birth_date=None).filter(
        Exists(
            inside.filter(
                birth_date=None,
                search_key=OuterRef("search_key"),
                birth_year=OuterRef("birth_year"),
            )
        )
    )

    def groups(qs: QuerySet[Voter]) -> list[dict[str, Any]]:
        # no ORDER BY/LIMIT in SQL: with them PostgreSQL walks the whole name index in order
        # and tests EXISTS row by row (44 s at city scale); the groups are few, sorted below
        return list(
            qs.order_by()
            .values("search_key", "birth_year", "birth_date")
            .annotate(ids=Count("national_id", distinct=True))
            .filter(ids__gt=1)
        )

    keys = sorted(
        groups(full) + groups(year_only),
        key=lambda k: (
            k["search_key"],
            k["birth_year"] or 0,
            k["birth_date"] is None,
            k["birth_date"] or dt.date.min,
        ),
    )[:limit]
    wanted = set(area_ids)
    out: list[DuplicateGroup] = []
    for k in keys:
        group = list(
            Voter.objects.filter(
                election=election,
                status=Voter.Status.LISTED,
                search_key=k["search_key"],
                birth_year=k["birth_year"],
                birth_date=k["birth_date"],
            )
            .select_related("polling_area__unit")
            .order_by("polling_area__code", "stt")
        )
        if any(v.polling_area_id in wanted for v in group):
            out.append(DuplicateGroup(voters=group))
    decisions = distinct_decisions(voter_ids={v.pk for g in out for v in g.voters})
    by_id = {
        d.pk: d
        for d in DistinctPersons.objects.filter(
            pk__in={i for ids in decisions.values() for i in ids}
        ).select_related("decided_by")
    }
    for g in out:
        g.decided = rules.group_decided(g.voter_ids, decisions)
        ids = {i for v in g.voters for i in decisions.get(v.pk, ())}
        g.decisions = sorted((by_id[i] for i in ids), key=lambda d: d.decided_at)
    return out


def rollup_area(*, election: Election, area: PollingArea) -> dict[str, Any]:
    """Footer of the list (Mẫu 33): total, male, female, and voters per contest."""
    sexes = listed_counts_by_sex(election=election, area_ids=[area.id]).get(area.id, {})
    by_contest = listed_counts_by_contest(election=election, area_ids=[area.id])
    contests = {c.id: c for c in Contest.objects.filter(id__in=[k[1] for k in by_contest])}
    return {
        "total": sexes.get("M", 0) + sexes.get("F", 0),
        "M": sexes.get("M", 0),
        "F": sexes.get("F", 0),
        "contests": [(contests[cid], n) for (_a, cid), n in sorted(by_contest.items())],
    }
