"""Rehearsal mode: switching an election between real and rehearsal, and wiping a rehearsal's
data in one step without touching any other election (docs/rehearsal.md).

The wipe deletes, children first, everything the rehearsal produced: results (candidate votes,
minutes entries, count minutes, vote rounds, publications), turnout (reports, publications),
printing (manifest rows and the PDF/zip files), voters (change events, the voters, the area
counts, imports and their uploaded files) and the election's jobs. Voters hang on the election
by foreign keys the database does not enforce (for import speed), which is why an election with
voters cannot simply be deleted: this service is the one way. The structure (units, areas,
contests, constituencies, candidates, bodies, roles) stays unless `including_structure`.
The audit trail is append-only and stays: the wipe itself is one more audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.audit import record
from election import rules
from election.models import Election, PollingArea
from election.services.accounts import drill_accounts_retire

log = logging.getLogger(__name__)


class RehearsalError(ValidationError):
    """The switch or the wipe is refused; the message says why (in the user's language)."""


# --------------------------------------------------------------------------------------------
# What a rehearsal holds
# --------------------------------------------------------------------------------------------


def _data_querysets(election_id: int) -> list[tuple[str, QuerySet]]:
    """Every kind of data an election accumulates, in the order a wipe deletes it."""
    from common.models import Job
    from printing.models import PrintedFile
    from realtime.models import TurnoutPublication, TurnoutReport
    from results.models import (
        CandidateVotes,
        ContestPublication,
        CountMinutes,
        MinutesEntry,
        VoteRound,
    )
    from voters.models import DistinctPersons, Voter, VoterAreaCount, VoterEvent, VoterImport

    e = election_id
    return [
        ("results.candidate_votes", CandidateVotes.objects.filter(minutes__contest__election_id=e)),
        ("results.minutes_entries", MinutesEntry.objects.filter(minutes__contest__election_id=e)),
        ("results.count_minutes", CountMinutes.objects.filter(contest__election_id=e)),
        ("results.publications", ContestPublication.objects.filter(contest__election_id=e)),
        ("results.vote_rounds", VoteRound.objects.filter(constituency__contest__election_id=e)),
        ("turnout.publications", TurnoutPublication.objects.filter(election_id=e)),
        ("turnout.reports", TurnoutReport.objects.filter(election_id=e)),
        ("printing.files", PrintedFile.objects.filter(polling_area__election_id=e)),
        ("voters.events", VoterEvent.objects.filter(election_id=e)),
        ("voters.distinct_persons", DistinctPersons.objects.filter(election_id=e)),
        ("voters.voters", Voter.objects.filter(election_id=e)),
        ("voters.area_counts", VoterAreaCount.objects.filter(election_id=e)),
        ("voters.imports", VoterImport.objects.filter(election_id=e)),
        ("jobs", Job.objects.filter(election_id=e)),
    ]


DATA_LABELS = {
    "results.candidate_votes": gettext_lazy("Votes per candidate in count minutes"),
    "results.minutes_entries": gettext_lazy("Keyed entries of count minutes"),
    "results.count_minutes": gettext_lazy("Count minutes of polling areas"),
    "results.publications": gettext_lazy("Published results"),
    "results.vote_rounds": gettext_lazy("Re-votes and additional elections decided"),
    "turnout.publications": gettext_lazy("Published turnout"),
    "turnout.reports": gettext_lazy("Turnout reports"),
    "printing.files": gettext_lazy("Printed files"),
    "voters.events": gettext_lazy("Voter list changes"),
    "voters.distinct_persons": gettext_lazy("Likely duplicates decided to be different people"),
    "voters.voters": gettext_lazy("Voters on the lists"),
    "voters.area_counts": gettext_lazy("Voter counts per polling area"),
    "voters.imports": gettext_lazy("Voter list imports"),
    "jobs": gettext_lazy("Background jobs"),
}


def data_counts(election: Election) -> dict[str, int]:
    """How many rows of each kind the election holds (what a wipe would delete)."""
    return {name: qs.count() for name, qs in _data_querysets(election.id)}


def _first_day(election: Election) -> dt.date:
    days = PollingArea.objects.filter(election=election).values_list("polling_day", flat=True)
    return rules.first_polling_day(election.date, list(days))


def switch_refusal(election: Election, *, to_rehearsal: bool, today: dt.date | None = None) -> str:
    """The reason (translated) an existing election may not switch; "" when it may."""
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    first = _first_day(election)
    if to_rehearsal:
        code = rules.rehearsal_switch_refusal(
            to_rehearsal=True,
            today=today or timezone.localdate(),
            first_day=first,
            turnout_reports=TurnoutReport.objects.filter(election=election).count(),
            count_minutes=CountMinutes.objects.filter(contest__election=election).count(),
            rehearsal_data=0,
        )
    else:
        code = rules.rehearsal_switch_refusal(
            to_rehearsal=False,
            today=today or timezone.localdate(),
            first_day=first,
            turnout_reports=0,
            count_minutes=0,
            rehearsal_data=sum(data_counts(election).values()),
        )
    if code is None:
        return ""
    messages = {
        rules.VOTING_STARTED: _(
            "A real election cannot become a rehearsal once voting has started "
            "(first polling day %(day)s)."
        )
        % {"day": first.strftime("%d/%m/%Y")},
        rules.TURNOUT_REPORTED: _(
            "A real election cannot become a rehearsal once turnout has been reported."
        ),
        rules.MINUTES_EXIST: _(
            "A real election cannot become a rehearsal once count minutes have been entered."
        ),
        rules.NOT_WIPED: _(
            "A rehearsal can become a real election only after its rehearsal data is wiped "
            "(voters, turnout, minutes, printed files, jobs)."
        ),
    }
    return messages[code]


def election_set_rehearsal(
    *, actor: Any, election: Election, rehearsal: bool, source: str = "web"
) -> Election:
    """Switch an election between real and rehearsal, under the rules above. Audited."""
    with transaction.atomic():
        locked = Election.objects.select_for_update().get(pk=election.pk)
        if locked.is_rehearsal == rehearsal:
            return locked
        problem = switch_refusal(locked, to_rehearsal=rehearsal)
        if problem:
            raise RehearsalError({"is_rehearsal": problem})
        locked.is_rehearsal = rehearsal
        locked.save(update_fields=["is_rehearsal"])
        record(
            actor=actor,
            action="election.rehearsal_on" if rehearsal else "election.rehearsal_off",
            obj=locked,
            before={"is_rehearsal": not rehearsal},
            after={"is_rehearsal": rehearsal},
            unit_id=locked.root_id,
            election_id=locked.pk,
            source=source,
        )
    election.is_rehearsal = rehearsal
    return locked


# --------------------------------------------------------------------------------------------
# Wipe
# --------------------------------------------------------------------------------------------


@dataclass
class WipeSummary:
    election: str
    deleted: dict[str, int] = field(default_factory=dict)
    files: int = 0
    structure: dict[str, int] = field(default_factory=dict)
    accounts_retired: int = 0  # accounts a drill made for the election, powers taken away

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.structure.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "election": self.election,
            "deleted": self.deleted,
            "files": self.files,
            "structure": self.structure,
            "accounts_retired": self.accounts_retired,
        }


def _files_of(election_id: int) -> list[Path]:
    """The files the rehearsal left on disk: printed PDFs, job zips and manifests (the print
    jobs' folders whole), uploaded voter files."""
    from common.models import Job
    from printing.models import PrintedFile
    from printing.services.print_jobs import job_dir
    from voters.models import VoterImport

    media = Path(settings.MEDIA_ROOT)
    out = [
        media / p
        for p in PrintedFile.objects.filter(polling_area__election_id=election_id).values_list(
            "path", flat=True
        )
    ]
    out += [
        media / p
        for p in Job.objects.filter(election_id=election_id)
        .exclude(result_file="")
        .values_list("result_file", flat=True)
    ]
    for job_id in Job.objects.filter(election_id=election_id).values_list("pk", flat=True):
        folder = job_dir(job_id)
        if folder.is_dir():
            out += [p for p in folder.rglob("*") if p.is_file()]
    out += [
        Path(p)
        for p in VoterImport.objects.filter(election_id=election_id)
        .exclude(path="")
        .values_list("path", flat=True)
    ]
    return out


def _inside(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(r.resolve()) for r in roots)


def _remove_files(paths: list[Path]) -> int:
    """Delete the files (only under MEDIA_ROOT or VAR_DIR) and the folders they leave empty."""
    roots = [Path(settings.MEDIA_ROOT)]
    if getattr(settings, "VAR_DIR", None):
        roots.append(Path(settings.VAR_DIR))
    removed = 0
    folders: set[Path] = set()
    for path in dict.fromkeys(paths):  # once each, in order
        if not _inside(path, roots):
            log.warning("rehearsal wipe: %s is outside the data folders; left alone", path)
            continue
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("rehearsal wipe: could not delete %s", path)
        folders.add(path.parent)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if any(folder.resolve() == r.resolve() for r in roots):
            continue
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass
    return removed


def _delete(qs: QuerySet) -> int:
    """Delete a queryset; voters by one statement (their events are gone by then, and the
    collector would load millions of rows to check that)."""
    from voters.models import Voter

    if qs.model is Voter:
        return qs._raw_delete(qs.db)  # noqa: SLF001 - Django's bulk delete without collecting
    return qs.delete()[1].get(qs.model._meta.label, 0)


def wipe_rehearsal(
    *, actor: Any, election: Election, including_structure: bool = False, source: str = "web"
) -> WipeSummary:
    """Delete everything a rehearsal election produced (and its structure when asked).

    Refused unless the election is a rehearsal (checked again under a row lock, so a switch to
    real racing with the wipe cannot lose real data). All or nothing; files are removed after
    the commit."""
    from realtime import denominators, live
    from realtime.services.turnout import turnout_epoch_advance

    with transaction.atomic():
        locked = Election.objects.select_for_update().filter(pk=election.pk).first()
        if locked is None or not locked.is_rehearsal:
            raise RehearsalError(
                _("Only a rehearsal election can be wiped; %(slug)s is a real election.")
                % {"slug": election.slug}
            )
        election_id, root_id = locked.pk, locked.root_id  # the pk is gone after a delete
        summary = WipeSummary(election=locked.slug)
        files = _files_of(locked.pk)
        for name, qs in _data_querysets(locked.pk):
            summary.deleted[name] = _delete(qs)
        turnout_epoch_advance(election_id=election_id)  # open dashboards accept the reset
        # accounts a drill made (and left, if it was killed) lose every power with the data
        summary.accounts_retired = drill_accounts_retire(
            actor=actor, election_id=election_id, source=source
        )
        if including_structure:
            summary.structure = _delete_structure(locked)
        record(
            actor=actor,
            action="rehearsal.wiped",
            object_type=Election._meta.label,
            object_id=str(election_id),
            object_repr=str(locked),
            unit_id=root_id,
            election_id=election_id,
            source=source,
            extra={
                "slug": locked.slug,
                "deleted": summary.deleted,
                "structure": summary.structure,
                "accounts_retired": summary.accounts_retired,
                "files": len(files),
                "including_structure": including_structure,
            },
        )

        def after_commit() -> None:
            summary.files = _remove_files(files)
            denominators.clear()
            live.election_changed(election_id)  # dashboards fall back to zero

        transaction.on_commit(after_commit)
    return summary


def _delete_structure(election: Election) -> dict[str, int]:
    """The election itself with its contests, constituencies, candidates, areas, bodies and the
    roles bound to those bodies. Units and the unit tree stay (other elections share them)."""
    from election.models import Candidate, Constituency, Contest, ElectionBody

    counts = {
        "contests": Contest.objects.filter(election=election).count(),
        "constituencies": Constituency.objects.filter(contest__election=election).count(),
        "candidates": Candidate.objects.filter(constituency__contest__election=election).count(),
        "polling_areas": PollingArea.objects.filter(election=election).count(),
        "bodies": ElectionBody.objects.filter(election=election).count(),
        "elections": 1,
    }
    election.delete()
    return counts
