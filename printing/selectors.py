"""Reads for the printing pages, scoped by election/access.py (Cap.PRINT)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from common.models import Job
from election.access import Cap, can, scope_areas, scope_units
from election.models import AdminUnit, Election, PollingArea, UnitAncestry
from printing.models import PrintedFile
from printing.services.print_jobs import JOB_KINDS


def printable_units(*, user: Any, election: Election) -> QuerySet[AdminUnit]:
    """Units of the election the user may print: their own units and everything under them
    that has polling areas (a polling area's commune and all its ancestors)."""
    under_root = UnitAncestry.objects.filter(ancestor_id=election.root_id).values("descendant_id")
    with_areas = UnitAncestry.objects.filter(descendant__polling_areas__election=election).values(
        "ancestor_id"
    )
    qs = AdminUnit.objects.filter(id__in=under_root).filter(id__in=with_areas)
    return scope_units(user, qs, Cap.PRINT).order_by("level", "code")


MAX_AREA_CHOICES = 2000


def printable_areas(*, user: Any, election: Election) -> list[PollingArea]:
    """Polling areas the user may print one by one (the chooser lists at most 2,000)."""
    qs = scope_areas(user, election.polling_areas.select_related("unit"), Cap.PRINT)
    return list(qs.order_by("code")[:MAX_AREA_CHOICES])


def print_jobs(*, user: Any, election: Election, limit: int = 20) -> list[Job]:
    qs = Job.objects.filter(election=election, kind__in=JOB_KINDS.values()).select_related(
        "unit", "created_by"
    )
    return list(scope_units(user, qs, Cap.PRINT, field="unit_id")[:limit])


def print_job_get(*, user: Any, election: Election, pk: int) -> Job:
    job = (
        Job.objects.filter(pk=pk, election=election, kind__in=JOB_KINDS.values())
        .select_related("unit", "election", "created_by")
        .first()
    )
    if job is None:
        raise Http404
    if job.unit_id is None or not can(user, Cap.PRINT, job.unit_id):
        raise PermissionDenied
    return job


def printed_files(*, job: Job) -> list[PrintedFile]:
    return list(PrintedFile.objects.filter(job=job).select_related("polling_area"))
