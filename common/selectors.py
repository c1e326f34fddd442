"""Scoped reads of the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from common.models import AuditEvent
from election.access import Cap, can, is_superuser, role_has, roles_of, scope_units
from election.models import AdminUnit, UnitAncestry


def audit_require(user: Any, unit_code: str = "") -> None:
    """The audit trail is for superusers and roles with READ_AUDIT (committee members); a unit
    filter must name a unit the user may read the trail of."""
    if is_superuser(user):
        return
    if not any(role_has(r.kind, Cap.READ_AUDIT) for r in roles_of(user)):
        raise PermissionDenied
    code = (unit_code or "").strip()
    if code and not any(can(user, Cap.READ_AUDIT, u) for u in AdminUnit.objects.filter(code=code)):
        raise PermissionDenied


def audit_event_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """Audit events the user may read (superusers: all; READ_AUDIT roles: events of their units'
    subtrees), narrowed by the cleaned filters of common.forms.AuditFilterForm."""
    qs = AuditEvent.objects.select_related("actor", "unit")
    if not is_superuser(user):
        qs = scope_units(user, qs, Cap.READ_AUDIT, field="unit_id")
    f = filters or {}
    if f.get("since"):
        qs = qs.filter(at__gte=_aware(f["since"]))
    if f.get("until"):
        until = _aware(f["until"])
        if until.time() == dt.time.min:  # a bare date: the whole day
            until += dt.timedelta(days=1)
            qs = qs.filter(at__lt=until)
        else:
            qs = qs.filter(at__lte=until)
    if f.get("actor"):
        qs = qs.filter(actor__username__iexact=f["actor"].strip())
    if f.get("action"):
        qs = qs.filter(action__startswith=f["action"].strip())
    if f.get("unit"):
        under = UnitAncestry.objects.filter(ancestor__code=f["unit"].strip())
        qs = qs.filter(unit_id__in=under.values("descendant_id"))
    if f.get("object_type"):
        qs = qs.filter(object_type__iexact=f["object_type"].strip())
    if f.get("object_id"):
        qs = qs.filter(object_id=f["object_id"].strip())
    return qs


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value
