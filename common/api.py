"""API for jobs and the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from common.forms import AuditFilterForm
from common.models import AuditEvent, Job
from common.selectors import audit_event_list, audit_require
from election.access import Cap, can, is_superuser


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "total",
            "done",
            "percent",
            "message",
            "error_report",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)
    unit = serializers.CharField(source="unit.code", default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "source",
            "unit",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
        ]


def job_visible(user: object, job: Job) -> bool:
    if is_superuser(user) or job.created_by_id == getattr(user, "id", None):
        return True
    return job.unit_id is not None and can(user, Cap.VIEW, job.unit_id)


class JobDetail(generics.RetrieveAPIView):
    serializer_class = JobSerializer

    def get_object(self) -> Job:
        job = Job.objects.filter(pk=self.kwargs["pk"]).first()
        if job is None or not job_visible(self.request.user, job):
            raise Http404
        return job


class AuditList(generics.ListAPIView):
    """The audit trail the user may read; the same filters as the page (since, until in ISO
    form; actor; action prefix; unit code with its subtree; object_type; object_id)."""

    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("since", str, description="YYYY-MM-DD or YYYY-MM-DDTHH:MM"),
            OpenApiParameter("until", str, description="YYYY-MM-DD or YYYY-MM-DDTHH:MM"),
            OpenApiParameter("actor", str),
            OpenApiParameter("action", str, description="prefix"),
            OpenApiParameter("unit", str, description="unit code; events under it too"),
            OpenApiParameter("object_type", str),
            OpenApiParameter("object_id", str),
        ]
    )
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[AuditEvent]:
        audit_require(self.request.user, self.request.query_params.get("unit", ""))
        form = AuditFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        return audit_event_list(user=self.request.user, filters=form.cleaned_data)
