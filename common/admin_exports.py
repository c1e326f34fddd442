"""Admin exports (django-import-export) with every cell through common.spreadsheet.safe_cell.

django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT strips a leading "=" only;
"+", "-", "@", tab and CR would still start a formula in a spreadsheet.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from import_export.admin import ExportMixin
from import_export.resources import ModelResource, modelresource_factory

from common.spreadsheet import safe_cell


class SafeModelResource(ModelResource):
    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        return safe_cell(super().export_field(field, instance, **kwargs))


class SafeExportMixin(ExportMixin):
    """ExportMixin whose default resource escapes formula-like text."""

    def get_resource_classes(self, request: HttpRequest) -> list[type[ModelResource]]:
        if self.resource_classes:
            return list(self.resource_classes)
        return [modelresource_factory(self.model, resource_class=SafeModelResource)]
