"""Django admin of results: the per-election warning thresholds (docs/results.md §3).

Count minutes, entries, decisions and publications are written only through the services
(results/services), never edited here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from common.audit import record
from election.admin import AuditedAdmin
from results.models import ResultsSettings


@admin.register(ResultsSettings)
class ResultsSettingsAdmin(AuditedAdmin):
    list_display = ["election", "invalid_warning_pct", "turnout_tolerance"]
    list_filter = ["election"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # the audit row of AuditedAdmin, with the election it belongs to
        with transaction.atomic():
            before = {f: form.initial.get(f) for f in form.changed_data} if change else None
            admin.ModelAdmin.save_model(self, request, obj, form, change)
            record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                obj=obj,
                before=before,
                after={f: form.cleaned_data.get(f) for f in form.changed_data},
                source="admin",
                election_id=obj.election_id,
            )
