from django.contrib import admin
from django.http import HttpRequest

from printing.models import PrintedFile


@admin.register(PrintedFile)
class PrintedFileAdmin(admin.ModelAdmin):
    """Read-only: the manifest rows of print jobs."""

    list_display = ["job", "polling_area", "kind", "items", "pages", "sha256", "created_at"]
    list_filter = ["kind"]
    search_fields = ["polling_area__code", "sha256"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
