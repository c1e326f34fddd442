"""Reads of the election structure, always scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from election.access import (
    Cap,
    can,
    note_lineage,
    require,
    scope_areas,
    scope_units,
    unit_lineage,
    visible_elections,
)
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Contest,
    Election,
    PollingArea,
    UnitAncestry,
)


def election_get(*, user: Any, slug: str) -> Election:
    election = visible_elections(user).select_related("root", "tree").filter(slug=slug).first()
    if election is None:
        raise Http404
    return election


def unit_get(*, user: Any, election: Election, code: str, cap: Cap = Cap.VIEW) -> AdminUnit:
    unit = AdminUnit.objects.filter(tree_id=election.tree_id, code=code).first()
    # the unit's lineage is read once and serves the capability check too
    if unit is None or election.root_id not in unit_lineage(user, unit.id):
        raise Http404
    require(user, cap, unit)
    return unit


def _lineage_chain(unit: AdminUnit) -> list[AdminUnit]:
    """The unit's ancestors from the top of its tree down to the unit itself."""
    ancestors = (
        UnitAncestry.objects.filter(descendant=unit).select_related("ancestor").order_by("-depth")
    )
    return [a.ancestor for a in ancestors]


def _from_root(chain: list[AdminUnit], election: Election) -> list[AdminUnit]:
    root_index = next((i for i, u in enumerate(chain) if u.id == election.root_id), 0)
    return chain[root_index:]


def unit_breadcrumb(*, unit: AdminUnit, election: Election) -> list[AdminUnit]:
    """From the election root down to the unit."""
    return _from_root(_lineage_chain(unit), election)


def breadcrumb(*, user: Any, unit: AdminUnit, election: Election) -> list[dict[str, Any]]:
    """The breadcrumb of a page: each unit from the election root down, and whether the user
    may open it; one query (the lineage read serves every capability check)."""
    chain = _lineage_chain(unit)
    note_lineage(user, chain)
    return [{"unit": u, "link": can(user, Cap.VIEW, u)} for u in _from_root(chain, election)]


def areas_under(*, election: Election, unit: AdminUnit) -> QuerySet[PollingArea]:
    return election.polling_areas.filter(
        unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")
    )


def unit_children_summary(*, election: Election, unit: AdminUnit) -> list[dict[str, Any]]:
    """Each child unit with its number of polling areas and estimated voters (one query)."""
    children = list(unit.children.order_by("code"))
    rows = (
        UnitAncestry.objects.filter(ancestor__in=children)
        .filter(descendant__polling_areas__election=election)
        .values("ancestor_id")
        .annotate(
            areas=Count("descendant__polling_areas"),
            voters=Sum("descendant__polling_areas__voters_estimate"),
        )
    )
    stats = {r["ancestor_id"]: r for r in rows}
    return [
        {
            "unit": c,
            "areas": stats.get(c.id, {}).get("areas", 0),
            "voters": stats.get(c.id, {}).get("voters") or 0,
        }
        for c in children
    ]


def contests_for_unit(*, election: Election, unit: AdminUnit) -> QuerySet[Contest]:
    """Contests run by this unit or by one of its ancestors (their councils/committees)."""
    ancestors = UnitAncestry.objects.filter(descendant=unit).values("ancestor_id")
    return election.contests.filter(unit_id__in=ancestors).select_related("unit")


def polling_area_get(
    *, user: Any, election: Election, code: str, cap: Cap = Cap.VIEW
) -> PollingArea:
    area = (
        scope_areas(user, election.polling_areas.all(), cap)
        .select_related("unit", "election")
        .filter(code=code)
        .first()
    )
    if area is None:
        if election.polling_areas.filter(code=code).exists():
            raise PermissionDenied
        raise Http404
    return area


def area_constituencies(*, area: PollingArea) -> list[tuple[Contest, Constituency]]:
    return [
        (a.contest, a.constituency)
        for a in area.assignments.select_related("contest", "constituency").order_by("contest_id")
    ]


def constituency_candidates(*, constituency: Constituency) -> QuerySet[Candidate]:
    return constituency.candidates.order_by("ballot_order", "id")


def contest_get(*, user: Any, election: Election, code: str) -> Contest:
    contest = election.contests.select_related("unit").filter(code=code).first()
    if contest is None:
        raise Http404
    inside = scope_units(
        user, UnitAncestry.objects.filter(ancestor=contest.unit), Cap.VIEW, field="descendant_id"
    )
    if not (can(user, Cap.VIEW, contest.unit) or inside.exists()):
        raise PermissionDenied
    return contest
