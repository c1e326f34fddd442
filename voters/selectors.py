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

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from election.models import Election, PollingAreaConstituency
from voters import rules
from voters.models import Voter


def _listed(election: Election | int, area_ids: Iterable[int] | None) -> QuerySet[Voter]:
    election_id = election if isinstance(election, int) else election.pk
    qs = Voter.objects.filter(election_id=election_id, status=Voter.Status.LISTED)
    if area_ids is not None:
        qs = qs.filter(polling_area_id__in=list(area_ids))
    return qs


def listed_counts(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Voters on the list now, per polling area id (areas without voters are absent)."""
    rows = (
        _listed(election, area_ids)
        .order_by()
        .values_list("polling_area_id")
        .annotate(n=Count("id"))
    )
    return {area_id: n for area_id, n in rows}


def listed_counts_by_sex(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{area_id: {"M": n, "F": n}} for voters on the list now."""
    rows = (
        _listed(election, area_ids)
        .order_by()
        .values_list("polling_area_id", "sex")
        .annotate(n=Count("id"))
    )
    out: dict[int, dict[str, int]] = {}
    for area_id, sex, n in rows:
        out.setdefault(area_id, {"M": 0, "F": 0})[sex] = n
    return out


def counts_by_scope(
    *, election: Election | int, area_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{area_id: {scope: n}}: voters on the list now by contest scope (domain.md §2.2)."""
    rows = (
        _listed(election, area_ids)
        .order_by()
        .values_list("polling_area_id", "contest_scope")
        .annotate(n=Count("id"))
    )
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for area_id, scope, n in rows:
        out[area_id][scope] = n
    return dict(out)


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
