"""Who may do what, and where: the one place every view, API, command and socket asks.

A role binds a user to a unit (and, for an Election Team secretary, to the team's polling area).
A role's capabilities hold for its unit and everything under it (closure table). Superusers may
do everything everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from election.models import AdminUnit, Constituency, Election, PollingArea, Role, UnitAncestry


class Cap(StrEnum):
    VIEW = "view"  # structure, aggregates, progress under the unit
    VIEW_PERSONAL = "view_personal"  # voters' personal data (names, IDs, addresses)
    MANAGE_STRUCTURE = "manage_structure"  # election definition, bodies, accounts
    MANAGE_VOTERS = "manage_voters"  # import, register, edit voter lists
    PRINT = "print"  # voter cards and posted lists
    REPORT_AREA = "report_area"  # turnout and count minutes of one polling area
    APPROVE = "approve"  # resolve double entry, publish snapshots, sign off
    READ_AUDIT = "read_audit"  # the audit trail
    ENTER_MINUTES = "enter_minutes"  # key in count minutes for polling areas under the unit


ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.Kind.ADMIN: frozenset(Cap),
    Role.Kind.COMMITTEE_MEMBER: frozenset(
        {Cap.VIEW, Cap.VIEW_PERSONAL, Cap.APPROVE, Cap.READ_AUDIT, Cap.PRINT}
    ),
    Role.Kind.WARD_STAFF: frozenset(
        {Cap.VIEW, Cap.VIEW_PERSONAL, Cap.MANAGE_VOTERS, Cap.PRINT, Cap.ENTER_MINUTES}
    ),
    Role.Kind.TEAM_SECRETARY: frozenset({Cap.VIEW, Cap.REPORT_AREA}),
    Role.Kind.OBSERVER: frozenset({Cap.VIEW}),
}


def role_has(kind: str, cap: Cap) -> bool:
    """Pure: does a role kind carry a capability?"""
    return cap in ROLE_CAPS.get(kind, frozenset())


def roles_of(user: Any) -> list[Role]:
    """The user's roles, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_baucu_roles", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).select_related("unit", "body"))
        user._baucu_roles = cached
    return cached


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def _board_bound(role: Role) -> bool:
    """A role bound to an Election Board acts on that Board's constituency only, never on the
    whole unit (see can_constituency)."""
    return role.body is not None and role.body.kind == "board"


def _granting(user: Any, cap: Cap) -> list[Role]:
    return [r for r in roles_of(user) if role_has(r.kind, cap) and not _board_bound(r)]


def can(user: Any, cap: Cap, unit: AdminUnit | int) -> bool:
    """May the user exercise cap on this unit (from a role on it or on one of its ancestors)?"""
    if is_superuser(user):
        return True
    unit_id = unit if isinstance(unit, int) else unit.id
    roles = _granting(user, cap)
    if cap == Cap.REPORT_AREA:
        return False  # only meaningful for a polling area: use can_area
    if not roles:
        return False
    role_units = {r.unit_id for r in roles}
    if unit_id in role_units:
        return True
    return not role_units.isdisjoint(unit_lineage(user, unit_id))


def _lineage_memo(user: Any) -> dict[int, frozenset[int]]:
    memo = getattr(user, "_baucu_lineage", None)
    if memo is None:
        memo = {}
        user._baucu_lineage = memo
    return memo


def unit_lineage(user: Any, unit_id: int) -> frozenset[int]:
    """The unit and all its ancestors, read once per unit for the user's request (kept on the
    user object, like the roles): a page asks several capabilities of the same units."""
    memo = _lineage_memo(user)
    found = memo.get(unit_id)
    if found is None:
        found = frozenset(
            UnitAncestry.objects.filter(descendant_id=unit_id).values_list("ancestor_id", flat=True)
        )
        memo[unit_id] = found
    return found


def note_lineage(user: Any, chain: list[AdminUnit]) -> None:
    """Remember the lineage of every unit of a chain read from the root down (a breadcrumb):
    in a tree the ancestors of chain[i] are chain[:i + 1]."""
    memo = _lineage_memo(user)
    ids: list[int] = []
    for u in chain:
        ids.append(u.id)
        memo.setdefault(u.id, frozenset(ids))


def can_area(user: Any, cap: Cap, area: PollingArea) -> bool:
    """Capabilities on a polling area; REPORT_AREA needs the team of exactly that area
    (or an admin role above it)."""
    if is_superuser(user):
        return True
    if cap == Cap.REPORT_AREA:
        for r in roles_of(user):
            if r.kind == Role.Kind.TEAM_SECRETARY and r.body and r.body.polling_area_id == area.id:
                return True
        admin_units = {r.unit_id for r in roles_of(user) if r.kind == Role.Kind.ADMIN}
        return bool(admin_units) and not admin_units.isdisjoint(unit_lineage(user, area.unit_id))
    return can(user, cap, area.unit_id)


def board_constituency_ids(user: Any, cap: Cap = Cap.VIEW) -> set[int]:
    """Constituencies of the Election Boards the user belongs to (roles bound to a Board)."""
    return {
        r.body.constituency_id
        for r in roles_of(user)
        if _board_bound(r) and r.body.constituency_id and role_has(r.kind, cap)
    }


def can_constituency(user: Any, cap: Cap, constituency: Constituency) -> bool:
    """Capabilities on one constituency's results: a member of its Board, or a role on the unit
    whose committee runs the contest (VIEW also from a role on a unit of the constituency)."""
    if is_superuser(user):
        return True
    if constituency.id in board_constituency_ids(user, cap):
        return True
    if can(user, cap, constituency.contest.unit_id):
        return True
    if cap == Cap.VIEW:
        # a constituency is visible to whoever sees one of its polling areas
        areas = PollingArea.objects.filter(assignments__constituency=constituency)
        return scope_areas(user, areas, Cap.VIEW).exists()
    return False


def can_enter_minutes(user: Any, area: PollingArea) -> bool:
    """Key in count minutes: the area's own team secretary, or staff allowed under the unit."""
    return can_area(user, Cap.REPORT_AREA, area) or can(user, Cap.ENTER_MINUTES, area.unit_id)


def can_settle_minutes(user: Any, area: PollingArea, constituency: Constituency) -> bool:
    """Resolve differing entries or reopen definitive minutes: a coordinator (APPROVE) over the
    area's unit, or a member of the Board of the minutes' constituency."""
    return can(user, Cap.APPROVE, area.unit_id) or constituency.id in board_constituency_ids(
        user, Cap.APPROVE
    )


def require(user: Any, cap: Cap, unit: AdminUnit | int) -> None:
    if not can(user, cap, unit):
        raise PermissionDenied


def require_area(user: Any, cap: Cap, area: PollingArea) -> None:
    if not can_area(user, cap, area):
        raise PermissionDenied


def scope_units(user: Any, queryset: QuerySet, cap: Cap = Cap.VIEW, field: str = "id") -> QuerySet:
    """Filter a queryset to rows whose unit (given by `field`) the user may act on."""
    if is_superuser(user):
        return queryset
    role_units = [r.unit_id for r in _granting(user, cap)]
    if not role_units:
        return queryset.none()
    allowed = UnitAncestry.objects.filter(ancestor_id__in=role_units).values("descendant_id")
    return queryset.filter(**{f"{field}__in": allowed})


def scope_areas(user: Any, queryset: QuerySet, cap: Cap = Cap.VIEW) -> QuerySet:
    """Polling areas the user may act on; REPORT_AREA narrows to the user's own teams."""
    if is_superuser(user):
        return queryset
    if cap == Cap.REPORT_AREA:
        own = [
            r.body.polling_area_id
            for r in roles_of(user)
            if r.kind == Role.Kind.TEAM_SECRETARY and r.body and r.body.polling_area_id
        ]
        admin = scope_units(user, queryset, Cap.MANAGE_STRUCTURE, field="unit_id")
        return (queryset.filter(id__in=own) | admin).distinct()
    return scope_units(user, queryset, cap, field="unit_id")


def visible_elections(user: Any) -> QuerySet:
    """Elections whose tree holds one of the user's units and whose root the user can see
    or lies under one of the user's units."""
    if is_superuser(user):
        return Election.objects.all()
    trees = {r.unit.tree_id for r in roles_of(user)}
    return Election.objects.filter(tree_id__in=trees)


def home_unit(user: Any, election: Election) -> AdminUnit | None:
    """Where a user starts in an election: the election root, or the highest unit of a role."""
    if is_superuser(user):
        return election.root
    candidates = [r.unit for r in roles_of(user) if r.unit.tree_id == election.tree_id]
    if not candidates:
        return None
    if can(user, Cap.VIEW, election.root):
        return election.root
    return min(candidates, key=lambda u: (u.level, u.code))
