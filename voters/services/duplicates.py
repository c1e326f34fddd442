"""Likely duplicates decided to be different people (the *Nghi trùng* page).

Two listed entries with the same folded name and birth but different personal IDs may be the
same person entered twice, or two namesakes born on the same day (certain in a city of
millions). A person decides: the same person → remove the extra entry (change `duplicate`,
voters/services/changes.py); different people → `distinct_persons_decide` here, with the
reason. The decision changes no entry of the list (no ledger event, allowed after the
cut-off too); it is audited, and printing's pre-flight no longer counts the group.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import record
from common.text import nfc
from election.access import Cap, require_area
from election.models import AdminUnit, Election
from voters.models import DistinctPersons, DistinctPersonsMember, Voter
from voters.services.changes import VoterError

REASON_MAX = 300


def distinct_persons_decide(
    *,
    actor: Any,
    election: Election,
    unit: AdminUnit,
    voter_ids: Iterable[int],
    reason: str,
    source: str = "web",
) -> DistinctPersons:
    """Record that the listed entries `voter_ids` (one group of likely duplicates, or part of
    one) are different people. Needs MANAGE_VOTERS on the polling area of every entry: one
    ward cannot vouch for another ward's voter (PermissionDenied). Refused (VoterError) without
    a reason, or when the entries are not likely duplicates of each other (same folded name
    and birth) or one of them is no longer listed."""
    ids = sorted({int(i) for i in voter_ids})
    reason = nfc(reason or "")
    voters = list(
        Voter.objects.filter(election=election, pk__in=ids)
        .select_related("polling_area")
        .order_by("polling_area__code", "stt")
    )
    if len(voters) != len(ids):
        raise VoterError(_("An entry of this group is not in this election."))
    for voter in voters:
        require_area(actor, Cap.MANAGE_VOTERS, voter.polling_area)
    if len(voters) < 2:
        raise VoterError(_("Choose at least two entries."))
    if not reason:
        raise VoterError(_("Give the reason why these are different people."))
    if any(v.status != Voter.Status.LISTED for v in voters):
        raise VoterError(_("An entry of this group is no longer on a list; reload the page."))
    if len({(v.search_key, v.birth_year, v.birth_date) for v in voters}) != 1:
        raise VoterError(_("These entries do not have the same name and birth date."))
    # Listed entries never share a personal ID (constraint `voter_listed_once`), and printing
    # never lets a decision cover the same ID twice.
    with transaction.atomic():
        decision = DistinctPersons.objects.create(
            election=election,
            unit=unit,
            reason=reason[:REASON_MAX],
            decided_by=actor if getattr(actor, "pk", None) else None,
        )
        DistinctPersonsMember.objects.bulk_create(
            [DistinctPersonsMember(decision=decision, voter=v) for v in voters]
        )
        record(
            actor=actor,
            action="voters.distinct_persons",
            obj=decision,
            unit_id=unit.pk,
            election_id=election.pk,
            source=source,
            extra={
                "voters": ids,
                "entries": [f"{v.polling_area.code} · STT {v.stt}" for v in voters],
                "reason": decision.reason,
            },
        )
    return decision
