"""The closure table of the administrative tree: "everything under X" in one indexed query."""

from __future__ import annotations

from django.db import transaction

from election.models import AdminUnit, UnitAncestry, UnitTree


def ancestry_rows(parent_of: dict[int, int | None]) -> set[tuple[int, int, int]]:
    """(ancestor, descendant, depth) for every unit and each of its ancestors, itself at 0."""
    rows: set[tuple[int, int, int]] = set()
    for unit in parent_of:
        depth, cur = 0, unit
        while cur is not None:
            rows.add((cur, unit, depth))
            depth, cur = depth + 1, parent_of.get(cur)
    return rows


@transaction.atomic
def rebuild_ancestry(tree: UnitTree) -> tuple[int, int]:
    """Bring the closure rows of a tree in line with the parent links; returns (added, removed)."""
    parent_of = dict(AdminUnit.objects.filter(tree=tree).values_list("id", "parent_id"))
    want = ancestry_rows(parent_of)
    have_rows = UnitAncestry.objects.filter(descendant__tree=tree).values_list(
        "id", "ancestor_id", "descendant_id", "depth"
    )
    have = {(a, d, dep): pk for pk, a, d, dep in have_rows}
    stale = [pk for key, pk in have.items() if key not in want]
    if stale:
        UnitAncestry.objects.filter(id__in=stale).delete()
    missing = [
        UnitAncestry(ancestor_id=a, descendant_id=d, depth=dep)
        for a, d, dep in want
        if (a, d, dep) not in have
    ]
    UnitAncestry.objects.bulk_create(missing, batch_size=2000)
    return len(missing), len(stale)
