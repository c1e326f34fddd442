"""Writing audit events. Call inside the same transaction as the change it records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from common.models import AuditEvent


@dataclass
class Change:
    """A change to one object, to be written as an AuditEvent."""

    action: str
    obj: models.Model
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    unit_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """Only the fields that changed, as {"field": [before, after]}."""
    before = before or {}
    after = after or {}
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b != a:
            out[key] = [_jsonable(b), _jsonable(a)]
    return out


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit_id: int | None = None,
    election_id: int | None = None,
    source: str = "web",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event now (same transaction as the caller)."""
    changes: dict[str, Any] = {"fields": diff(before, after)} if (before or after) else {}
    if extra:
        changes["extra"] = _jsonable(extra)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        source=source,
        unit_id=unit_id,
        election_id=election_id,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:255],
        changes=changes,
    )


def record_many(
    *, actor: Any, changes: Iterable[Change], source: str, election_id: int | None = None
) -> int:
    """Write many audit events in one query (bulk imports)."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    rows = []
    for ch in changes:
        payload: dict[str, Any] = {"fields": diff(ch.before, ch.after)}
        if ch.extra:
            payload["extra"] = _jsonable(ch.extra)
        rows.append(
            AuditEvent(
                actor_id=actor_id,
                action=ch.action,
                source=source,
                unit_id=ch.unit_id,
                election_id=election_id,
                object_type=ch.obj._meta.label,
                object_id=str(ch.obj.pk),
                object_repr=str(ch.obj)[:255],
                changes=payload,
            )
        )
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
