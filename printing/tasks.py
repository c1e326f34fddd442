"""Celery tasks of printing: thin, taking IDs; the work is in printing.services."""

from __future__ import annotations

from celery import shared_task

from common.tasks import JobTask
from printing.services import print_jobs


@shared_task(base=JobTask)
def print_job_run(job_id: int) -> int:
    """Pre-flight, then one print_area task per polling area still to print."""
    todo = print_jobs.print_job_run(job_id)
    for area_id in todo:
        print_area.delay(job_id, area_id)
    return len(todo)


@shared_task(base=JobTask)
def print_area(job_id: int, area_id: int) -> None:
    """One polling area's PDF; safe to run twice (a redelivered task after a worker died)."""
    print_jobs.print_area(job_id, area_id)
