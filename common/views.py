"""Pages for jobs and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.api import job_visible
from common.models import AuditEvent, Job
from election.access import Cap, is_superuser, roles_of, scope_units


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = Job.objects.filter(pk=pk).first()
    if job is None or not job_visible(request.user, job):
        raise Http404
    return render(request, "common/job.html", {"job": job})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    qs = AuditEvent.objects.select_related("actor", "unit")
    if not is_superuser(request.user):
        if not any(r for r in roles_of(request.user)):
            qs = qs.none()
        qs = scope_units(request.user, qs, Cap.READ_AUDIT, field="unit_id")
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor__username=actor)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "common/audit.html", {"page": page, "action": action, "actor": actor})
