"""Fixtures of the rehearsal tests: the mini election (real) and a rehearsal twin on the same
administrative tree, each filled through the real services with data of every kind."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REHEARSAL = "mini-2021-dt"
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(autouse=True)
def data_dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    Path(settings.VAR_DIR).mkdir()
    return settings


@pytest.fixture
def rehearsal_election(db, mini_doc):
    """The same structure as the mini election, as a rehearsal on the same unit tree."""
    from election.services.definition_import import import_definition

    doc = copy.deepcopy(mini_doc)  # mini_election may import the same document
    doc["election"].update(
        slug=REHEARSAL, rehearsal=True, unit_tree="mini-2021", name="Diễn tập bầu cử 2021"
    )
    return import_definition(data=doc, source="test").election


@pytest.fixture
def boss(make_user):
    return make_user(superuser=True)


def _voter_file(path: Path, election: Any, prefix: str) -> Path:
    from voters.rules import COLUMNS, TEMPLATE_HEADERS

    keys = list(COLUMNS)
    rows = []
    for i, area in enumerate(election.polling_areas.order_by("code")):
        for j in range(3):
            rows.append(
                {
                    "national_id": f"{prefix}{i:04d}{j:05d}",
                    "full_name": ["Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Ưng"][j],
                    # the Lê Văn Ưng of every area are namesakes born the same day
                    "birth": "13/03/1980" if j == 2 else f"1{j + 1}/03/198{i}",
                    "sex": "Nữ" if j == 1 else "Nam",
                    "ethnicity": "Kinh",
                    "occupation": "Kỹ sư",
                    "permanent_address": f"{j + 1} Hai Bà Trưng",
                    "area_code": area.code,
                    "household_code": f"H{i}{j}",
                }
            )
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TEMPLATE_HEADERS)
        for r in rows:
            w.writerow([r.get(k, "") for k in keys])
    return path


def _minutes_doc() -> dict[str, Any]:
    """Consistent QH minutes of every polling area (3 voters listed and voted, 3 names kept)."""
    names = ["Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Bình", "Đặng Thị Ân", "Phạm Minh An"]
    votes = [{"candidate": n, "votes": v} for n, v in zip(names, [3, 2, 2, 1, 1], strict=True)]
    areas = ["26734-01", "26734-02", "26737-01", "27496-01", "27499-01"]
    figures = {
        "voters_listed": 3,
        "voters_voted": 3,
        "ballots_issued": 3,
        "ballots_received": 3,
        "ballots_valid": 3,
        "ballots_invalid": 0,
    }
    return {
        "format": "baucu.count/1",
        "minutes": [{"polling_area": a, "contest": "QH", **figures, "votes": votes} for a in areas],
    }


def populate(election: Any, actor: Any, capture: Callable, tmp: Path, prefix: str) -> None:
    """Data of every kind a wipe removes, written through the services where they exist."""
    from django.conf import settings

    from election.models import AdminUnit, Constituency
    from printing.services import print_jobs
    from realtime.services.turnout import turnout_publish, turnout_report_submit
    from results.models import VoteRound
    from results.services.import_minutes import import_count_minutes
    from results.services.publication import contest_publish
    from voters.models import Voter, VoterImport
    from voters.services.duplicates import distinct_persons_decide
    from voters.services.import_list import import_voters

    result = import_voters(
        election=election,
        path=_voter_file(tmp / f"{prefix}.csv", election, prefix),
        actor=actor,
        enforce_cutoff=False,
    )
    assert result.applied, result.errors
    namesakes = Voter.objects.filter(election=election, search_key="le van ung")
    assert namesakes.count() == 5
    distinct_persons_decide(  # else the namesakes would stop the print job below
        actor=actor,
        election=election,
        unit=election.root,
        voter_ids=namesakes.values_list("pk", flat=True),
        reason="Khác người",
    )
    upload = Path(settings.VAR_DIR) / "imports" / f"{prefix}-upload.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("uploaded", encoding="utf-8")
    VoterImport.objects.create(
        election=election,
        unit=election.root,
        filename="list.csv",
        path=str(upload),
        sha256="0" * 64,
        created_by=actor,
    )
    area = election.polling_areas.get(code="26734-01")
    now = dt.datetime.combine(election.date, dt.time(11, 30), VN)
    turnout_report_submit(actor=actor, area=area, slot="09:00", voted=2, voted_female=1, now=now)
    turnout_publish(actor=actor, election=election, slot="09:00", now=now)
    import_count_minutes(election=election, data=_minutes_doc(), actor=actor)
    contest_publish(actor=actor, contest=election.contests.get(code="QH"))
    second = Constituency.objects.get(contest__election=election, contest__code="HDND-79", number=2)
    VoteRound.objects.create(constituency=second, kind="revote", reason="test")
    with capture(execute=True):
        print_jobs.print_job_create(
            actor=actor,
            election=election,
            unit=AdminUnit.objects.get(tree=election.tree, code="26734"),
            kind="cards",
        )


def data_rows(election: Any) -> dict[str, int]:
    from election.services.rehearsal import data_counts

    return data_counts(election)


def structure_rows(election_id: int) -> dict[str, int]:
    from election.models import Candidate, Constituency, Contest, ElectionBody, PollingArea

    return {
        "contests": Contest.objects.filter(election_id=election_id).count(),
        "constituencies": Constituency.objects.filter(contest__election_id=election_id).count(),
        "candidates": Candidate.objects.filter(
            constituency__contest__election_id=election_id
        ).count(),
        "areas": PollingArea.objects.filter(election_id=election_id).count(),
        "bodies": ElectionBody.objects.filter(election_id=election_id).count(),
    }


@pytest.fixture
def filled(mini_election, rehearsal_election, boss, django_capture_on_commit_callbacks, tmp_path):
    """Both elections filled with data of every kind."""
    from election.models import Election

    real = Election.objects.get(pk=mini_election.pk)
    rehearsal = Election.objects.get(pk=rehearsal_election.pk)
    populate(real, boss, django_capture_on_commit_callbacks, tmp_path, "079")
    populate(rehearsal, boss, django_capture_on_commit_callbacks, tmp_path, "080")
    return real, rehearsal
