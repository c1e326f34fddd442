"""Cross-cutting records: the audit trail and long-running jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove a written audit event."""


class AuditEventQuerySet(models.QuerySet):
    """No bulk update or delete: the audit trail only grows (PostgreSQL also refuses by trigger,
    common/migrations/0003)."""

    def update(self, **kwargs: object) -> int:
        raise AuditTrailIsAppendOnly("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("audit events cannot be deleted")

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        raise AuditTrailIsAppendOnly("audit events cannot be updated")


class AuditEvent(models.Model):
    """One change to the system: who, when, what, before/after. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=16, default="web")
    # History outlives what it describes: no database constraint, nothing cascades into the log.
    unit = models.ForeignKey(
        "election.AdminUnit",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    election = models.ForeignKey(
        "election.Election",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["unit", "at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("a written audit event cannot be changed")
        kwargs["force_insert"] = True  # never an UPDATE, even with a pk set by hand
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("audit events cannot be deleted")


class Job(models.Model):
    """Long work (imports, printing) run by Celery, with progress a page can follow."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    unit = models.ForeignKey(
        "election.AdminUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    election = models.ForeignKey(
        "election.Election", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=255, blank=True)
    error_report = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life (common/jobs.py sets it at every start, progress and finish): a
    # running job not updated for long has lost its worker (killed, out of memory).
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, (self.done * 100) // self.total)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
