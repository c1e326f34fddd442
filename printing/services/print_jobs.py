"""Print jobs: start (permission, one job per unit at a time), pre-flight, one task per
polling area, the manifest and the zip at the end; resume; reprint of a single card."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import record
from common.jobs import job_create, job_finish, job_progress, job_start
from common.models import Job
from common.rehearsal import mark_json
from election.access import Cap, require
from election.models import AdminUnit, Election, PollingArea, UnitAncestry
from election.selectors import areas_under
from printing.layouts.cards import render_cards
from printing.models import PrintedFile
from printing.rules import Problem
from printing.services import documents
from printing.services.documents import CARDS, LISTS

JOB_KINDS = {CARDS: "print_cards", LISTS: "print_voter_lists"}
KIND_OF_JOB = {v: k for k, v in JOB_KINDS.items()}
ACTIVE = (Job.Status.PENDING, Job.Status.RUNNING)
MAX_ERRORS = 200


class PrintBusy(Exception):
    """Another print job covering this unit is still running."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.pk)
        self.job = job


def job_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "print" / str(job_id)


def relative(path: Path) -> str:
    return str(path.relative_to(settings.MEDIA_ROOT))


class PrintLive(Exception):
    """The job is still alive (pending, or running and updated lately): not resumed."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.pk)
        self.job = job


def _stale_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(minutes=settings.BAUCU_PRINT_STALE_MINUTES)


def is_stale(job: Job, now: dt.datetime | None = None) -> bool:
    """A running job that has shown no sign of life (start, progress, an area printed) for
    BAUCU_PRINT_STALE_MINUTES: its worker was killed. It no longer holds its unit."""
    last = job.updated_at or job.started_at or job.created_at
    return job.status == Job.Status.RUNNING and last < _stale_before(now)


def _overlapping(election: Election, unit: AdminUnit, *, exclude: Job | None = None) -> Job | None:
    """An active print job of this election on the unit, an ancestor or a descendant: pending,
    or running and not stale (is_stale)."""
    related = set(
        UnitAncestry.objects.filter(descendant=unit).values_list("ancestor_id", flat=True)
    ) | set(UnitAncestry.objects.filter(ancestor=unit).values_list("descendant_id", flat=True))
    alive = Q(status=Job.Status.PENDING) | Q(
        status=Job.Status.RUNNING, last_seen__gte=_stale_before()
    )
    qs = (
        Job.objects.filter(election=election, kind__in=JOB_KINDS.values(), unit_id__in=related)
        .annotate(last_seen=Coalesce("updated_at", "started_at", "created_at"))
        .filter(alive)
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("pk").first()


def print_job_create(
    *,
    actor: Any,
    election: Election,
    unit: AdminUnit,
    kind: str,
    per_sheet: int = 1,
    source: str = "web",
    area: PollingArea | None = None,
) -> Job:
    """Start printing `kind` (cards or lists) for every polling area under `unit`, or for
    the single polling `area` (of the commune `unit`).

    Refused (PermissionDenied) if the actor may not print there; refused (PrintBusy) while
    another print job covers the same unit. The work starts after the commit."""
    if kind not in JOB_KINDS:
        raise ValueError(kind)
    if per_sheet not in (1, 4):
        raise ValueError(per_sheet)
    require(actor, Cap.PRINT, unit)
    with transaction.atomic():
        # One start at a time per election: the check and the insert cannot interleave.
        Election.objects.select_for_update().filter(pk=election.pk).first()
        busy = _overlapping(election, unit)
        if busy is not None:
            raise PrintBusy(busy)
        if area is not None:
            if area.unit_id != unit.pk or area.election_id != election.pk:
                raise ValueError(area)
            area_ids = [area.pk]
        else:
            area_ids = list(
                areas_under(election=election, unit=unit)
                .order_by("code")
                .values_list("id", flat=True)
            )
        params: dict[str, Any] = {
            "per_sheet": per_sheet if kind == CARDS else 1,
            "areas": area_ids,
        }
        if area is not None:
            params["area"] = area.code
        job = job_create(
            kind=JOB_KINDS[kind],
            actor=actor,
            unit_id=unit.pk,
            election_id=election.pk,
            params=params,
        )
        record(
            actor=actor,
            action="printing.job_created",
            obj=job,
            unit_id=unit.pk,
            election_id=election.pk,
            source=source,
            extra={"kind": kind, "unit": unit.code, "areas": len(area_ids), **params},
        )
    from printing import tasks

    transaction.on_commit(lambda: tasks.print_job_run.delay(job.pk))
    return job


def can_resume(job: Job, now: dt.datetime | None = None) -> bool:
    """Failed, or running with its worker gone (is_stale): a live job is left alone."""
    return job.status == Job.Status.FAILED or is_stale(job, now)


def print_job_resume(*, actor: Any, job: Job, source: str = "web") -> Job:
    """Run a job again that did not finish (it failed, or its worker was killed and it went
    stale): areas already written are kept, the others are printed; the same files come out.

    A succeeded job is returned as it is. Refused (PrintLive) while the job is alive (pending,
    or running and updated lately), and (PrintBusy) while another job covers its unit (one
    started while this one was stale)."""
    require(actor, Cap.PRINT, job.unit_id)
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=job.election_id).first()  # as a start
        job = (
            Job.objects.select_for_update(of=("self",))
            .select_related("unit", "election")
            .get(pk=job.pk)
        )
        if job.status == Job.Status.SUCCEEDED:
            return job
        if not can_resume(job):
            raise PrintLive(job)
        busy = _overlapping(job.election, job.unit, exclude=job)
        if busy is not None:
            raise PrintBusy(busy)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.PENDING,
            finished_at=None,
            message="",
            result={},
            updated_at=timezone.now(),
        )
        record(
            actor=actor,
            action="printing.job_resumed",
            obj=job,
            unit_id=job.unit_id,
            election_id=job.election_id,
            source=source,
        )
    from printing import tasks

    transaction.on_commit(lambda: tasks.print_job_run.delay(job.pk))
    job.refresh_from_db()
    return job


def _areas(job: Job) -> list[PollingArea]:
    ids = job.params.get("areas", [])
    return list(
        PollingArea.objects.filter(id__in=ids).select_related("unit", "election").order_by("code")
    )


def run_preflight(areas: list[PollingArea], kind: str) -> list[Problem]:
    """Every reason not to print any of the areas."""
    problems: list[Problem] = []
    for area in areas:
        problems += documents.preflight(area, kind)
    return problems


def _words(problems: list[Problem], *, personal: bool = False) -> list[str]:
    """In words; without names and addresses unless `personal` (a job, its API and the audit
    trail are read by users who may not read personal data)."""
    return [p.message(personal=personal) for p in problems]


def print_job_run(job_id: int) -> list[int]:
    """Phase 1 of a job: pre-flight over every area; on success, the ids of the areas still
    to print (the caller fans them out, one task each). On refusal the job fails and nothing
    is printed."""
    job = Job.objects.select_related("unit", "election").get(pk=job_id)
    if job.finished:
        return []
    kind = KIND_OF_JOB[job.kind]
    areas = _areas(job)
    # Phase 1 (a city takes minutes) tells the areas checked in the message; the bar counts
    # the voters printed in phase 2.
    job_start(job, total=0, message=_("Checking before printing"))
    found: list[Problem] = []
    last = time.monotonic()
    for i, area in enumerate(areas, start=1):
        found += documents.preflight(area, kind)
        if time.monotonic() - last > 1 or i == len(areas):
            last = time.monotonic()
            job_progress(
                job,
                done=0,
                message=_("Checking before printing: %(done)s of %(total)s polling areas")
                % {"done": i, "total": len(areas)},
            )
    problems = _words(found)
    if problems:
        with transaction.atomic():
            job_finish(
                job,
                ok=False,
                message=_("Refused: nothing was printed."),
                errors=problems[:MAX_ERRORS],
            )
            record(
                actor=job.created_by,
                action="printing.refused",
                obj=job,
                unit_id=job.unit_id,
                election_id=job.election_id,
                source="task",
                extra={"problems": len(problems), "first": problems[:20]},
            )
        return []  # (messages without names: the job and its API are seen with Cap.VIEW)
    from printing import sources

    total = sum(sources.voter_count(a) for a in areas)
    done_ids = set(PrintedFile.objects.filter(job=job).values_list("polling_area_id", flat=True))
    done = PrintedFile.objects.filter(job=job).aggregate(n=Sum("items"))["n"] or 0
    Job.objects.filter(pk=job.pk).update(total=total, done=done)
    job.total = total
    job_progress(job, done=done, message=_("Printing"))
    todo = [a.pk for a in areas if a.pk not in done_ids]
    if not todo:
        print_job_finish(job.pk)
    return todo


def print_area(job_id: int, area_id: int) -> None:
    """Phase 2: one polling area's PDF. Idempotent: the file is replaced atomically with the
    same bytes, and its manifest row is upserted."""
    job = Job.objects.get(pk=job_id)
    if job.status != Job.Status.RUNNING:
        return
    area = PollingArea.objects.select_related("unit", "election").get(pk=area_id)
    kind = KIND_OF_JOB[job.kind]
    try:
        written = documents.write_area(
            area, kind, job_dir(job_id), per_sheet=int(job.params.get("per_sheet", 1))
        )
    except Exception as exc:
        job.refresh_from_db()
        if job.status == Job.Status.RUNNING:  # never turn a job finished meanwhile to failed
            job_finish(
                job,
                ok=False,
                message=_("Printing %(area)s failed; run the job again.") % {"area": area.code},
                errors=[f"{area.code}: {exc!r}"],
            )
        raise
    finish = False
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        _row, created = PrintedFile.objects.update_or_create(
            job=job,
            polling_area=area,
            defaults={
                "kind": kind,
                "path": relative(written.path),
                "sha256": written.sha256,
                "items": written.items,
                "pages": written.pages,
                "size": written.size,
            },
        )
        if created:
            Job.objects.filter(pk=job_id).update(done=F("done") + written.items)
        job.refresh_from_db()
        expected = len(job.params.get("areas", []))
        have = PrintedFile.objects.filter(job=job).count()
        if have >= expected and not job.result.get("finishing"):
            job.result = {**job.result, "finishing": True}
            Job.objects.filter(pk=job_id).update(result=job.result)
            finish = True
        job_progress(job, done=job.done, message=_("Printed %(area)s") % {"area": area.code})
    if finish:
        print_job_finish(job_id)


def manifest(job: Job) -> dict[str, Any]:
    files = list(PrintedFile.objects.filter(job=job).select_related("polling_area"))
    doc = {
        "format": "baucu.print-manifest/1",
        "job": job.pk,
        "kind": KIND_OF_JOB[job.kind],
        "election": job.election.slug if job.election else None,
        "unit": job.unit.code if job.unit else None,
        "per_sheet": job.params.get("per_sheet", 1),
        "areas": [
            {
                "polling_area": f.polling_area.code,
                "file": Path(f.path).name,
                "items": f.items,
                "pages": f.pages,
                "bytes": f.size,
                "sha256": f.sha256,
            }
            for f in sorted(files, key=lambda f: f.polling_area.code)
        ],
        "total_items": sum(f.items for f in files),
        "total_pages": sum(f.pages for f in files),
    }
    return mark_json(doc, bool(job.election and job.election.is_rehearsal))


def write_zip(paths: list[Path], manifest_data: dict[str, Any], target: Path) -> None:
    """A zip of the PDFs and manifest.json, byte-identical for the same input (fixed dates,
    sorted names, no extra fields); written under a temporary name, then renamed."""
    fd, tmp = tempfile.mkstemp(prefix=".zip.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for path in sorted(paths, key=lambda p: p.name):
                info = zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_STORED  # PDFs are compressed already
                with open(path, "rb") as src, zf.open(info, "w") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
            info = zipfile.ZipInfo("manifest.json", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, _manifest_bytes(manifest_data))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(folder: Path, data: dict[str, Any]) -> Path:
    """`manifest.json` in `folder`, written under a temporary name, then renamed (as the PDFs
    and the zip): a reader never sees half a manifest, and a run killed while writing leaves
    the previous one whole."""
    target = folder / "manifest.json"
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_manifest_bytes(data))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _manifest_bytes(data: dict[str, Any]) -> bytes:
    stable = {k: v for k, v in data.items() if k != "job"}
    return json.dumps(stable, ensure_ascii=False, indent=2, sort_keys=True).encode()


def print_job_finish(job_id: int) -> None:
    """Phase 3: manifest, zip of the unit, audit; the job succeeds."""
    job = Job.objects.select_related("unit", "election").get(pk=job_id)
    if job.status != Job.Status.RUNNING:
        return
    data = manifest(job)
    folder = job_dir(job.pk)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / a["file"] for a in data["areas"]]
    for leftover in folder.glob(".*.part"):  # a worker killed while writing left these
        leftover.unlink(missing_ok=True)
    kind = KIND_OF_JOB[job.kind]
    stem = job.params.get("area") or (job.unit.code if job.unit else "all")
    zip_path = folder / f"{stem}-{kind}.zip"
    write_zip(paths, data, zip_path)
    write_manifest(folder, data)
    # What a killed worker left: the temporary file it was writing (never a `.pdf`). Every
    # area has its file now, so any remaining temporary file is a dead writer's.
    for leftover in folder.glob(".*.part"):
        leftover.unlink(missing_ok=True)
    data["zip"] = {"file": zip_path.name, "sha256": documents.sha256_of(zip_path)}
    with transaction.atomic():
        job.result_file = relative(zip_path)
        job.total = data["total_items"]
        job_finish(
            job,
            ok=True,
            message=_("%(items)s printed in %(files)s files.")
            % {"items": data["total_items"], "files": len(paths)},
            result={"manifest": data},
        )
        record(
            actor=job.created_by,
            action="printing.printed",
            obj=job,
            unit_id=job.unit_id,
            election_id=job.election_id,
            source="task",
            extra={
                "kind": kind,
                "areas": {a["polling_area"]: [a["items"], a["sha256"]] for a in data["areas"]},
                "zip_sha256": data["zip"]["sha256"],
            },
        )


def reprint_card(
    *, actor: Any, area: PollingArea, stt: int, reason: str, source: str = "web"
) -> bytes:
    """One card again (lost or torn), recorded in the audit trail. Returns the PDF bytes."""
    require(actor, Cap.PRINT, area.unit_id)
    rows = [r for r in documents.card_rows(area) if r.stt == stt]
    if not rows:
        raise LookupError(stt)
    header = documents.area_header(area)
    problems = documents.rules.check_glyphs(area.code, [(r.stt, r.texts()) for r in rows])
    if problems:
        raise ValueError(problems[0].message())
    buffer = io.BytesIO()
    render_cards(header, rows, buffer)
    record(
        actor=actor,
        action="printing.card_reprinted",
        object_type="election.PollingArea",
        object_id=str(area.pk),
        object_repr=f"{area.code} · {stt}",
        unit_id=area.unit_id,
        election_id=area.election_id,
        source=source,
        extra={"polling_area": area.code, "stt": stt, "reason": reason},
    )
    return buffer.getvalue()


class PrintRefused(Exception):
    """The pre-flight check found problems; nothing was printed."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def print_unit_to_dir(
    *,
    election: Election,
    unit: AdminUnit,
    kind: str,
    out: Path,
    per_sheet: int = 1,
    actor: Any = None,
    source: str = "cli",
    area: PollingArea | None = None,
) -> dict[str, Any]:
    """The command-line path: pre-flight, then one `<area code>.pdf` per polling area under
    the unit into `out`, and `manifest.json`; audited. Raises PrintBusy while a print job
    covers the unit (as print_job_create does) and PrintRefused on a failed pre-flight;
    nothing is written then."""
    busy = _overlapping(election, unit)
    if busy is not None:
        raise PrintBusy(busy)
    areas = list(
        areas_under(election=election, unit=unit)
        .select_related("unit", "election")
        .order_by("code")
    )
    if area is not None:
        areas = [a for a in areas if a.pk == area.pk]
    found = run_preflight(areas, kind)
    if found:
        problems = _words(found)
        record(
            actor=actor,
            action="printing.refused",
            object_type="election.AdminUnit",
            object_id=str(unit.pk),
            object_repr=unit.code,
            unit_id=unit.pk,
            election_id=election.pk,
            source=source,
            extra={"kind": kind, "problems": len(problems), "first": problems[:20]},
        )
        raise PrintRefused(_words(found, personal=True))  # for the operator at the console
    rows = []
    for area in areas:
        w = documents.write_area(area, kind, out, per_sheet=per_sheet if kind == CARDS else 1)
        rows.append(
            {
                "polling_area": area.code,
                "file": w.path.name,
                "items": w.items,
                "pages": w.pages,
                "bytes": w.size,
                "sha256": w.sha256,
            }
        )
    data = {
        "format": "baucu.print-manifest/1",
        "kind": kind,
        "election": election.slug,
        "unit": unit.code,
        "per_sheet": per_sheet if kind == CARDS else 1,
        "areas": rows,
        "total_items": sum(r["items"] for r in rows),
        "total_pages": sum(r["pages"] for r in rows),
    }
    write_manifest(out, data)
    record(
        actor=actor,
        action="printing.printed",
        object_type="election.AdminUnit",
        object_id=str(unit.pk),
        object_repr=unit.code,
        unit_id=unit.pk,
        election_id=election.pk,
        source=source,
        extra={"kind": kind, "areas": {r["polling_area"]: [r["items"], r["sha256"]] for r in rows}},
    )
    return data
