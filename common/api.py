"""API for jobs and the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from rest_framework import generics, serializers

from common.models import AuditEvent, Job
from election.access import Cap, can, is_superuser, scope_units


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
    serializer_class = AuditEventSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        qs = AuditEvent.objects.select_related("actor", "unit")
        if not is_superuser(self.request.user):
            qs = scope_units(self.request.user, qs, Cap.READ_AUDIT, field="unit_id")
        action = self.request.query_params.get("action")
        if action:
            qs = qs.filter(action__startswith=action)
        return qs
