"""Pages for jobs and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.api import job_visible
from common.forms import AuditFilterForm
from common.models import Job
from common.selectors import audit_event_list, audit_require


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = Job.objects.filter(pk=pk).first()
    if job is None or not job_visible(request.user, job):
        raise Http404
    return render(request, "common/job.html", {"job": job})


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit trail, newest first, filtered by period, user, action, unit and object."""
    audit_require(request.user, request.GET.get("unit", ""))
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = audit_event_list(user=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "common/audit.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )
