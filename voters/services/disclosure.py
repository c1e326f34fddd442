"""Reads of personal data on the record: who searched the lists, who took a copy.

Searches and exports change nothing, but they disclose voters' personal data; each one writes an
audit event (action `voters.searched` or `voters.exported`) naming the actor, the unit or area
and what was asked. The search term is kept (who looked for whom is the point of the record);
the audit trail is readable only by superusers and committee members of the unit.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from common.audit import record


def voters_searched(
    *,
    actor: Any,
    election: Any,
    scope: models.Model,
    q: str,
    found: int,
    source: str = "web",
) -> None:
    """A search of voter lists (by name or ID) under a unit or in one polling area."""
    record(
        actor=actor,
        action="voters.searched",
        obj=scope,
        unit_id=_unit_id(scope),
        election_id=election.id,
        source=source,
        extra={"q": q[:100], "found": found},
    )


def voters_exported(
    *,
    actor: Any,
    election: Any,
    scope: models.Model,
    what: str,
    source: str = "web",
    **extra: Any,
) -> None:
    """A copy of personal data taken out of the system (a list, a report with names, a file of
    rejected rows)."""
    record(
        actor=actor,
        action="voters.exported",
        obj=scope,
        unit_id=_unit_id(scope),
        election_id=election.id,
        source=source,
        extra={"what": what, **extra},
    )


def _unit_id(scope: models.Model) -> int | None:
    """The unit of an AdminUnit, a PollingArea or a VoterImport."""
    if scope._meta.model_name == "adminunit":
        return scope.pk
    return getattr(scope, "unit_id", None)
