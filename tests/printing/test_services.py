"""Print jobs end to end on the embedded stack (Celery eager): files, manifest, zip, audit,
pre-flight refusals, permissions, one job per unit, resume after a killed worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from common.models import AuditEvent, Job
from election.models import AdminUnit, PollingArea
from printing.models import PrintedFile
from printing.services import print_jobs
from printing.services.documents import CARDS, LISTS
from tests.printing.support import SPECIAL_NAMES, assert_same_text, card_names, page_lines, reader


def unit(code: str) -> AdminUnit:
    return AdminUnit.objects.get(tree__slug="mini-2021", code=code)


def start(django_capture_on_commit_callbacks, actor, election, code, kind=CARDS, **kw) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = print_jobs.print_job_create(
            actor=actor, election=election, unit=unit(code), kind=kind, **kw
        )
    job.refresh_from_db()
    return job


def went_stale(job: Job, minutes: float | None = None) -> None:
    """The job's last sign of life `minutes` ago (default: just over the stale period)."""
    from django.conf import settings
    from django.utils import timezone

    ago = settings.BAUCU_PRINT_STALE_MINUTES + 1 if minutes is None else minutes
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=ago))
    job.refresh_from_db()


@pytest.fixture
def staff(make_user):
    return make_user("ward_staff", "26734")


@pytest.fixture
def committee(make_user):
    return make_user("committee_member", "760")


def test_cards_job_prints_one_pdf_per_area_with_manifest_zip_and_audit(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media
):
    job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    assert job.status == Job.Status.SUCCEEDED, job.error_report
    assert job.done == job.total == 19 and job.percent == 100
    folder = media / "print" / str(job.pk)
    assert sorted(p.name for p in folder.glob("*.pdf")) == ["26734-01.pdf", "26734-02.pdf"]
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*"))
    manifest = job.result["manifest"]
    for entry in manifest["areas"]:
        pdf_path = folder / entry["file"]
        assert hashlib.sha256(pdf_path.read_bytes()).hexdigest() == entry["sha256"]
        rows = voter_lists.rows[entry["polling_area"]]
        got = card_names(reader(pdf_path))
        assert entry["items"] == len(got) == len(rows)  # card count = list count
        for (name, number), voter in zip(got, rows, strict=True):
            assert_same_text(name, voter.full_name)
            assert number == str(voter.stt)
    first = card_names(reader(folder / "26734-01.pdf"))[:5]
    assert [n for n, _ in first] == SPECIAL_NAMES
    with zipfile.ZipFile(media / job.result_file) as zf:
        assert zf.namelist() == ["26734-01.pdf", "26734-02.pdf", "manifest.json"]
        assert zf.read("26734-01.pdf") == (folder / "26734-01.pdf").read_bytes()
    assert PrintedFile.objects.filter(job=job).count() == 2
    actions = list(
        AuditEvent.objects.filter(object_id=str(job.pk), object_type="common.Job").values_list(
            "action", flat=True
        )
    )
    assert "printing.job_created" in actions and "printing.printed" in actions
    printed = AuditEvent.objects.get(action="printing.printed", object_id=str(job.pk))
    assert printed.changes["extra"]["areas"]["26734-01"] == [12, manifest["areas"][0]["sha256"]]


def test_lists_job_and_card_count_equals_list_count(
    django_capture_on_commit_callbacks, mini_election, voter_lists, committee, media
):
    cards = start(django_capture_on_commit_callbacks, committee, mini_election, "760")
    lists = start(django_capture_on_commit_callbacks, committee, mini_election, "760", LISTS)
    assert cards.status == lists.status == Job.Status.SUCCEEDED
    by_area_cards = {a["polling_area"]: a["items"] for a in cards.result["manifest"]["areas"]}
    by_area_lists = {a["polling_area"]: a["items"] for a in lists.result["manifest"]["areas"]}
    assert by_area_cards == by_area_lists == {"26734-01": 12, "26734-02": 7, "26737-01": 9}
    pdf = reader(media / "print" / str(lists.pk) / "26734-01.pdf")
    lines = [line for page in pdf.pages for line in page_lines(page)]
    for voter in voter_lists.rows["26734-01"]:
        i = lines.index(voter.full_name)
        assert lines[i - 1] == str(voter.stt)
        assert_same_text(lines[i], voter.full_name)
    assert "Tổng số cử tri của khu vực bỏ phiếu: 12 người" in pdf.pages[-1].extract_text()
    assert f"Trang {len(pdf.pages)}/{len(pdf.pages)}" in pdf.pages[-1].extract_text()


def test_list_marks_follow_the_contests_of_the_area(
    django_capture_on_commit_callbacks, mini_election, voter_lists, make_user, media
):
    """Củ Chi township votes in four contests, Tân Định in two (no district council there)."""
    from printing.services.documents import contest_columns, list_document

    columns = contest_columns(mini_election)
    assert [c.label for c in columns.columns] == ["Bầu cử ĐBQH", "Tỉnh", "Huyện", "Xã"]
    cu_chi = list_document(PollingArea.objects.get(code="27496-01"))
    tan_dinh = list_document(PollingArea.objects.get(code="26734-01"))
    assert cu_chi.rows[0].marks == (True, True, True, True)
    assert tan_dinh.rows[0].marks == (True, True, False, False)
    # A temporary resident of less than 12 months: no commune council; address in (7b).
    assert cu_chi.rows[3].marks == (True, True, True, False)
    assert cu_chi.rows[3].temporary_address and not cu_chi.rows[3].permanent_address
    assert cu_chi.rows[3].note == "Tạm trú từ 15/01/2021"
    assert cu_chi.rows[4].birth_date == "1950" and cu_chi.rows[0].birth_date == "04/01/1980"
    assert cu_chi.header.district_name == "Huyện Củ Chi"
    assert cu_chi.header.commune_name == "Thị trấn Củ Chi"


def test_reprint_is_byte_identical(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media
):
    a = start(django_capture_on_commit_callbacks, staff, mini_election, "26734", per_sheet=4)
    b = start(django_capture_on_commit_callbacks, staff, mini_election, "26734", per_sheet=4)
    assert a.pk != b.pk
    sha = lambda job: [x["sha256"] for x in job.result["manifest"]["areas"]]  # noqa: E731
    assert sha(a) == sha(b)
    assert a.result["manifest"]["zip"]["sha256"] == b.result["manifest"]["zip"]["sha256"]
    assert (media / a.result_file).read_bytes() == (media / b.result_file).read_bytes()


@pytest.mark.parametrize("problem", ["glyph", "duplicate", "count"])
def test_preflight_refuses_and_prints_nothing(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media, problem
):
    if problem == "glyph":
        voter_lists.rename("26734-02", 4, "Nguyễn Văn 中")
    elif problem == "duplicate":
        voter_lists.add_duplicate("26734-02", 2)
    else:
        voter_lists.extra_count["26734-02"] = 1
    job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    assert job.status == Job.Status.FAILED
    text = " ".join(job.error_report)
    assert "Phạm" not in text and "Nguyễn" not in text  # no names: the job API shows this
    if problem == "glyph":
        assert "U+4E2D" in text and "26734-02" in text and "số 4" in text
    elif problem == "duplicate":
        assert "cử tri trùng lặp chưa xử lý: 26734-02, STT 2; 26734-02, STT 8." in text
    else:
        assert "8" in text and "7" in text
    assert not (media / "print" / str(job.pk)).exists()  # nothing printed, not even area 01
    assert not PrintedFile.objects.filter(job=job).exists()
    assert AuditEvent.objects.filter(action="printing.refused", object_id=str(job.pk)).exists()


@pytest.mark.parametrize(
    "kind,code", [("observer", "26734"), ("team_secretary", "26734"), ("ward_staff", "26737")]
)
def test_a_unit_the_user_may_not_print_is_refused(
    mini_election, voter_lists, make_user, kind, code
):
    user = make_user(kind, code, area="26734-01" if kind == "team_secretary" else None)
    with pytest.raises(PermissionDenied):
        print_jobs.print_job_create(
            actor=user, election=mini_election, unit=unit("26734"), kind=CARDS
        )
    assert not Job.objects.filter(kind="print_cards").exists()


def test_second_job_for_an_overlapping_unit_is_refused(mini_election, voter_lists, make_user):
    boss = make_user(superuser=True)
    running = print_jobs.print_job_create(
        actor=boss, election=mini_election, unit=unit("760"), kind=CARDS
    )  # not run: on_commit callbacks are not executed here, so it stays pending
    for code in ("760", "26734", "79"):
        with pytest.raises(print_jobs.PrintBusy) as refused:
            print_jobs.print_job_create(
                actor=boss, election=mini_election, unit=unit(code), kind=LISTS
            )
        assert refused.value.job == running
    other = print_jobs.print_job_create(
        actor=boss, election=mini_election, unit=unit("783"), kind=CARDS
    )
    assert other.pk != running.pk


def test_a_stale_running_job_no_longer_holds_its_unit(mini_election, voter_lists, committee):
    dead = print_jobs.print_job_create(
        actor=committee, election=mini_election, unit=unit("760"), kind=CARDS
    )
    assert print_jobs.print_job_run(dead.pk)  # phase 1 done, running; then its worker dies
    dead.refresh_from_db()
    assert dead.status == Job.Status.RUNNING and not print_jobs.is_stale(dead)
    went_stale(dead, minutes=9)  # quiet, but not for long enough (default: 10 minutes)
    assert not print_jobs.is_stale(dead)
    with pytest.raises(print_jobs.PrintBusy):
        print_jobs.print_job_create(
            actor=committee, election=mini_election, unit=unit("26734"), kind=LISTS
        )
    with pytest.raises(print_jobs.PrintLive):  # nor may it be resumed while alive
        print_jobs.print_job_resume(actor=committee, job=dead)
    went_stale(dead, minutes=11)
    assert print_jobs.is_stale(dead)
    other = print_jobs.print_job_create(
        actor=committee, election=mini_election, unit=unit("26734"), kind=LISTS
    )
    # The stale job may not be resumed while the new one covers its unit.
    with pytest.raises(print_jobs.PrintBusy) as busy:
        print_jobs.print_job_resume(actor=committee, job=dead)
    assert busy.value.job == other
    dead.refresh_from_db()
    assert dead.status == Job.Status.RUNNING


def test_a_live_job_keeps_showing_signs_of_life(mini_election, voter_lists, committee, settings):
    settings.BAUCU_PRINT_STALE_MINUTES = 10
    job = print_jobs.print_job_create(
        actor=committee, election=mini_election, unit=unit("760"), kind=CARDS
    )
    todo = print_jobs.print_job_run(job.pk)
    went_stale(job)
    print_jobs.print_area(job.pk, todo[0])  # an area printed is progress
    job.refresh_from_db()
    assert not print_jobs.is_stale(job)
    with pytest.raises(print_jobs.PrintBusy):
        print_jobs.print_job_create(
            actor=committee, election=mini_election, unit=unit("760"), kind=LISTS
        )


def test_killed_worker_resume_gives_the_same_files_without_duplicates(
    django_capture_on_commit_callbacks, mini_election, voter_lists, committee, media
):
    clean = start(django_capture_on_commit_callbacks, committee, mini_election, "760")
    # A second job whose worker dies: phase 1 ran, one area was written, the next one died
    # half-way through writing (a temporary file left behind), the job stays "running".
    job = print_jobs.print_job_create(
        actor=committee, election=mini_election, unit=unit("760"), kind=CARDS
    )
    todo = print_jobs.print_job_run(job.pk)
    assert len(todo) == 3
    print_jobs.print_area(job.pk, todo[0])
    folder = media / "print" / str(job.pk)
    (folder / ".26734-02.crash.part").write_bytes(b"%PDF-1.4 half a file")
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and 0 < job.percent < 100
    # The area task is redelivered (acks_late) or, once the job has gone stale (no sign of
    # life for BAUCU_PRINT_STALE_MINUTES), it is resumed by hand.
    went_stale(job)
    with django_capture_on_commit_callbacks(execute=True):
        print_jobs.print_job_resume(actor=committee, job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert PrintedFile.objects.filter(job=job).count() == 3
    assert job.done == job.total == 28
    assert [a["sha256"] for a in job.result["manifest"]["areas"]] == [
        a["sha256"] for a in clean.result["manifest"]["areas"]
    ]
    # Running an area task again (a duplicate delivery) changes nothing.
    print_jobs.print_area(job.pk, todo[0])
    assert PrintedFile.objects.filter(job=job).count() == 3
    assert sorted(p.name for p in folder.glob("*.pdf")) == [
        "26734-01.pdf",
        "26734-02.pdf",
        "26737-01.pdf",
    ]


def test_failed_area_fails_the_job_and_leaves_no_partial_file(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media, monkeypatch
):
    from printing.services import documents

    real = documents.render_cards

    def dying(header, rows, out, **kw):
        if header.area_code == "26734-02":
            out.write(b"%PDF-1.4 partial")
            raise MemoryError("worker killed")
        return real(header, rows, out, **kw)

    monkeypatch.setattr(documents, "render_cards", dying)
    with pytest.raises(MemoryError):
        start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    job = Job.objects.get(kind="print_cards")
    assert job.status == Job.Status.FAILED and "26734-02" in job.message
    folder = media / "print" / str(job.pk)
    assert sorted(p.name for p in folder.iterdir()) == ["26734-01.pdf"]
    monkeypatch.setattr(documents, "render_cards", real)
    with django_capture_on_commit_callbacks(execute=True):
        print_jobs.print_job_resume(actor=staff, job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


@pytest.mark.parametrize("via", ["job", "command"])
def test_manifest_is_replaced_whole_or_not_at_all(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media, monkeypatch, via
):
    """manifest.json goes in under a temporary name and is renamed: a writer that dies before
    the rename leaves the previous manifest whole and no temporary file."""
    import os

    if via == "job":
        job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
        assert job.status == Job.Status.SUCCEEDED
        folder = media / "print" / str(job.pk)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)  # finish once more

        def write() -> None:
            print_jobs.print_job_finish(job.pk)

    else:
        folder = media / "out"
        folder.mkdir(parents=True)

        def write() -> None:
            print_jobs.print_unit_to_dir(
                election=mini_election, unit=unit("26734"), kind=LISTS, out=folder
            )

    (folder / "manifest.json").write_bytes(b'{"previous": true}')
    real_replace = os.replace

    def dies_before_renaming_the_manifest(src, dst):
        if Path(dst).name == "manifest.json":
            raise OSError("killed")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_before_renaming_the_manifest)
    with pytest.raises(OSError, match="killed"):
        write()
    assert (folder / "manifest.json").read_bytes() == b'{"previous": true}'
    assert not list(folder.glob(".*"))  # no temporary file left
    monkeypatch.setattr(os, "replace", real_replace)
    write()
    assert json.loads((folder / "manifest.json").read_text())["format"] == (
        "baucu.print-manifest/1"
    )


def test_single_card_reprint_is_recorded(mini_election, voter_lists, staff):
    area = PollingArea.objects.get(code="26734-01")
    pdf = print_jobs.reprint_card(actor=staff, area=area, stt=2, reason="lost")
    got = card_names(reader(pdf))
    assert got == [("Nguyễn Thị Hường", "2")]
    event = AuditEvent.objects.get(action="printing.card_reprinted")
    assert event.actor == staff and event.changes["extra"] == {
        "polling_area": "26734-01",
        "stt": 2,
        "reason": "lost",
    }
    with pytest.raises(LookupError):
        print_jobs.reprint_card(actor=staff, area=area, stt=99, reason="lost")
    outsider = PollingArea.objects.get(code="26737-01")
    with pytest.raises(PermissionDenied):
        print_jobs.reprint_card(actor=staff, area=outsider, stt=1, reason="lost")


def test_zip_is_deterministic(tmp_path):
    (tmp_path / "b.pdf").write_bytes(b"B")
    (tmp_path / "a.pdf").write_bytes(b"A")
    one, two = tmp_path / "1.zip", tmp_path / "2.zip"
    data = {"areas": [], "job": 1}
    print_jobs.write_zip([tmp_path / "b.pdf", tmp_path / "a.pdf"], data, one)
    print_jobs.write_zip([tmp_path / "a.pdf", tmp_path / "b.pdf"], {**data, "job": 2}, two)
    assert one.read_bytes() == two.read_bytes()
    assert zipfile.ZipFile(io.BytesIO(one.read_bytes())).namelist() == [
        "a.pdf",
        "b.pdf",
        "manifest.json",
    ]
    assert not list(Path(tmp_path).glob("*.part"))


def test_list_totals_agree_with_the_voters_app(mini_election, voter_lists):
    """The footer totals of the posted list are the voters app's counts (by sex, by contest)."""
    from printing.services.documents import contest_columns, list_document
    from voters import selectors as voter_selectors

    columns = contest_columns(mini_election)
    by_contest = voter_selectors.listed_counts_by_contest(election=mini_election)
    by_sex = voter_selectors.listed_counts_by_sex(election=mini_election)
    for area in mini_election.polling_areas.all():
        doc = list_document(area, columns)
        assert sum(r.male for r in doc.rows) == by_sex[area.pk]["M"]
        assert sum(not r.male for r in doc.rows) == by_sex[area.pk]["F"]
        for (area_id, contest_id), n in by_contest.items():
            if area_id == area.pk:
                col = columns.index[contest_id]
                assert sum(r.marks[col] for r in doc.rows) == n, (area.code, contest_id)


def test_same_person_listed_in_two_areas_blocks_both(
    django_capture_on_commit_callbacks, mini_election, voter_lists, committee, media
):
    voter_lists.add_duplicate("26734-01", 2, into="26737-01")
    job = start(django_capture_on_commit_callbacks, committee, mini_election, "760")
    assert job.status == Job.Status.FAILED
    group = "26734-01, STT 2; 26737-01, STT 10"
    assert [e for e in job.error_report if group in e] == [
        f"Khu vực 26734-01: cử tri trùng lặp chưa xử lý: {group}.",
        f"Khu vực 26737-01: cử tri trùng lặp chưa xử lý: {group}.",
    ]
    # Resolved in the voter list (the extra entry removed): printing goes ahead.
    from voters.models import Voter

    Voter.objects.filter(polling_area__code="26737-01", stt=10).update(status="removed")
    from voters.services.counts import refresh_area_counts

    refresh_area_counts(election_id=mini_election.id)  # rows changed directly: recount
    job = start(django_capture_on_commit_callbacks, committee, mini_election, "760")
    assert job.status == Job.Status.SUCCEEDED
    assert {a["polling_area"]: a["items"] for a in job.result["manifest"]["areas"]} == {
        "26734-01": 12,
        "26734-02": 7,
        "26737-01": 9,
    }


def test_namesakes_decided_different_people_no_longer_block_printing(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, media
):
    from printing import sources
    from voters.models import Voter
    from voters.services.duplicates import distinct_persons_decide

    area = PollingArea.objects.get(election=mini_election, code="26734-02")
    first = next(v for v in voter_lists.rows["26734-02"] if v.stt == 2)
    namesake = voter_lists.add_duplicate("26734-02", 2)  # same name, birth, sex; another ID
    job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    assert job.status == Job.Status.FAILED
    assert any("26734-02, STT 2; 26734-02, STT 8" in e for e in job.error_report)

    decision = distinct_persons_decide(
        actor=staff,
        election=mini_election,
        unit=unit("26734"),
        voter_ids=[first.pk, namesake.pk],
        reason="Đã đối chiếu căn cước: hai người khác nhau",
    )
    event = AuditEvent.objects.get(action="voters.distinct_persons")
    assert event.object_id == str(decision.pk) and event.actor == staff
    assert event.changes["extra"]["entries"] == ["26734-02 · STT 2", "26734-02 · STT 8"]
    assert sources.unresolved_duplicates(area) == []
    job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    assert job.status == Job.Status.SUCCEEDED, job.error_report

    # A third entry with the same name and birth joins the group: it was never decided.
    third = voter_lists.add_duplicate("26734-02", 2, prefix="098")
    assert [[stt for _n, _c, stt in g] for g in sources.unresolved_duplicates(area)] == [[2, 8, 9]]
    job = start(django_capture_on_commit_callbacks, staff, mini_election, "26734")
    assert job.status == Job.Status.FAILED
    # ... until it leaves the list again (the other two stay decided) ...
    Voter.objects.filter(pk=third.pk).update(status=Voter.Status.REMOVED)
    assert sources.unresolved_duplicates(area) == []
    # ... or a person decides the three of them.
    Voter.objects.filter(pk=third.pk).update(status=Voter.Status.LISTED)
    distinct_persons_decide(
        actor=staff,
        election=mini_election,
        unit=unit("26734"),
        voter_ids=[first.pk, namesake.pk, third.pk],
        reason="Ba người khác nhau",
    )
    assert sources.unresolved_duplicates(area) == []


def test_only_staff_of_every_members_unit_may_decide_different_people(
    django_capture_on_commit_callbacks, mini_election, voter_lists, staff, make_user, media
):
    from voters.models import DistinctPersons
    from voters.services.changes import VoterError
    from voters.services.duplicates import distinct_persons_decide

    original = next(v for v in voter_lists.rows["26734-01"] if v.stt == 2)
    namesake = voter_lists.add_duplicate("26734-01", 2, into="26737-01")  # another ward
    ids = [original.pk, namesake.pk]
    for who, on in [(staff, "26734"), (make_user("ward_staff", "26737"), "26737")]:
        with pytest.raises(PermissionDenied):
            distinct_persons_decide(
                actor=who, election=mini_election, unit=unit(on), voter_ids=ids, reason="x"
            )
    committee = make_user("committee_member", "760")  # sees names, may not change lists
    with pytest.raises(PermissionDenied):
        distinct_persons_decide(
            actor=committee, election=mini_election, unit=unit("760"), voter_ids=ids, reason="x"
        )
    assert not DistinctPersons.objects.exists()
    assert not AuditEvent.objects.filter(action="voters.distinct_persons").exists()
    district = make_user("ward_staff", "760")  # staff over both wards
    with pytest.raises(VoterError):  # a reason is required
        distinct_persons_decide(
            actor=district, election=mini_election, unit=unit("760"), voter_ids=ids, reason=" "
        )
    other = next(v for v in voter_lists.rows["26734-01"] if v.stt == 3)
    with pytest.raises(VoterError):  # not namesakes of each other
        distinct_persons_decide(
            actor=district,
            election=mini_election,
            unit=unit("760"),
            voter_ids=[original.pk, other.pk],
            reason="x",
        )
    distinct_persons_decide(
        actor=district, election=mini_election, unit=unit("760"), voter_ids=ids, reason="Khác"
    )
    job = start(django_capture_on_commit_callbacks, district, mini_election, "760")
    assert job.status == Job.Status.SUCCEEDED, job.error_report


@pytest.fixture
def election_2026(db, mini_doc):
    """A two-level tree (city → wards), as after 1 July 2025: no district anywhere."""
    from election.services.definition_import import import_definition

    doc = mini_doc
    doc["units"] = [
        {"code": "79", "name": "Thành phố Hồ Chí Minh", "kind": "city", "parent": None},
        {"code": "26734", "name": "Phường Sài Gòn", "kind": "ward", "parent": "79"},
        {"code": "27496", "name": "Xã Củ Chi", "kind": "commune", "parent": "79"},
    ]
    doc["election"].update(
        slug="mini-2026",
        date="2026-03-15",
        name="Bầu cử đại biểu Quốc hội khóa XVI và đại biểu HĐND các cấp nhiệm kỳ 2026-2031",
    )
    doc["contests"] = [c for c in doc["contests"] if c["code"] in ("QH", "HDND-79", "HDND-27496")]
    doc["constituencies"] = [
        {"contest": "QH", "number": 1, "seats": 3, "name": "Đơn vị số 1", "units": ["79"]},
        {"contest": "HDND-79", "number": 1, "seats": 3, "name": "Đơn vị số 1", "units": ["79"]},
        {"contest": "HDND-27496", "number": 1, "seats": 2, "name": "Đơn vị 1", "units": ["27496"]},
    ]
    doc["polling_areas"] = [
        {"code": "26734-01", "unit": "26734", "number": 1, "name": "Khu vực bỏ phiếu số 1",
         "kind": "residential", "constituencies": {"QH": 1, "HDND-79": 1}},
        {"code": "27496-01", "unit": "27496", "number": 1, "name": "Khu vực bỏ phiếu số 1",
         "kind": "residential", "constituencies": {"QH": 1, "HDND-79": 1, "HDND-27496": 1}},
    ]  # fmt: skip
    doc["candidates"] = [c for c in doc["candidates"] if c["contest"] in ("QH", "HDND-79")]
    for c in doc["candidates"]:
        c["constituency"] = 1
    return import_definition(data=doc, source="test").election


def test_a_2026_election_has_no_district_line_or_column(election_2026, tmp_path):
    import datetime as dt

    from printing.services.documents import area_header, contest_columns, write_area
    from voters.models import Voter

    area = PollingArea.objects.get(election=election_2026, code="27496-01")
    Voter.objects.create(
        election=election_2026,
        polling_area=area,
        stt=1,
        national_id="079300000001",
        full_name="Y Moan Êban",
        search_key="y moan eban",
        birth_date=dt.date(1990, 5, 1),
        birth_year=1990,
        sex="M",
        ethnicity="Ê Đê",
        permanent_address="Ấp 3, xã Củ Chi",
        residence="permanent",
    )
    header = area_header(area)
    assert header.district_name is None and header.commune_name == "Xã Củ Chi"
    assert "KHÓA XVI" in header.election_title and "2026 - 2031" in header.election_title
    assert header.list_title == (
        "BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XVI VÀ BẦU CỬ ĐẠI BIỂU HĐND CÁC CẤP NHIỆM KỲ 2026-2031"
    )
    assert [c.label for c in contest_columns(election_2026).columns] == [
        "Bầu cử ĐBQH",
        "Tỉnh",
        "Xã",
    ]
    cards = write_area(area, "cards", tmp_path)
    lines = page_lines(reader(cards.path).pages[0])
    assert "Y Moan Êban" in lines and "Huyện/quận/thị xã/thành phố:" not in lines
    lists = write_area(area, "lists", tmp_path / "l")
    text = reader(lists.path).pages[0].extract_text()
    assert "Huyện" not in text
    assert "Khu vực bỏ phiếu số 1 thuộc xã Củ Chi, thành phố Hồ Chí Minh" in text
    assert header.list_title in text  # the list's title (Mẫu 33/31), not the card's
    assert "đại biểu HĐND xã: 1" in text
