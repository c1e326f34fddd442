from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.admin_exports import SafeExportMixin
from common.audit import record
from common.models import AuditEvent, Job


@admin.register(AuditEvent)
class AuditEventAdmin(SafeExportMixin, admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "actor", "action", "object_repr", "source"]
    list_filter = ["action", "source"]
    search_fields = ["object_repr", "actor__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any
    ) -> Any:
        """The trail's changes hold voters' details: who exported it is on the record too."""
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        record(
            actor=request.user,
            action="audit.exported",
            object_type="common.AuditEvent",
            extra={"rows": queryset.count(), "format": file_format.get_title()},
        )
        return data


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "done", "total", "created_by", "created_at"]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
