"""Job progress: stored in the Job row (the truth) and pushed to `job.<id>` websocket groups."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from common.models import Job


def job_group(job_id: int) -> str:
    return f"job.{job_id}"


def job_snapshot(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "status_display": str(job.get_status_display()),
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "message": job.message,
    }


def _push(job: Job) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    payload = {"type": "job.update", "job": job_snapshot(job)}
    transaction.on_commit(lambda: _send(layer, job_group(job.pk), payload))


def _send(layer: Any, group: str, payload: dict[str, Any]) -> None:
    try:
        async_to_sync(layer.group_send)(group, payload)
    except Exception:  # noqa: BLE001 - live push is best effort; the Job row is the truth
        pass


def job_create(
    *,
    kind: str,
    actor: Any = None,
    unit_id: int | None = None,
    election_id: int | None = None,
    params: dict[str, Any] | None = None,
    total: int = 0,
) -> Job:
    return Job.objects.create(
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        unit_id=unit_id,
        election_id=election_id,
        params=params or {},
        total=total,
        updated_at=timezone.now(),
    )


def job_start(job: Job, *, total: int | None = None, message: str = "") -> None:
    job.status = Job.Status.RUNNING
    job.started_at = job.updated_at = timezone.now()
    if total is not None:
        job.total = total
    job.message = message
    job.save(update_fields=["status", "started_at", "updated_at", "total", "message"])
    _push(job)


def job_progress(job: Job, *, done: int, message: str = "") -> None:
    job.done = done
    if message:
        job.message = message
    job.updated_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(done=done, message=job.message, updated_at=job.updated_at)
    _push(job)


def job_finish(
    job: Job,
    *,
    ok: bool,
    message: str = "",
    errors: list[Any] | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    job.status = Job.Status.SUCCEEDED if ok else Job.Status.FAILED
    job.finished_at = job.updated_at = timezone.now()
    if ok:
        job.done = job.total
    job.message = message
    if errors is not None:
        job.error_report = errors
    if result is not None:
        job.result = result
    job.save()
    _push(job)
