"""Printing pages (thin): choose a unit and what to print, start, follow, download, reprint."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.audit import record
from election import selectors as election_selectors
from election.access import Cap, can
from printing import selectors
from printing.forms import AREA_PREFIX, PrintForm, ReprintForm
from printing.services import print_jobs


@login_required
@require_http_methods(["GET", "POST"])
def print_start(request: HttpRequest, slug: str) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    units = list(selectors.printable_units(user=request.user, election=election))
    areas = selectors.printable_areas(user=request.user, election=election)
    wanted = request.GET.get("unit")
    if wanted:  # a unit, or a single polling area
        if election.polling_areas.filter(code=wanted).exists():
            election_selectors.polling_area_get(
                user=request.user, election=election, code=wanted, cap=Cap.PRINT
            )
            wanted = AREA_PREFIX + wanted
        else:
            unit = election_selectors.unit_get(
                user=request.user, election=election, code=wanted, cap=Cap.PRINT
            )
            if unit not in units:
                units.insert(0, unit)
    if not units:
        raise PermissionDenied
    initial = {"unit": wanted or units[0].code}
    form = PrintForm(request.POST or None, units=units, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["unit"]
        area = None
        if choice.startswith(AREA_PREFIX):
            area = election_selectors.polling_area_get(
                user=request.user, election=election, code=choice[len(AREA_PREFIX) :], cap=Cap.PRINT
            )
            unit = area.unit
        else:
            unit = election_selectors.unit_get(
                user=request.user, election=election, code=choice, cap=Cap.PRINT
            )
        try:
            job = print_jobs.print_job_create(
                actor=request.user,
                election=election,
                unit=unit,
                kind=form.cleaned_data["kind"],
                per_sheet=form.cleaned_data["per_sheet"],
                area=area,
            )
        except print_jobs.PrintBusy as busy:
            messages.error(
                request,
                _("Job #%(job)s is already printing for this unit; wait until it has finished.")
                % {"job": busy.job.pk},
            )
            return redirect("printing-job", slug=slug, pk=busy.job.pk)
        return redirect("printing-job", slug=slug, pk=job.pk)
    return render(
        request,
        "printing/start.html",
        {
            "election": election,
            "form": form,
            "jobs": selectors.print_jobs(user=request.user, election=election),
        },
    )


@login_required
def print_job(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    job = selectors.print_job_get(user=request.user, election=election, pk=pk)
    return render(
        request,
        "printing/job.html",
        {
            "election": election,
            "job": job,
            "files": selectors.printed_files(job=job) if job.finished else [],
            "can_resume": print_jobs.can_resume(job),
            "stale": print_jobs.is_stale(job),
            "stale_minutes": settings.BAUCU_PRINT_STALE_MINUTES,
            "manifest": job.result.get("manifest"),
            "zip_name": Path(job.result_file).name if job.result_file else "",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def print_resume(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    job = selectors.print_job_get(user=request.user, election=election, pk=pk)
    if request.method == "POST":
        try:
            print_jobs.print_job_resume(actor=request.user, job=job)
        except print_jobs.PrintLive:
            messages.error(
                request,
                _(
                    "This job is still printing; it can be resumed only if it fails or shows "
                    "no progress for %(minutes)s minutes."
                )
                % {"minutes": settings.BAUCU_PRINT_STALE_MINUTES},
            )
        except print_jobs.PrintBusy as busy:
            messages.error(
                request,
                _("Job #%(job)s is already printing for this unit; wait until it has finished.")
                % {"job": busy.job.pk},
            )
            return redirect("printing-job", slug=slug, pk=busy.job.pk)
    return redirect("printing-job", slug=slug, pk=job.pk)


@login_required
def print_download(request: HttpRequest, slug: str, pk: int, name: str) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    job = selectors.print_job_get(user=request.user, election=election, pk=pk)
    if name == "manifest.json":
        body = json.dumps(job.result.get("manifest") or {}, ensure_ascii=False, indent=2)
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    allowed = {Path(f.path).name: f.path for f in selectors.printed_files(job=job)}
    if job.result_file:
        allowed[Path(job.result_file).name] = job.result_file
    if name not in allowed:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / allowed[name]
    if not path.is_file():
        raise Http404
    kind = "application/zip" if name.endswith(".zip") else "application/pdf"
    record(  # the files hold personal data: who took a copy is on the record
        actor=request.user,
        action="printing.downloaded",
        obj=job,
        unit_id=job.unit_id,
        election_id=job.election_id,
        extra={"file": name},
    )
    return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type=kind)


@login_required
@require_http_methods(["GET", "POST"])
def reprint(request: HttpRequest, slug: str) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    data = request.POST or None
    initial = {"area": request.GET.get("area", "")}
    if initial["area"]:
        area = election_selectors.polling_area_get(
            user=request.user, election=election, code=initial["area"], cap=Cap.PRINT
        )
    elif not selectors.printable_units(user=request.user, election=election).exists():
        raise PermissionDenied
    form = ReprintForm(data, initial=initial)
    if request.method == "POST" and form.is_valid():
        area = election_selectors.polling_area_get(
            user=request.user, election=election, code=form.cleaned_data["area"], cap=Cap.PRINT
        )
        if not can(request.user, Cap.PRINT, area.unit_id):
            raise PermissionDenied
        try:
            pdf = print_jobs.reprint_card(
                actor=request.user,
                area=area,
                stt=form.cleaned_data["stt"],
                reason=form.cleaned_data["reason"],
            )
        except LookupError:
            form.add_error("stt", _("There is no voter with this number in the polling area."))
        except ValueError as problem:
            form.add_error(None, str(problem))
        else:
            name = f"{area.code}-{form.cleaned_data['stt']}.pdf"
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(request, "printing/reprint.html", {"election": election, "form": form})
