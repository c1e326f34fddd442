"""Background work of voter lists: check (preview) and apply an uploaded file, with progress
reported into a Job row (followed live over ws/jobs/<id>/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import shared_task
from channels.layers import get_channel_layer
from django.db import transaction

from common.jobs import _send, job_finish, job_group, job_snapshot, job_start
from common.models import Job
from common.tasks import JobTask
from voters.models import VoterImport
from voters.services.import_list import ImportRefused, estimate_rows, import_voters


def _progress(job: Job):  # noqa: ANN202
    """Progress during the import's transaction: the Job row is only visible after commit, so
    the snapshot is pushed to the job's websocket group at once (best effort)."""

    def report(done: int, message: str) -> None:
        job.done = min(done, job.total or done)
        job.message = message
        _send(
            get_channel_layer(), job_group(job.pk), {"type": "job.update", "job": job_snapshot(job)}
        )

    return report


def _run(import_id: int, job_id: int, *, dry_run: bool) -> dict[str, Any]:
    job = Job.objects.get(pk=job_id)
    if job.status == Job.Status.SUCCEEDED:
        # A redelivered message (the worker died after the commit, before the ack): done.
        return job.result
    imp = VoterImport.objects.select_related("election", "unit", "created_by").get(pk=import_id)
    path = Path(imp.path)
    job_start(job, total=max(estimate_rows(path) - 1, 1), message="Đang kiểm tra tệp")
    # One transaction for the import, the import's status and the job's end: a worker killed
    # or a database lost at any point leaves all of it as it was, and the task runs again.
    with transaction.atomic():
        try:
            result = import_voters(
                election=imp.election,
                path=path,
                actor=imp.created_by,
                unit=imp.unit,
                mode=imp.mode,
                dry_run=dry_run,
                source="web",
                progress=_progress(job),
            )
        except ImportRefused as exc:
            imp.status = VoterImport.Status.REJECTED
            imp.result = {"refused": str(exc)}
            imp.save(update_fields=["status", "result"])
            job_finish(job, ok=False, message=str(exc)[:255])
            return {"refused": str(exc)}
        summary = result.preview()
        imp.errors = result.errors
        imp.result = summary
        bad = {
            str(k): [None if v is None else str(v) for v in row]
            for k, row in result.bad_rows.items()
        }
        imp.result["bad_rows"] = bad
        imp.result["header_map"] = result.header_map
        forget = False
        if dry_run:
            imp.preview = summary
            blocked = imp.mode == "all" and result.rejected
            imp.status = VoterImport.Status.REJECTED if blocked else VoterImport.Status.READY
            forget = bool(blocked)  # all or nothing: this file will not be applied
        else:
            imp.status = (
                VoterImport.Status.APPLIED if result.applied else VoterImport.Status.REJECTED
            )
            forget = result.applied  # personal data: keep the file no longer than needed
        if forget:
            imp.path = ""
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
        imp.save()
        message = (
            f"{result.rows} dòng · mới {result.created} · sửa {result.updated} · "
            f"không đổi {result.unchanged} · chuyển {result.moved} · bỏ {result.removed} · "
            f"lỗi {result.rejected}"
        )
        job_finish(job, ok=True, message=message[:255], result=result.as_json() | {"errors": []})
    return summary


class ImportTask(JobTask):
    def on_job_failed(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """The import was not applied: it can be confirmed again (or checked again)."""
        import_id = args[0] if args else kwargs.get("import_id")
        back = (
            VoterImport.Status.READY if self.name.endswith("apply") else VoterImport.Status.REJECTED
        )
        VoterImport.objects.filter(pk=import_id, status=VoterImport.Status.PREVIEW).update(
            status=back
        )


@shared_task(base=ImportTask)
def voter_import_preview(import_id: int, job_id: int) -> dict[str, Any]:
    return _run(import_id, job_id, dry_run=True)


@shared_task(base=ImportTask)
def voter_import_apply(import_id: int, job_id: int) -> dict[str, Any]:
    return _run(import_id, job_id, dry_run=False)
