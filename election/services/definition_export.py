"""Export an election as a `baucu.election/1` document (the import's exact inverse)."""

from __future__ import annotations

from typing import Any

from election.definition import FORMAT
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Election,
    ElectionBody,
    PollingAreaConstituency,
    UnitAncestry,
)


def export_definition(election: Election) -> dict[str, Any]:
    units = list(
        AdminUnit.objects.filter(
            id__in=UnitAncestry.objects.filter(ancestor=election.root).values("descendant")
        )
        .select_related("parent")
        .order_by("level", "code")
    )
    contests = list(election.contests.select_related("unit").order_by("id"))
    constituencies = list(
        Constituency.objects.filter(contest__election=election)
        .select_related("contest")
        .prefetch_related("units")
        .order_by("contest_id", "number")
    )
    mapping: dict[int, dict[str, int]] = {}
    for pac in (
        PollingAreaConstituency.objects.filter(polling_area__election=election)
        .select_related("contest", "constituency")
        .order_by("contest_id")
    ):
        mapping.setdefault(pac.polling_area_id, {})[pac.contest.code] = pac.constituency.number
    areas = election.polling_areas.select_related("unit").order_by("code")
    candidates = (
        Candidate.objects.filter(constituency__contest__election=election)
        .select_related("constituency__contest")
        .order_by("constituency__contest_id", "constituency__number", "ballot_order", "id")
    )
    doc: dict[str, Any] = {
        "format": FORMAT,
        "units": [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "parent": u.parent.code if u.parent_id and u.id != election.root_id else None,
            }
            for u in units
        ],
        "election": {
            "slug": election.slug,
            "name": election.name,
            "date": election.date.isoformat(),
            "root": election.root.code,
            "turnout_slots": list(election.turnout_slots),
            "unit_tree": election.tree.slug,
        },
        "contests": [
            {"code": c.code, "kind": c.kind, "unit": c.unit.code, "name": c.name} for c in contests
        ],
        "constituencies": [
            {
                "contest": c.contest.code,
                "number": c.number,
                "seats": c.seats,
                "name": c.name,
                "units": sorted(u.code for u in c.units.all()),
            }
            for c in constituencies
        ],
        "polling_areas": [_area(a, mapping.get(a.id, {})) for a in areas],
        "candidates": [_candidate(c) for c in candidates],
        "bodies": _bodies(election),
    }
    if election.is_rehearsal:
        doc["election"]["rehearsal"] = True
    return doc


def _area(a: Any, constituencies: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": a.code,
        "unit": a.unit.code,
        "number": a.number,
        "name": a.name,
        "kind": a.kind,
        "constituencies": constituencies,
    }
    if a.polling_day:
        out["polling_day"] = a.polling_day.isoformat()
    if a.voters_estimate is not None:
        out["voters_estimate"] = a.voters_estimate
    return out


def _candidate(c: Candidate) -> dict[str, Any]:
    out: dict[str, Any] = {
        "contest": c.constituency.contest.code,
        "constituency": c.constituency.number,
        "full_name": c.full_name,
        "sex": c.sex,
    }
    if c.ref != c.full_name:
        out["id"] = c.ref
    if c.birth_date:
        out["birth_date"] = c.birth_date.isoformat()
    elif c.birth_year:
        out["birth_date"] = str(c.birth_year)
    out["family_name"] = c.family_name
    out["middle_name"] = c.middle_name
    out["given_name"] = c.given_name
    return out


def _bodies(election: Election) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    bodies = (
        ElectionBody.objects.filter(election=election)
        .select_related("unit", "constituency__contest", "polling_area")
        .order_by("kind", "id")
    )
    for b in bodies:
        item: dict[str, Any] = {"kind": b.kind, "name": b.name}
        if b.kind == "committee":
            item["unit"] = b.unit.code
        elif b.kind == "board" and b.constituency:
            item["contest"] = b.constituency.contest.code
            item["constituency"] = b.constituency.number
        elif b.polling_area:
            item["polling_area"] = b.polling_area.code
        if b.contact:
            item["contact"] = b.contact
        out.append(item)
    return out
