"""The base of every Celery task that drives a Job row: what happens when things break.

- A worker process killed mid-task (out of memory, SIGKILL, a deploy): the message is acked only
  after the task returns (`acks_late`); when the process running it dies the task is sent again
  (`retry_on_worker_lost`, counted against `max_retries`), so another process runs it. When the
  whole worker dies, the unacked message goes back on the queue when a worker starts and finds
  it older than the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT). Tasks built on
  this base are idempotent (an import is one transaction; a PDF is written under a temporary
  name and renamed), so a second run finishes the job with the same result.
- The database goes away (restart, failover): the task is retried with back-off
  (`autoretry_for`), and the Job row says so while it waits.
- Retries exhausted, or any other error: the Job row is marked failed with the reason (it never
  stays "running" for a task that is no longer running), and `on_job_failed` lets the task put
  its own records back into a state the user can retry from. When the retries run out on a lost
  worker, Celery does not call the task's `on_failure` (no process runs the task any more); the
  worker's main process sends `task_failure`, and `job_worker_lost_for_good` below does the same
  clean-up from there.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from celery import Task
from celery.exceptions import WorkerLostError
from celery.signals import task_failure
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from common.unavailable import DB_ERRORS

log = logging.getLogger(__name__)


def _reset_connections() -> None:
    """Drop connections a database restart has broken, so the next query reconnects."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is gone
            pass


class JobTask(Task):
    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    # ... as a counted retry (not a plain requeue): a task that kills every worker it runs on
    # (a poison file) stops after max_retries instead of looping forever.
    retry_on_worker_lost = True
    default_retry_delay = 2  # seconds before the run after a lost worker
    autoretry_for = DB_ERRORS
    retry_backoff = 2
    retry_backoff_max = 30
    retry_jitter = False
    max_retries = settings.BAUCU_JOB_MAX_RETRIES  # 6

    def job_id(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int | None:
        try:
            bound = inspect.signature(self.run).bind(*args, **kwargs)
        except TypeError:
            return None
        value = bound.arguments.get("job_id")
        return int(value) if value is not None else None

    def _note(self, args: tuple[Any, ...], kwargs: dict[str, Any], **changes: Any) -> None:
        from common.models import Job

        job_id = self.job_id(args, kwargs)
        if job_id is None:
            return
        _reset_connections()
        try:
            Job.objects.filter(
                pk=job_id, status__in=(Job.Status.PENDING, Job.Status.RUNNING)
            ).update(**changes)
        except DB_ERRORS:  # still down: the row is fixed by the next attempt
            log.warning("job %s: database still unavailable, state not recorded", job_id)
            _reset_connections()

    def on_retry(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        if isinstance(exc, WorkerLostError):
            message = _("The worker running this job stopped; the job will run again by itself.")
        else:
            message = _("The database connection was lost; the job will run again by itself.")
        self._note(tuple(args), dict(kwargs), message=message)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        from django.utils import timezone

        from common.models import Job

        message = (
            _("The database was unavailable; the job stopped. Run it again.")
            if isinstance(exc, DB_ERRORS)
            else _("The job failed and stopped. Run it again.")
        )
        self._note(
            tuple(args),
            dict(kwargs),
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            message=message,
        )
        try:
            self.on_job_failed(tuple(args), dict(kwargs))
        except DB_ERRORS:
            _reset_connections()

    def on_job_failed(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Put the task's own records back so the user can run it again (override)."""


@task_failure.connect
def job_worker_lost_for_good(
    sender: Any = None,
    task_id: str = "",
    exception: BaseException | None = None,
    args: Any = (),
    kwargs: Any = None,
    einfo: Any = None,
    **_extra: Any,
) -> None:
    """The worker running a job was lost once more than max_retries allows: Celery acknowledges
    the message and tells only the worker's main process. Mark the Job failed and let the task
    put its records back, as on_failure does for any other final error."""
    if isinstance(sender, JobTask) and isinstance(exception, WorkerLostError):
        sender.on_failure(exception, task_id, tuple(args or ()), dict(kwargs or {}), einfo)
