"""Wiping a rehearsal deletes everything it produced and nothing of any other election."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from common.models import AuditEvent, Job
from election.models import Election
from election.services import rehearsal
from tests.rehearsal.conftest import data_rows, structure_rows


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_the_fixture_fills_every_kind(filled):
    real, dry = filled
    for election in (real, dry):
        counts = data_rows(election)
        empty = [k for k, n in counts.items() if n == 0]
        assert not empty, f"{election.slug}: nothing of {empty}"


def test_wipe_deletes_the_rehearsal_and_nothing_of_the_real_election(
    filled, boss, django_capture_on_commit_callbacks
):
    real, dry = filled
    real_before = data_rows(real)
    real_structure = structure_rows(real.pk)
    dry_structure = structure_rows(dry.pk)
    dry_before = data_rows(dry)
    media = Path(settings.MEDIA_ROOT)
    real_files = {p for p in _files(media) if f"/print/{_job(real)}/" in str(p)}
    dry_files = _files(media) - real_files
    assert real_files and dry_files
    upload = Path(settings.VAR_DIR) / "imports" / "080-upload.csv"
    assert upload.exists()
    audit_before = AuditEvent.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        summary = rehearsal.wipe_rehearsal(actor=boss, election=dry)

    assert summary.deleted == dry_before
    assert sum(data_rows(dry).values()) == 0
    assert data_rows(real) == real_before
    assert structure_rows(real.pk) == real_structure
    assert structure_rows(dry.pk) == dry_structure  # the structure stays by default
    assert _files(media) == real_files  # the rehearsal's PDFs and zip are gone, the real stay
    assert not upload.exists()
    assert Path(settings.VAR_DIR, "imports", "079-upload.csv").exists()
    assert summary.files == len(dry_files) + 1  # + the uploaded voter file
    # the audit trail keeps everything, plus one event for the wipe
    assert AuditEvent.objects.count() == audit_before + 1
    event = AuditEvent.objects.get(action="rehearsal.wiped")
    assert event.election_id == dry.pk and event.actor == boss
    assert event.changes["extra"]["deleted"]["voters.voters"] == dry_before["voters.voters"]
    assert AuditEvent.objects.filter(election_id=dry.pk).count() > 1


def _job(election: Election) -> int:
    return Job.objects.get(election=election, kind="print_cards").pk


def test_wipe_including_structure_deletes_the_election_only(filled, boss):
    real, dry = filled
    real_before = data_rows(real)
    real_structure = structure_rows(real.pk)
    summary = rehearsal.wipe_rehearsal(actor=boss, election=dry, including_structure=True)
    assert not Election.objects.filter(pk=dry.pk).exists()
    assert structure_rows(dry.pk) == dict.fromkeys(real_structure, 0)
    assert summary.structure["polling_areas"] == real_structure["areas"]
    assert data_rows(real) == real_before
    assert structure_rows(real.pk) == real_structure
    assert real.tree.units.count() > 0  # the shared unit tree stays
    assert AuditEvent.objects.filter(action="rehearsal.wiped", election_id=dry.pk).exists()


def test_a_real_election_is_never_wiped(filled, boss):
    real, dry = filled
    before = data_rows(real), data_rows(dry), AuditEvent.objects.count()
    with pytest.raises(rehearsal.RehearsalError) as refused:
        rehearsal.wipe_rehearsal(actor=boss, election=real)
    assert "mini-2021" in refused.value.messages[0]
    assert (data_rows(real), data_rows(dry), AuditEvent.objects.count()) == before


def test_the_flag_is_checked_again_inside_the_wipe(filled, boss):
    """A stale object saying "rehearsal" cannot wipe an election switched to real since."""
    real, _dry = filled
    stale = Election.objects.get(pk=real.pk)
    stale.is_rehearsal = True  # not saved: the database still says real
    before = data_rows(real)
    with pytest.raises(rehearsal.RehearsalError):
        rehearsal.wipe_rehearsal(actor=boss, election=stale)
    assert data_rows(real) == before


def test_a_wiped_rehearsal_can_be_filled_and_wiped_again(
    filled, boss, django_capture_on_commit_callbacks, tmp_path
):
    from tests.rehearsal.conftest import populate

    _real, dry = filled
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    populate(dry, boss, django_capture_on_commit_callbacks, tmp_path, "081")
    assert all(data_rows(dry).values())
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    assert sum(data_rows(dry).values()) == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_the_audit_trail_still_refuses_deletes_after_a_wipe(filled, boss):
    from django.db import DatabaseError, connection, transaction

    _real, dry = filled
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    table = AuditEvent._meta.db_table
    # raw SQL: past the model's own guard, to the database's trigger
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE election_id = %s", [dry.pk])
    assert AuditEvent.objects.filter(election_id=dry.pk).count() > 1


def _grow(election, n: int) -> None:
    """n more voters, each with a change event, written directly (then recounted)."""
    from django.utils import timezone

    from voters.models import Voter, VoterEvent
    from voters.services.counts import refresh_area_counts

    area = election.polling_areas.get(code="26737-01")
    voters = Voter.objects.bulk_create(
        Voter(
            election=election,
            polling_area=area,
            stt=1000 + i,
            national_id=f"0990{i:08d}",
            full_name="Võ Văn Tám",
            search_key="vo van tam",
            birth_year=1970,
            sex="M",
            residence="permanent",
            permanent_address="1 Lê Lợi",
        )
        for i in range(n)
    )
    VoterEvent.objects.bulk_create(
        VoterEvent(election=election, polling_area=area, voter=v, kind="added", at=timezone.now())
        for v in voters
    )
    refresh_area_counts(election_id=election.id)


def _wipe_queries(election, boss) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        rehearsal.wipe_rehearsal(actor=boss, election=election)
    return len(queries)


def test_the_wipe_does_not_go_row_by_row(
    filled, boss, django_capture_on_commit_callbacks, tmp_path
):
    """The number of statements does not grow with the voters (a city list is millions)."""
    from tests.rehearsal.conftest import populate

    _real, dry = filled
    few = _wipe_queries(dry, boss)
    populate(dry, boss, django_capture_on_commit_callbacks, tmp_path, "082")
    _grow(dry, 3000)
    assert data_rows(dry)["voters.voters"] == 3015
    many = _wipe_queries(dry, boss)
    assert many == few
    assert sum(data_rows(dry).values()) == 0
