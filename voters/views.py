"""Staff pages for voter lists (thin: selectors read and scope, services write).

Personal data only appears on pages that need VIEW_PERSONAL on the polling area; search terms
come by query string or POST and are never logged; URLs carry only opaque ids and codes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.jobs import job_create
from election import selectors as esel
from election.access import Cap, can, can_area, require
from election.models import PollingArea
from voters import exports, rules, selectors
from voters.models import Voter, VoterEvent, VoterImport
from voters.rows_html import area_list_rows, search_rows
from voters.services import disclosure
from voters.services.changes import VoterError, voter_change, voter_register, voter_update
from voters.services.duplicates import REASON_MAX, distinct_persons_decide
from voters.services.import_list import lists_open, purge_stale_uploads
from voters.tasks import voter_import_apply, voter_import_preview

# Voters per page of a polling area's list: rendering is the cost of the page (~0.5 ms a row).
AREA_PAGE_SIZE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _voter_base(election: Any) -> str:
    """The URL of a voter's page without its id: a table's rows link to this + id + "/", with
    one reverse() per page instead of one per row."""
    return reverse("voters:voter", args=[election.slug, 0])[: -len("0/")]


def _search_term(request: HttpRequest) -> str:
    """The search forms POST their term, so a name or ID never lands in a URL (history, proxy
    logs); a `?q=` link still works."""
    if request.method == "POST":
        return request.POST.get("q", "").strip()
    return request.GET.get("q", "").strip()


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


# what a search result row shows (voters.rows_html.search_rows)
SEARCH_FIELDS = ("pk", "stt", "full_name", "birth_date", "birth_year", "status", "note")


# --- unit overview and reports -----------------------------------------------------------------


@login_required
def unit_voters(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code)
    data = selectors.rollup(election=election, unit=unit)
    top = max((r["total"] for r in data["rows"]), default=0) or 1
    for r in data["rows"]:
        r["bar"] = round(100 * r["total"] / top, 1)
        r["contest_list"] = [r["contests"].get(c.id, 0) for c in data["contests"]]
        r["link"] = r["kind"] == "area" or can(request.user, Cap.VIEW, r["obj"])
    data["total"]["contest_list"] = [
        data["total"]["contests"].get(c.id, 0) for c in data["contests"]
    ]
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.rollup_xlsx(election=election, unit=unit, data=data),
            f"cu-tri-{election.slug}-{unit.code}.xlsx",
        )
    personal = can(request.user, Cap.VIEW_PERSONAL, unit)
    q = _search_term(request)
    results = (
        list(
            selectors.voter_search(user=request.user, election=election, q=q, unit=unit).values(
                *SEARCH_FIELDS, area=F("polling_area__code")
            )
        )
        if personal and q
        else []
    )
    labels = dict(Voter.Status.choices)
    for r in results:
        r["status"] = labels.get(r["status"], r["status"])
    voter_base = _voter_base(election)
    if personal and q:
        disclosure.voters_searched(
            actor=request.user, election=election, scope=unit, q=q, found=len(results)
        )
    return render(
        request,
        "voters/unit.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "data": data,
            "q": q,
            "results": results,
            "personal": personal,
            "can_manage": can(request.user, Cap.MANAGE_VOTERS, unit),
            "open": lists_open(election),
            "close": rules.changes_close(election.date),
            "result_html": search_rows(results, voter_base=voter_base),
            # each link's URL prefix resolved once, not once per row
            "unit_base": reverse("voters:unit", args=[election.slug, "X"])[: -len("X/")],
            "area_base": reverse("voters:area", args=[election.slug, "X"])[: -len("X/")],
        },
    )


def report_columns() -> list[tuple[str, str]]:
    """The change report's columns: each kind of change but corrections, with removals split
    into "no longer in the source" (`removed:source`, made by an import) and other reasons."""
    out: list[tuple[str, str]] = []
    for k, label in VoterEvent.Kind.choices:
        if k == "updated":
            continue
        if k == "removed":
            out.append(("removed:source", _("Removed: no longer in the source")))
            out.append(("removed", _("Removed: other reasons")))
            continue
        out.append((k, str(label)))
    return out


def column_count(counts: dict[str, int], column: str, columns: list[tuple[str, str]]) -> int:
    """A report cell: `kind:reason` counts exactly; a bare kind counts all its keys but those
    with a column of their own."""
    if ":" in column:
        return counts.get(column, 0)
    own = {k for k, _l in columns}
    return sum(
        n
        for key, n in counts.items()
        if key.split(":")[0] == column and (key == column or key not in own)
    )


def _period(request: HttpRequest, election: Any) -> tuple[dt.date, dt.date]:
    def parse(name: str, default: dt.date) -> dt.date:
        try:
            return dt.date.fromisoformat(request.GET.get(name, ""))
        except ValueError:
            return default

    start = parse("from", rules.posting_date(election.date))
    end = parse("to", max(timezone.localdate(), election.date))
    return start, end


@login_required
def unit_changes(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code)
    start, end = _period(request, election)
    tz = timezone.get_current_timezone()
    start_dt = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end_dt = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    names = can(request.user, Cap.VIEW_PERSONAL, unit) and not unit.children.exists()
    report = selectors.change_report(
        election=election, unit=unit, start=start_dt, end=end_dt, with_names=names
    )
    kinds = report_columns()
    grounds = [
        (k, str(label)) for k, label in VoterEvent.Reason.choices if k in rules.ART30_STATUSES
    ]
    for row in [*report["areas"], report["totals"]]:
        row["kind_list"] = [column_count(row["kinds"], k, kinds) for k, _l in kinds]
        row["ground_list"] = [row["kinds"].get(f"ineligible:{k}", 0) for k, _l in grounds]
    if request.GET.get("format") == "xlsx":
        if names:
            disclosure.voters_exported(
                actor=request.user, election=election, scope=unit, what="changes",
                start=start.isoformat(), end=end.isoformat(),
            )  # fmt: skip
        return _xlsx(
            exports.changes_xlsx(
                election=election,
                unit=unit,
                report=report,
                kinds=kinds,
                start=start,
                end=end,
                grounds=grounds,
            ),
            f"bien-dong-{election.slug}-{unit.code}.xlsx",
        )
    return render(
        request,
        "voters/changes.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "report": report,
            "kinds": kinds,
            "grounds": grounds,
            "start": start,
            "end": end,
            "names": names,
        },
    )


@login_required
def unit_duplicates(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code, cap=Cap.VIEW_PERSONAL)
    if request.method == "POST" and request.POST.get("action") == "distinct":
        try:
            ids = [int(i) for i in request.POST.getlist("voter")]
        except ValueError:
            ids = []
        try:
            distinct_persons_decide(
                actor=request.user,
                election=election,
                unit=unit,
                voter_ids=ids,
                reason=request.POST.get("reason", ""),
            )
        except VoterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Recorded: these entries are different people."))
        return redirect("voters:duplicates", slug=slug, code=unit.code)
    groups = selectors.possible_duplicates(
        election=election, area_ids=selectors.area_ids_under(election=election, unit=unit)
    )
    show = request.GET.get("show", "open")
    open_groups = [g for g in groups if not g.decided]
    decided = [g for g in groups if g.decided]
    sees: dict[int, bool] = {}  # area id → VIEW_PERSONAL there: others' members are masked
    for g in groups:
        for v in g.voters:
            if v.polling_area_id not in sees:
                sees[v.polling_area_id] = can_area(request.user, Cap.VIEW_PERSONAL, v.polling_area)
            v.masked = not sees[v.polling_area_id]
    manages: dict[int, bool] = {}  # area id → MANAGE_VOTERS there (one check per area)
    for g in open_groups:  # may the user decide? MANAGE_VOTERS on every member's area
        for v in g.voters:
            if v.polling_area_id not in manages:
                manages[v.polling_area_id] = can_area(
                    request.user, Cap.MANAGE_VOTERS, v.polling_area
                )
        g.can_decide = all(manages[v.polling_area_id] for v in g.voters)
    return render(
        request,
        "voters/duplicates.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "groups": open_groups,
            "decided": decided if show in ("all", "decided") else [],
            "decided_count": len(decided),
            "show": show,
            "can_manage": can(request.user, Cap.MANAGE_VOTERS, unit),
            "reason_max": REASON_MAX,
        },
    )


# --- the list of a polling area ---------------------------------------------------------------


@login_required
def area_list(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    area = esel.polling_area_get(user=request.user, election=election, code=code)
    q = _search_term(request)
    voters = selectors.voter_list(user=request.user, area=area, q=q)
    if request.GET.get("format") == "xlsx":
        disclosure.voters_exported(
            actor=request.user, election=election, scope=area, what="area_list", q=q
        )
        return _xlsx(
            exports.area_list_xlsx(election=election, area=area, voters=voters.iterator()),
            f"danh-sach-{area.code}.xlsx",
        )
    page = Paginator(voters, AREA_PAGE_SIZE).get_page(request.GET.get("page"))
    if q:
        disclosure.voters_searched(
            actor=request.user, election=election, scope=area, q=q, found=page.paginator.count
        )
    contests = esel.area_constituencies(area=area)
    tiers = {
        cid: tier
        for _a, cid, tier in selectors.area_contest_tiers(election=election, area_ids=[area.id])
    }
    rows = [
        (v, [rules.takes_part(v.contest_scope, tiers[c.id]) for c, _k in contests]) for v in page
    ]
    footer = selectors.rollup_area(election=election, area=area)
    voter_base = _voter_base(election)
    # a year-only birth date in this year is kept with a flag (rules.age_boundary_flag)
    boundary_year = rules.latest_birth_date(election.date).year
    return render(
        request,
        "voters/area_list.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "page": page,
            "rows": rows,
            "contests": [c for c, _k in contests],
            "footer": footer,
            "q": q,
            "can_manage": can_area(request.user, Cap.MANAGE_VOTERS, area),
            "open": lists_open(election, polling_day=area.effective_polling_day),
            "row_html": area_list_rows(rows, voter_base=voter_base, boundary_year=boundary_year),
        },
    )


# --- register, edit, change ---------------------------------------------------------------------


class VoterForm(forms.Form):
    national_id = forms.CharField(label=gettext_lazy("Personal ID number"), max_length=12)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    birth = forms.CharField(
        label=gettext_lazy("Date of birth"), help_text="dd/mm/yyyy hoặc yyyy", max_length=10
    )
    sex = forms.ChoiceField(label=gettext_lazy("Sex"), choices=[("Nam", "Nam"), ("Nữ", "Nữ")])
    ethnicity = forms.CharField(label=gettext_lazy("Ethnicity"), required=False, initial="Kinh")
    occupation = forms.CharField(label=gettext_lazy("Occupation"), required=False)
    permanent_address = forms.CharField(label=gettext_lazy("Permanent residence"), required=False)
    temporary_address = forms.CharField(label=gettext_lazy("Temporary residence"), required=False)
    temporary_since = forms.CharField(
        label=gettext_lazy("Temporary residence since"), required=False, help_text="dd/mm/yyyy"
    )
    household_code = forms.CharField(label=gettext_lazy("Household code"), required=False)
    relation = forms.CharField(label=gettext_lazy("Relation to head of household"), required=False)

    @staticmethod
    def initial_from(v: Voter) -> dict[str, Any]:
        return {
            "national_id": v.national_id,
            "full_name": v.full_name,
            "birth": v.birth_date.strftime("%d/%m/%Y") if v.birth_date else str(v.birth_year),
            "sex": "Nam" if v.sex == "M" else "Nữ",
            "ethnicity": v.ethnicity,
            "occupation": v.occupation,
            "permanent_address": v.permanent_address,
            "temporary_address": v.temporary_address,
            "temporary_since": v.temporary_since.strftime("%d/%m/%Y") if v.temporary_since else "",
            "household_code": v.household_code,
            "relation": v.relation,
        }


_FIELD_OF_HEADER = {rules.HEADERS[k]: k for k in rules.HEADERS}


def _form_errors(form: forms.Form, exc: VoterError) -> None:
    form.add_error(None, str(exc))
    for column, reason in exc.errors:
        key = _FIELD_OF_HEADER.get(column)
        if key in form.fields:
            form.add_error(key, reason)
        else:
            form.add_error(None, f"{column}: {reason}")


@login_required
def voter_new(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    area = esel.polling_area_get(user=request.user, election=election, code=code)
    if not can_area(request.user, Cap.MANAGE_VOTERS, area):
        raise PermissionDenied
    form = VoterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            voter = voter_register(actor=request.user, area=area, data=form.cleaned_data)
        except VoterError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Voter added with number %(stt)s.") % {"stt": voter.stt})
            return redirect("voters:area", slug=slug, code=area.code)
    return render(
        request,
        "voters/voter_form.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "form": form,
            "title": _("Register a voter"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def voter_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    voter = selectors.voter_get(user=request.user, election=election, pk=pk)
    area = voter.polling_area
    manage = can_area(request.user, Cap.MANAGE_VOTERS, area)
    form = VoterForm(request.POST or None, initial=VoterForm.initial_from(voter))
    change_error = ""
    if request.method == "POST" and not manage:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") == "edit" and form.is_valid():
        try:
            voter_update(actor=request.user, voter=voter, data=form.cleaned_data)
        except VoterError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Voter details saved."))
            return redirect("voters:voter", slug=slug, pk=voter.pk)
    elif request.method == "POST" and request.POST.get("action") == "change":
        target = None
        target_code = request.POST.get("target_area", "").strip()
        if target_code:
            target = PollingArea.objects.filter(election=election, code=target_code).first()
            if target is None:
                change_error = _("No polling area with that code.")
        kept = None
        if request.POST.get("kept"):
            kept = Voter.objects.filter(election=election, pk=request.POST["kept"]).first()
        if not change_error:
            try:
                kind = request.POST.get("kind", "")
                # a removal as ineligible takes its Art 30(1) ground from its own select
                field = "ground" if kind == "ineligible" else "reason"
                voter_change(
                    actor=request.user,
                    voter=voter,
                    kind=kind,
                    reason=request.POST.get(field, ""),
                    note=request.POST.get("note", "")[:300],
                    target_area=target,
                    kept=kept,
                )
            except VoterError as exc:
                change_error = str(exc)
            else:
                messages.success(request, _("Change recorded."))
                return redirect("voters:voter", slug=slug, pk=voter.pk)
    form_bound = request.method == "POST" and request.POST.get("action") == "edit"
    return render(
        request,
        "voters/voter_detail.html",
        {
            "election": election,
            "area": area,
            "voter": voter,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "form": form if form_bound else VoterForm(initial=VoterForm.initial_from(voter)),
            "edit_form": form,
            "manage": manage,
            "events": voter.events.select_related("actor", "related__polling_area").order_by("at"),
            "change_error": change_error,
            "change_kinds": [
                ("elsewhere_issued", _("Certificate to vote elsewhere issued")),
                ("moved_out", _("Moved out")),
                ("ineligible", _("Became ineligible")),
                ("died", _("Died")),
                ("unreachable", _("Could not be reached")),
                ("duplicate", _("Duplicate merged")),
                ("removed", _("Removed (other reason)")),
                ("restored", _("Rights restored, re-added")),
            ],
            "move_reasons": [
                (k, label)
                for k, label in VoterEvent.Reason.choices
                if k in ("permanent_move", "temporary_move", "detention", "release")
            ],
            "art30_grounds": [
                (k, label) for k, label in VoterEvent.Reason.choices if k in rules.ART30_STATUSES
            ],
            "open": lists_open(election, polling_day=area.effective_polling_day),
        },
        status=400 if (form_bound or change_error) else 200,
    )


# --- import -------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Voter list file (XLSX or CSV)"))
    mode = forms.ChoiceField(
        label=gettext_lazy("When some rows are wrong"),
        choices=[
            ("all", gettext_lazy("Import nothing (all or nothing)")),
            ("valid", gettext_lazy("Import the valid rows, report the others")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if Path(f.name).suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("Choose an .xlsx or .csv file."))
        return f


def _import_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def import_start(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code, cap=Cap.MANAGE_VOTERS)
    purge_stale_uploads()
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        suffix = Path(f.name).suffix.lower()
        path = _import_dir() / f"{uuid.uuid4().hex}{suffix}"
        digest = hashlib.sha256()
        with path.open("wb") as out:
            for chunk in f.chunks():
                digest.update(chunk)
                out.write(chunk)
        job = job_create(
            kind="voters.import.check", actor=request.user, unit_id=unit.pk, election_id=election.pk
        )
        imp = VoterImport.objects.create(
            election=election,
            unit=unit,
            filename=Path(f.name).name[:255],
            path=str(path),
            sha256=digest.hexdigest(),
            mode=form.cleaned_data["mode"],
            preview_job=job,
            created_by=request.user,
        )
        voter_import_preview.delay(imp.pk, job.pk)
        return redirect("voters:import", slug=slug, pk=imp.pk)
    recent = VoterImport.objects.filter(election=election, unit=unit).select_related("created_by")[
        :10
    ]
    return render(
        request,
        "voters/import_start.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "form": form,
            "recent": recent,
            "open": lists_open(election),
            "headers": rules.TEMPLATE_HEADERS,
        },
    )


def _import_get(request: HttpRequest, slug: str, pk: int) -> tuple[Any, VoterImport]:
    election = esel.election_get(user=request.user, slug=slug)
    imp = VoterImport.objects.filter(election=election, pk=pk).select_related("unit").first()
    if imp is None:
        raise Http404
    require(request.user, Cap.MANAGE_VOTERS, imp.unit)
    return election, imp


def _masked_duplicates(user: Any, election: Any, rows: list[dict]) -> list[dict]:
    """The preview's likely duplicates, without the ID of an entry in an area outside the
    user's units (the area and its STT stay, so its staff can be asked)."""
    codes = {d["other_area"] for d in rows if d.get("other_area")}
    if not codes:
        return rows
    areas = PollingArea.objects.filter(election=election, code__in=codes).select_related("unit")
    seen = {a.code for a in areas if can_area(user, Cap.VIEW_PERSONAL, a)}
    return [
        d if not d.get("other_area") or d["other_area"] in seen else {**d, "other_national_id": ""}
        for d in rows
    ]


@login_required
def import_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election, imp = _import_get(request, slug, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "cancel" and imp.status == VoterImport.Status.READY:
            if imp.path:
                Path(imp.path).unlink(missing_ok=True)
            imp.status, imp.path = VoterImport.Status.CANCELLED, ""
            imp.save(update_fields=["status", "path"])
            return redirect("voters:import-start", slug=slug, code=imp.unit.code)
        if action == "confirm" and imp.status == VoterImport.Status.READY:
            with transaction.atomic():
                # Two confirmations at once (a double click, two tabs): one job, not two.
                taken = VoterImport.objects.filter(
                    pk=imp.pk, status=VoterImport.Status.READY
                ).update(status=VoterImport.Status.PREVIEW)
                if taken:
                    job = job_create(
                        kind="voters.import.apply",
                        actor=request.user,
                        unit_id=imp.unit_id,
                        election_id=election.pk,
                    )
                    VoterImport.objects.filter(pk=imp.pk).update(apply_job=job)
            if taken:
                voter_import_apply.delay(imp.pk, job.pk)
            return redirect("voters:import", slug=slug, pk=imp.pk)
    job = imp.apply_job or imp.preview_job
    data = imp.result or {}
    areas = data.get("areas", {})
    return render(
        request,
        "voters/import_detail.html",
        {
            "election": election,
            "unit": imp.unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=imp.unit, election=election),
            "imp": imp,
            "job": job,
            "running": job is not None and not job.finished,
            "data": data,
            "areas": sorted(areas.items()),
            "errors": data.get("errors", []),
            "duplicates": _masked_duplicates(request.user, election, data.get("duplicates", [])),
            "applying": imp.apply_job_id is not None,
        },
    )


@login_required
def import_errors(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election, imp = _import_get(request, slug, pk)
    disclosure.voters_exported(
        actor=request.user, election=election, scope=imp, what="import_errors"
    )
    return _xlsx(exports.import_errors_xlsx(imp), f"loi-nhap-{imp.pk}.xlsx")


@login_required
def template_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    return _xlsx(exports.template_xlsx(election), "mau-danh-sach-cu-tri.xlsx")


@login_required
def template_csv(request: HttpRequest, slug: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    resp = HttpResponse(exports.template_csv(election), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="mau-danh-sach-cu-tri.csv"'
    return resp
