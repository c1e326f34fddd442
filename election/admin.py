"""Django admin for the structure, with the election-definition import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.admin_exports import SafeExportMixin
from common.audit import record
from election.definition import DefinitionError, parse_document
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Contest,
    Election,
    ElectionBody,
    PollingArea,
    Role,
    UnitTree,
)
from election.services.definition_import import import_definition
from election.services.unit_tree import rebuild_ancestry


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Election definition (baucu.election/1 JSON)"))


class AuditedAdmin(admin.ModelAdmin):
    """Every change made in the admin is written to the audit trail in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = {f: form.initial.get(f) for f in form.changed_data} if change else None
            super().save_model(request, obj, form, change)
            after = {f: form.cleaned_data.get(f) for f in form.changed_data}
            record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                obj=obj,
                before=before,
                after=after,
                source="admin",
                unit_id=getattr(obj, "unit_id", None),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record(
                actor=request.user,
                action="admin.delete",
                obj=obj,
                source="admin",
                unit_id=getattr(obj, "unit_id", None),
            )
            super().delete_model(request, obj)


@admin.register(UnitTree)
class UnitTreeAdmin(AuditedAdmin):
    list_display = ["slug", "name"]


@admin.register(AdminUnit)
class AdminUnitAdmin(SafeExportMixin, AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "level", "tree"]
    list_filter = ["tree", "kind", "level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]

    def save_model(self, request: HttpRequest, obj: AdminUnit, form: Any, change: bool) -> None:
        with transaction.atomic():
            obj.level = obj.parent.level + 1 if obj.parent else 0
            super().save_model(request, obj, form, change)
            rebuild_ancestry(obj.tree)


class ContestInline(admin.TabularInline):
    model = Contest
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Election)
class ElectionAdmin(AuditedAdmin):
    list_display = ["slug", "name", "date", "root", "is_rehearsal"]
    list_filter = ["is_rehearsal"]
    raw_id_fields = ["root"]
    inlines = [ContestInline]
    change_list_template = "admin/election/election/change_list.html"
    change_form_template = "admin/election/election/change_form.html"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # noqa: ANN201
        kwargs.setdefault("help_texts", {})["is_rehearsal"] = gettext_lazy(
            "Every page and document carries a DIỄN TẬP mark and the data can be wiped. A real "
            "election cannot become a rehearsal once voting has started; a rehearsal becomes "
            "real only after its data is wiped."
        )
        return super().get_form(request, obj, change, **kwargs)

    def get_urls(self) -> list:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="election_election_import",
            ),
        ] + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:
            messages.error(request, _("Only a system administrator may import a definition."))
            return redirect("admin:election_election_changelist")
        problems: list[dict[str, str]] = []
        summary = None
        form = DefinitionUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            raw = form.cleaned_data["file"].read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
                problems = [{"path": "$", "message": _("the file is not UTF-8 text")}]
            if text is not None:
                data, parse_problems = parse_document(text)
                problems = [p.as_dict() for p in parse_problems]
                if not problems:
                    try:
                        summary = import_definition(data=data, actor=request.user, source="admin")
                    except DefinitionError as exc:
                        problems = [p.as_dict() for p in exc.problems]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import an election definition"),
            "form": form,
            "problems": problems,
            "summary": summary,
            "opts": self.model._meta,
        }
        return render(request, "admin/election/election/import.html", context)


@admin.register(Contest)
class ContestAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "election", "unit"]
    list_filter = ["election", "kind"]
    raw_id_fields = ["unit"]


class CandidateInline(admin.TabularInline):
    model = Candidate
    extra = 0


@admin.register(Constituency)
class ConstituencyAdmin(AuditedAdmin):
    list_display = ["contest", "number", "name", "seats"]
    list_filter = ["contest__election", "contest"]
    filter_horizontal = ["units"]
    inlines = [CandidateInline]


@admin.register(PollingArea)
class PollingAreaAdmin(AuditedAdmin):
    list_display = ["code", "name", "unit", "kind", "voters_estimate", "election"]
    list_filter = ["election", "kind"]
    search_fields = ["code", "name", "unit__name"]
    raw_id_fields = ["unit"]


@admin.register(Candidate)
class CandidateAdmin(SafeExportMixin, AuditedAdmin):
    list_display = ["full_name", "sex", "birth_date", "birth_year", "constituency", "ballot_order"]
    list_filter = ["constituency__contest__election", "constituency__contest"]
    search_fields = ["full_name"]


@admin.register(ElectionBody)
class ElectionBodyAdmin(AuditedAdmin):
    list_display = ["name", "kind", "unit", "election", "contact"]
    list_filter = ["election", "kind"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "constituency", "polling_area"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["user", "kind", "unit", "body"]
    list_filter = ["kind"]
    raw_id_fields = ["unit", "body"]
    search_fields = ["user__username", "unit__name"]
