"""Typed changes, the ledger reconciling with the lists, permissions (page, API, search),
reports as XLSX, and the pages."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.voters.conftest import row
from voters import selectors
from voters.models import Voter, VoterEvent
from voters.services.changes import ListsClosed, VoterError, voter_change, voter_register
from voters.services.import_list import import_voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(election, write):
    rows = [
        row(),
        row(national_id="079085000002", full_name="Trần Thị Bình", sex="Nữ", relation="Vợ"),
        row(national_id="079085000003", full_name="Đặng Văn Cường", area_code="26737-01",
            household_code="K1"),
        row(national_id="079085000004", full_name="Lê Văn Dũng", area_code="27496-01",
            household_code="C1", temporary_address="Ấp 1", permanent_address="",
            temporary_since="01/01/2031"),
    ]  # fmt: skip
    import_voters(election=election, path=write(rows), actor=None)
    return election


def area(election, code):
    return election.polling_areas.get(code=code)


def test_vote_elsewhere_pair_never_listed_twice(loaded, make_user) -> None:
    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    voter_change(
        actor=staff, voter=v, kind="elsewhere_issued", target_area=area(loaded, "27496-01")
    )
    v.refresh_from_db()
    assert v.status == "elsewhere" and v.note == "Bỏ phiếu ở nơi khác"
    there = Voter.objects.get(national_id="079085000001", status="listed")
    assert there.polling_area.code == "27496-01" and there.contest_scope == "na_province"
    assert Voter.objects.filter(national_id="079085000001", status="listed").count() == 1
    counts = selectors.listed_counts_by_contest(election=loaded)
    qh, hdnd_huyen = (loaded.contests.get(code=c).id for c in ("QH", "HDND-783"))
    a = area(loaded, "27496-01").id
    # NA + provincial only: Dũng (temporary < 12 months: no commune council) + An
    assert counts[(a, qh)] == 2 and counts[(a, hdnd_huyen)] == 1
    assert counts[(a, loaded.contests.get(code="HDND-27496").id)] == 0
    with pytest.raises(VoterError):
        voter_register(actor=staff, area=area(loaded, "26737-01"), data=row(birth="1980"))


def test_register_late_voter_after_last_number(loaded, make_user) -> None:
    staff = make_user("ward_staff", "26734")
    v = voter_register(
        actor=staff,
        area=area(loaded, "26734-01"),
        data=row(national_id="079001000009", full_name="Hồ Văn Mới", birth="05/05/1990"),
    )
    assert v.stt == 3 and v.events.get().kind == "added"
    with pytest.raises(VoterError) as exc:
        voter_register(actor=staff, area=area(loaded, "26734-01"), data=row(birth="2020"))
    assert any("18 tuổi" in reason for _c, reason in exc.value.errors)


def test_ledger_reconciles_with_lists(loaded, make_user) -> None:
    staff = make_user("ward_staff", "79")
    posting = timezone.now()
    voter_change(actor=staff, voter=Voter.objects.get(national_id="079085000002"), kind="died")
    voter_change(
        actor=staff, voter=Voter.objects.get(national_id="079085000003"), kind="moved_out",
        reason="permanent_move", target_area=area(loaded, "26734-02"),
    )  # fmt: skip
    voter_register(
        actor=staff,
        area=area(loaded, "27499-01"),
        data=row(
            national_id="079001000010", area_code="27499-01", full_name="Bùi Thị Em", sex="Nữ"
        ),
    )
    voter_change(actor=staff, voter=Voter.objects.get(national_id="079085000002"), kind="restored")
    now_counts = selectors.listed_counts(election=loaded)
    assert now_counts == selectors.listed_counts_exact(election=loaded)  # the summary is right
    city = loaded.root
    end = timezone.now() + dt.timedelta(seconds=1)
    report = selectors.change_report(
        election=loaded, unit=city, start=posting - dt.timedelta(microseconds=1), end=end
    )
    for r in report["areas"]:
        assert r["start"] + r["added"] - r["removed"] == r["end"] == now_counts.get(r["area"].id, 0)
    t = report["totals"]
    assert t["start"] == 4 and t["end"] == sum(now_counts.values()) == 5
    assert t["kinds"]["died"] == 1 and t["kinds"]["moved_out:permanent_move"] == 1
    # rolled up per district equals the sum of its areas
    q1 = city.children.get(code="760")
    q1_report = selectors.change_report(election=loaded, unit=q1, start=posting, end=end)
    assert q1_report["totals"]["end"] == sum(
        n for a, n in now_counts.items() if area_code_of(a).startswith("267")
    )


def area_code_of(area_id: int) -> str:
    from election.models import PollingArea

    return PollingArea.objects.get(pk=area_id).code


def test_cutoff_refuses_changes(loaded, make_user) -> None:
    v = Voter.objects.get(national_id="079085000001")
    late = dt.datetime.combine(loaded.date, dt.time(8, 0), tzinfo=dt.UTC)
    with pytest.raises(ListsClosed, match="24 giờ"):
        voter_change(actor=None, voter=v, kind="died", now=late)
    assert Voter.objects.get(pk=v.pk).status == "listed"


def test_every_change_is_audited(loaded, make_user) -> None:
    from common.models import AuditEvent

    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    voter_change(actor=staff, voter=v, kind="unreachable")
    ev = AuditEvent.objects.get(action="voter.unreachable")
    assert ev.actor == staff and ev.changes["fields"]["status"] == ["listed", "removed"]
    assert AuditEvent.objects.filter(action="voters.imported").count() == 1


# --- permissions: ward A cannot see ward B, by page, API and search -------------------------


def test_ward_staff_scoped_everywhere(loaded, make_user, client) -> None:
    staff = make_user("ward_staff", "26734")
    client.login(username=staff.username, password=PASSWORD)
    slug = loaded.slug
    assert client.get(f"/e/{slug}/voters/pa/26734-01/").status_code == 200
    assert client.get(f"/e/{slug}/voters/pa/26737-01/").status_code == 403
    other = Voter.objects.get(national_id="079085000003")
    assert client.get(f"/e/{slug}/voters/v/{other.pk}/").status_code == 403
    assert client.get(f"/api/elections/{slug}/polling-areas/26737-01/voters/").status_code == 403
    found = client.get(f"/api/elections/{slug}/voters/search/", {"q": "dang"}).json()
    assert found == []  # Đặng Văn Cường lives in ward 26737
    found = client.get(f"/api/elections/{slug}/voters/search/", {"q": "nguyen van an"}).json()
    assert [v["national_id"] for v in found] == ["079085000001"]
    page = client.get(f"/e/{slug}/voters/u/26734/", {"q": "cuong"})
    assert "Đặng Văn Cường" not in page.content.decode()
    assert client.get(f"/e/{slug}/voters/u/26737/").status_code == 403
    # an observer sees counts, not names
    observer = make_user("observer", "79")
    client.login(username=observer.username, password=PASSWORD)
    assert client.get(f"/e/{slug}/voters/pa/26734-01/").status_code == 403
    counts = client.get(f"/api/elections/{slug}/voters/counts/").json()
    assert counts["total"] == 4 and counts["male"] == 3


def test_committee_sees_rollup_and_reports(loaded, make_user, client) -> None:
    member = make_user("committee_member", "79")
    client.login(username=member.username, password=PASSWORD)
    slug = loaded.slug
    page = client.get(f"/e/{slug}/voters/u/79/").content.decode()
    assert 'id="total-voters">4<' in page
    resp = client.get(f"/e/{slug}/voters/u/79/", {"format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    total_row = [c.value for c in ws[ws.max_row]]
    assert total_row[1] == "Tổng cộng" and total_row[2:5] == [4, 3, 1]
    resp = client.get(f"/e/{slug}/voters/u/79/changes/", {"format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    # default period: from the posting date (40 days before election day): all before it
    assert [c.value for c in ws[ws.max_row]][:5] == ["Tổng cộng", 4, 0, 0, 4]
    today = timezone.localdate().isoformat()
    resp = client.get(f"/e/{slug}/voters/u/79/changes/", {"format": "xlsx", "from": today})
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[ws.max_row]][:5] == ["Tổng cộng", 0, 4, 0, 4]
    resp = client.get(f"/e/{slug}/voters/pa/26734-01/", {"format": "xlsx"})
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    values = [c.value for r in ws.iter_rows() for c in r]
    assert "Nguyễn Văn An" in values and "Tổng số cử tri" in values


def test_pages_register_and_change(loaded, make_user, client) -> None:
    staff = make_user("ward_staff", "26734")
    client.login(username=staff.username, password=PASSWORD)
    slug = loaded.slug
    resp = client.post(f"/e/{slug}/voters/pa/26734-01/new/", {
        "national_id": "079001000011", "full_name": "Hà Văn Muộn", "birth": "1990",
        "sex": "Nam", "permanent_address": "5 Võ Thị Sáu"})  # fmt: skip
    assert resp.status_code == 302
    late = Voter.objects.get(national_id="079001000011")
    assert late.stt == 3
    resp = client.post(f"/e/{slug}/voters/v/{late.pk}/", {
        "action": "change", "kind": "elsewhere_issued", "target_area": ""})  # fmt: skip
    assert resp.status_code == 302
    page = client.get(f"/e/{slug}/voters/pa/26734-01/").content.decode()
    assert "Bỏ phiếu ở nơi khác" in page
    bad = client.post(f"/e/{slug}/voters/pa/26734-01/new/", {
        "national_id": "123", "full_name": "Hà Văn", "birth": "2020", "sex": "Nam",
        "permanent_address": "x"})  # fmt: skip
    assert bad.status_code == 400 and "12 chữ số" in bad.content.decode()


def test_import_flow_by_page(election, make_user, client, write) -> None:
    staff = make_user("ward_staff", "26734")
    client.login(username=staff.username, password=PASSWORD)
    slug = election.slug
    tpl = client.get(f"/e/{slug}/voters/template.xlsx")
    assert openpyxl.load_workbook(io.BytesIO(tpl.content)).active["A1"].value == (
        "Số định danh cá nhân"
    )
    path = write([row(), row(national_id="079085000002", birth="2020")])
    with path.open("rb") as fh:
        resp = client.post(f"/e/{slug}/voters/u/26734/import/", {"file": fh, "mode": "valid"})
    assert resp.status_code == 302
    detail = client.get(resp.url).content.decode()
    assert 'id="sum-new">1<' in detail and 'id="sum-rejected">1<' in detail
    assert Voter.objects.count() == 0  # nothing written before confirmation
    errors = client.get(resp.url + "errors.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(errors.content)).active
    assert ws.cell(2, 13).value == 3
    client.post(resp.url, {"action": "confirm"})
    assert Voter.objects.count() == 1
    assert VoterEvent.objects.get().kind == "added"


def test_api_register_and_change(loaded, make_user, client) -> None:
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    slug = loaded.slug
    url = f"/api/elections/{slug}/polling-areas/26734-01/voters/"
    resp = client.post(url, {"national_id": "079001000020", "full_name": "Đỗ Văn Api",
                             "birth": "1990", "sex": "Nam", "permanent_address": "1 Lê Lợi"},
                       content_type="application/json")  # fmt: skip
    assert resp.status_code == 201 and resp.json()["stt"] == 3
    bad = client.post(url, {"national_id": "1", "full_name": "Đỗ Văn", "birth": "2020",
                            "sex": "Nam", "permanent_address": "x"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and {e["column"] for e in bad.json()["errors"]} >= {
        "Số định danh cá nhân", "Ngày sinh"}  # fmt: skip
    pk = resp.json()["id"]
    ev = client.post(f"/api/elections/{slug}/voters/{pk}/events/",
                     {"kind": "moved_out", "reason": "permanent_move", "target_area": "26734-02"},
                     content_type="application/json")  # fmt: skip
    assert ev.status_code == 201 and [e["kind"] for e in ev.json()] == ["moved_out", "moved_in"]
    assert Voter.objects.get(national_id="079001000020", status="listed").polling_area.code == (
        "26734-02"
    )
    # outside the ward: refused
    other = Voter.objects.get(national_id="079085000003")
    assert client.post(f"/api/elections/{slug}/voters/{other.pk}/events/", {"kind": "died"},
                       content_type="application/json").status_code == 403  # fmt: skip
    assert Voter.objects.get(pk=other.pk).status == "listed"


def test_abandoned_uploads_are_purged(election, make_user, client, write) -> None:
    import datetime as dt

    from voters.models import VoterImport

    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    with write([row()]).open("rb") as fh:
        resp = client.post(
            f"/e/{election.slug}/voters/u/26734/import/", {"file": fh, "mode": "all"}
        )
    imp = VoterImport.objects.get()
    assert imp.status == "ready" and imp.path and resp.status_code == 302
    from pathlib import Path

    kept = Path(imp.path)
    assert kept.exists()
    VoterImport.objects.filter(pk=imp.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    client.get(f"/e/{election.slug}/voters/u/26734/import/")
    imp.refresh_from_db()
    assert imp.status == "cancelled" and not kept.exists()


def test_reimport_after_certificate_keeps_both_sides(loaded, make_user, write) -> None:
    """A voter who got a certificate at 26734-01 and was added in Củ Chi: re-importing the
    ward's file (where the national extract still lists them) changes nothing on either side."""
    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    voter_change(
        actor=staff, voter=v, kind="elsewhere_issued", target_area=area(loaded, "27496-01")
    )
    ward = loaded.root.tree.units.get(code="26734")
    rows = [row(), row(national_id="079085000002", full_name="Trần Thị Bình", sex="Nữ",
                       relation="Vợ")]  # fmt: skip
    r = import_voters(election=loaded, path=write(rows), actor=None, unit=ward)
    assert r.applied and r.rejected == 0 and (r.created, r.updated, r.removed) == (0, 0, 0)
    assert Voter.objects.get(pk=v.pk).status == "elsewhere"
    listed = Voter.objects.get(national_id="079085000001", status="listed")
    assert listed.polling_area.code == "27496-01"
    assert selectors.listed_counts(election=loaded) == selectors.listed_counts_exact(
        election=loaded
    )


def _ward_rows() -> list[dict[str, str]]:
    return [row(), row(national_id="079085000002", full_name="Trần Thị Bình", sex="Nữ",
                       relation="Vợ")]  # fmt: skip


def test_reimport_after_death_does_not_bring_the_voter_back(loaded, make_user, write) -> None:
    """Staff record a death; the ward's file (the extract still lists the person) is imported
    again: the entry stays removed with its number, nothing is re-created, and a second
    re-import is as idempotent as the first."""
    staff = make_user("ward_staff", "26734")
    dead = Voter.objects.get(national_id="079085000002")
    voter_change(actor=staff, voter=dead, kind="died")
    ward = loaded.root.tree.units.get(code="26734")
    events = VoterEvent.objects.count()
    for _ in range(2):
        r = import_voters(election=loaded, path=write(_ward_rows()), actor=None, unit=ward)
        assert r.applied and r.rejected == 0
        assert (r.created, r.updated, r.moved, r.removed) == (0, 0, 0, 0)
        assert (r.unchanged, r.staff_removed) == (1, 1)
        assert r.preview()["areas"]["26734-01"]["staff_removed"] == 1
        assert VoterEvent.objects.count() == events
    assert list(Voter.objects.filter(national_id="079085000002").values_list("stt", "status")) == [
        (2, "removed")
    ]
    # the whole city's file (every area, no unit) behaves the same
    r = import_voters(election=loaded, path=write([*_ward_rows(), *_loaded_rest()]), actor=None)
    assert r.applied and (r.created, r.staff_removed, r.unchanged) == (0, 1, 3)
    assert selectors.listed_counts(election=loaded) == selectors.listed_counts_exact(
        election=loaded
    )


def _loaded_rest() -> list[dict[str, str]]:
    return [
        row(national_id="079085000003", full_name="Đặng Văn Cường", area_code="26737-01",
            household_code="K1"),
        row(national_id="079085000004", full_name="Lê Văn Dũng", area_code="27496-01",
            household_code="C1", temporary_address="Ấp 1", permanent_address="",
            temporary_since="01/01/2031"),
    ]  # fmt: skip


@pytest.mark.parametrize("legacy_link", [False, True])
def test_reimport_after_move_to_another_ward(loaded, make_user, write, legacy_link) -> None:
    """Staff move a voter of 26734-01 to 26737-01 (another ward); the old ward's file, where
    the extract still lists the person, is taken in all-or-nothing mode without a conflict and
    without moving the person back. `legacy_link`: a move recorded before the move-out event
    pointed at the new entry (only the move-in points back)."""
    staff = make_user("ward_staff", "79")
    v = Voter.objects.get(national_id="079085000001")
    out, _in = voter_change(
        actor=staff, voter=v, kind="moved_out", reason="permanent_move",
        target_area=area(loaded, "26737-01"),
    )  # fmt: skip
    there = Voter.objects.get(national_id="079085000001", status="listed")
    assert out.related_id == there.pk and there.polling_area.code == "26737-01"
    if legacy_link:
        VoterEvent.objects.filter(pk=out.pk).update(related=None)
    ward = loaded.root.tree.units.get(code="26734")
    for _ in range(2):
        r = import_voters(election=loaded, path=write(_ward_rows()), actor=None, unit=ward)
        assert r.applied and r.errors == [] and r.rejected == 0
        assert (r.created, r.updated, r.moved, r.removed, r.staff_removed) == (0, 0, 0, 0, 1)
    assert Voter.objects.get(pk=v.pk).status == "removed"
    assert list(
        Voter.objects.filter(national_id="079085000001", status="listed").values_list(
            "polling_area__code", flat=True
        )
    ) == ["26737-01"]


def test_listed_elsewhere_without_a_staff_move_still_blocks(loaded, write) -> None:
    """An ID listed in another ward that no move of this area explains is still a conflict."""
    ward = loaded.root.tree.units.get(code="26734")
    rows = [*_ward_rows(), row(national_id="079085000003", full_name="Đặng Văn Cường",
                               household_code="K1")]  # fmt: skip
    r = import_voters(election=loaded, path=write(rows), actor=None, unit=ward)
    assert not r.applied and [e["row"] for e in r.errors] == [4]
    assert "26737-01" in r.errors[0]["reason"]


def test_reimport_after_move_inside_the_ward_does_not_move_back(loaded, make_user, write) -> None:
    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    voter_change(
        actor=staff, voter=v, kind="moved_out", reason="permanent_move",
        target_area=area(loaded, "26734-02"),
    )  # fmt: skip
    ward = loaded.root.tree.units.get(code="26734")
    r = import_voters(election=loaded, path=write(_ward_rows()), actor=None, unit=ward)
    assert r.applied and (r.created, r.moved, r.removed, r.staff_removed) == (0, 0, 0, 1)
    assert Voter.objects.get(national_id="079085000001", status="listed").polling_area.code == (
        "26734-02"
    )


def test_reimport_after_certificate_inside_the_ward_keeps_it(loaded, make_user, write) -> None:
    """A certificate to vote in another area of the same ward: re-importing the ward's file
    keeps the note at home and the entry where the voter votes (not a move back)."""
    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    voter_change(
        actor=staff, voter=v, kind="elsewhere_issued", target_area=area(loaded, "26734-02")
    )
    ward = loaded.root.tree.units.get(code="26734")
    r = import_voters(election=loaded, path=write(_ward_rows()), actor=None, unit=ward)
    assert r.applied and (r.created, r.moved, r.removed, r.unchanged) == (0, 0, 0, 2)
    assert Voter.objects.get(pk=v.pk).status == "elsewhere"
    assert Voter.objects.get(national_id="079085000001", status="listed").polling_area.code == (
        "26734-02"
    )


# --- a polling area's own (early) polling day -------------------------------------------------


@pytest.fixture
def early(loaded):
    """26734-02 votes three days before election day; `now` is an hour past its cut-off, while
    the rest of the election is still open."""
    from voters import rules

    early_area = area(loaded, "26734-02")
    early_area.polling_day = loaded.date - dt.timedelta(days=3)
    early_area.save(update_fields=["polling_day"])
    now = rules.changes_close(early_area.polling_day) + dt.timedelta(hours=1)
    assert now < rules.changes_close(loaded.date)
    return loaded, early_area, now


def test_early_polling_day_closes_its_area_first(early, make_user) -> None:
    from voters.services.import_list import lists_open

    election, early_area, now = early
    staff = make_user("ward_staff", "26734")
    assert lists_open(election, now) and lists_open(election, now, polling_day=election.date)
    assert not lists_open(election, now, polling_day=early_area.polling_day)
    v = Voter.objects.get(national_id="079085000001")  # in 26734-01, still open
    with pytest.raises(ListsClosed, match="24 giờ") as exc:
        voter_change(
            actor=staff, voter=v, kind="moved_out", reason="permanent_move",
            target_area=early_area, now=now,
        )  # fmt: skip
    assert f"{early_area.polling_day - dt.timedelta(days=1):%d/%m/%Y}" in str(exc.value)
    with pytest.raises(ListsClosed):
        voter_register(
            actor=staff, area=early_area, now=now,
            data=row(national_id="079001000030", full_name="Hồ Văn Sớm"),
        )  # fmt: skip
    assert Voter.objects.get(pk=v.pk).status == "listed"
    # the open area still takes changes at the same moment
    voter_change(actor=staff, voter=v, kind="died", now=now)
    # a rehearsal is never closed
    election.is_rehearsal = True
    election.save(update_fields=["is_rehearsal"])
    assert lists_open(election, now, polling_day=early_area.polling_day)


def test_import_refuses_rows_of_an_area_past_its_cutoff(early, write) -> None:
    election, early_area, now = early
    ward = election.root.tree.units.get(code="26734")
    rows = [
        *_ward_rows(),
        row(national_id="079001000031", full_name="Hồ Văn Sớm", area_code="26734-02",
            household_code="E1"),  # row 4: its area is closed
        row(national_id="079001000032", full_name="Hồ Văn Đúng", household_code="E2"),
    ]  # fmt: skip
    r = import_voters(election=election, path=write(rows), actor=None, unit=ward, now=now)
    assert not r.applied and [(e["row"], e["column"]) for e in r.errors] == [
        (4, "Mã khu vực bỏ phiếu")
    ]
    assert "26734-02 đã hết thời hạn" in r.errors[0]["reason"]
    r = import_voters(
        election=election, path=write(rows), actor=None, unit=ward, now=now, mode="valid"
    )
    assert r.applied and (r.created, r.rejected) == (1, 1)
    assert not Voter.objects.filter(national_id="079001000031").exists()
    # a voter listed in the closed area cannot be moved out of it by a file either
    Voter.objects.filter(national_id="079085000002").update(polling_area=early_area)
    from voters.services.counts import refresh_area_counts

    refresh_area_counts(
        election_id=election.pk, area_ids=[early_area.pk, area(election, "26734-01").pk]
    )
    r = import_voters(
        election=election, path=write(_ward_rows()), actor=None, unit=ward, now=now, mode="valid"
    )
    assert r.moved == 0 and [e["row"] for e in r.errors] == [3]
    assert "26734-02" in r.errors[0]["reason"]
    assert Voter.objects.get(national_id="079085000002", status="listed").polling_area == early_area
    # the preview (dry run) says the same
    r = import_voters(election=election, path=write(rows), actor=None, unit=ward, now=now,
                      dry_run=True)  # fmt: skip
    assert 4 in {e["row"] for e in r.errors}


def test_area_page_closed_on_its_own_polling_day(early, make_user, client, monkeypatch) -> None:
    from types import SimpleNamespace

    from voters.services import import_list

    election, early_area, now = early
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    monkeypatch.setattr(import_list, "timezone", SimpleNamespace(now=lambda: now))
    closed = client.get(f"/e/{election.slug}/voters/pa/26734-02/").content.decode()
    opened = client.get(f"/e/{election.slug}/voters/pa/26734-01/").content.decode()
    assert 'id="register-link"' not in closed and 'id="register-link"' in opened


# --- Art 30(1) grounds -------------------------------------------------------------------------


def test_ineligible_requires_an_art30_ground(loaded, make_user) -> None:
    from voters import rules

    staff = make_user("ward_staff", "26734")
    v = Voter.objects.get(national_id="079085000001")
    for bad in ("", "other", "died"):
        with pytest.raises(VoterError, match="khoản 1 Điều 30"):
            voter_change(actor=staff, voter=v, kind="ineligible", reason=bad)
    assert Voter.objects.get(pk=v.pk).status == "listed"
    with pytest.raises(VoterError, match="không đủ điều kiện"):
        voter_change(actor=staff, voter=v, kind="died", reason="prison")
    (ev,) = voter_change(
        actor=staff, voter=v, kind="ineligible", reason="prison", note="BA 12/2031"
    )
    assert (ev.kind, ev.reason, ev.delta) == ("ineligible", "prison", -1)
    v.refresh_from_db()
    assert v.status == "removed"
    assert rules.ART30_STATUSES["prison"] in v.note and "BA 12/2031" in v.note
    # the model's grounds are the law's list, nothing more
    assert set(rules.ART30_STATUSES) == {"deprived", "death_sentence", "prison", "incapacity"}
    assert set(rules.ART30_STATUSES) <= set(VoterEvent.Reason.values)


def test_change_report_shows_the_art30_ground(loaded, make_user, client) -> None:
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    slug = loaded.slug
    v = Voter.objects.get(national_id="079085000001")
    # by page: the ground has its own select
    resp = client.post(f"/e/{slug}/voters/v/{v.pk}/", {
        "action": "change", "kind": "ineligible", "ground": ""})  # fmt: skip
    assert resp.status_code == 400 and "khoản 1 Điều 30" in resp.content.decode()
    resp = client.post(f"/e/{slug}/voters/v/{v.pk}/", {
        "action": "change", "kind": "ineligible", "ground": "incapacity"})  # fmt: skip
    assert resp.status_code == 302
    # by API: the ground is the reason
    other = Voter.objects.get(national_id="079085000002")
    bad = client.post(f"/api/elections/{slug}/voters/{other.pk}/events/", {"kind": "ineligible"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    ok = client.post(f"/api/elections/{slug}/voters/{other.pk}/events/",
                     {"kind": "ineligible", "reason": "deprived"},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 201 and ok.json()[0]["reason"] == "deprived"
    start = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    page = client.get(f"/e/{slug}/voters/u/26734/changes/", {"from": start}).content.decode()
    # grounds in the order of the law: deprived, death sentence, prison, incapacity
    assert 'id="t-ground-1">1<' in page and 'id="t-ground-4">1<' in page
    assert 'id="t-ground-2">0<' in page and 'id="t-ground-3">0<' in page
    assert "Bị mất năng lực hành vi dân sự" in page  # the ground by name, with the voter
    resp = client.get(f"/e/{slug}/voters/u/26734/changes/", {"from": start, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    gs = wb["Căn cứ Điều 30"]
    assert [c.value for c in gs[gs.max_row]] == ["Tổng cộng", 1, 0, 0, 1]
    names = wb["Danh sách biến động"]
    reasons = {r[2]: r[5] for r in names.iter_rows(min_row=2, values_only=True)}
    assert reasons["Nguyễn Văn An"] == "Bị mất năng lực hành vi dân sự"


def test_year_only_boundary_rows_are_shown_to_check(election, make_user, client, write) -> None:
    """Election day 25/05/2031: born in 2013 with the year only may or may not be 18 — the
    preview counts such rows and names their row numbers, and the list keeps the flag; a
    year-only birth well before the boundary is not flagged."""
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    slug = election.slug
    path = write([
        row(),
        row(national_id="079013000002", full_name="Phạm Thị Cúc", sex="Nữ", birth="2013",
            household_code="H2"),  # row 3
        row(national_id="079080000003", full_name="Lý Văn Già", birth="1980",
            household_code="H3"),
        row(national_id="079013000004", full_name="Đỗ Minh Đức", birth="2013",
            household_code="H4"),  # row 5
    ])  # fmt: skip
    with path.open("rb") as fh:
        resp = client.post(f"/e/{slug}/voters/u/26734/import/", {"file": fh, "mode": "all"})
    detail = client.get(resp.url).content.decode()
    assert 'id="sum-flagged">2<' in detail
    imp_rows = [f["row"] for f in _import_result(resp.url)["flagged_rows"]]
    assert imp_rows == [3, 5]
    assert 'id="flagged"' in detail and "25/05/2013" in detail
    client.post(resp.url, {"action": "confirm"})
    page = client.get(f"/e/{slug}/voters/pa/26734-01/").content.decode()
    assert page.count('class="tag warn age-flag"') == 2
    line = next(li for li in page.split("<tr") if "Lý Văn Già" in li)
    assert "age-flag" not in line and ">?<" in line


def _import_result(url: str) -> dict:
    from voters.models import VoterImport

    return VoterImport.objects.get(pk=int(url.rstrip("/").split("/")[-1])).result


# --- CSV template, search, removals from the source in the change report -------------------


def test_csv_template_has_the_formats_columns_and_imports_back(
    election, make_user, client, tmp_path
) -> None:
    import csv

    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    slug = election.slug
    start = client.get(f"/e/{slug}/voters/u/26734/import/").content.decode()
    assert f'href="/e/{slug}/voters/template.csv"' in start
    resp = client.get(f"/e/{slug}/voters/template.csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert resp.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    # formats.md §2, in its order
    assert rows == [[
        "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Nghề nghiệp",
        "Nơi thường trú", "Nơi tạm trú", "Ngày bắt đầu tạm trú", "Mã khu vực bỏ phiếu", "Mã hộ",
        "Quan hệ với chủ hộ",
    ]]  # fmt: skip
    # filled in, it imports
    path = tmp_path / "filled.csv"
    path.write_bytes(resp.content + "079085000001,Nguyễn Văn An,12/03/1985,Nam,Kinh,,"
                     "1 Lê Lợi,,,26734-01,H1,Chủ hộ\r\n".encode())  # fmt: skip
    r = import_voters(election=election, path=path, actor=None)
    assert r.applied and r.created == 1


def test_search_finds_names_without_accents(loaded, make_user, client) -> None:
    staff = make_user("ward_staff", "26737")
    client.force_login(staff)
    slug = loaded.slug
    found = client.get(f"/api/elections/{slug}/voters/search/", {"q": "dang"}).json()
    assert [v["full_name"] for v in found] == ["Đặng Văn Cường"]
    page = client.post(f"/e/{slug}/voters/u/26737/", {"q": "DANG van"}).content.decode()
    assert "Đặng Văn Cường" in page
    city = make_user("ward_staff", "79")
    client.force_login(city)
    found = client.get(f"/api/elections/{slug}/voters/search/", {"q": "nguyen van an"}).json()
    assert [v["full_name"] for v in found] == ["Nguyễn Văn An"]
    found = client.get(f"/api/elections/{slug}/voters/search/", {"q": "Nguyễn Văn An"}).json()
    assert [v["national_id"] for v in found] == ["079085000001"]
    area_page = client.post(f"/e/{slug}/voters/pa/26734-01/", {"q": "tran thi binh"})
    assert "Trần Thị Bình" in area_page.content.decode()
    assert "Nguyễn Văn An" not in area_page.content.decode()


def test_change_report_splits_removed_from_source(loaded, make_user, client, write) -> None:
    from voters.views import column_count, report_columns

    staff = make_user("ward_staff", "26734")
    ward = loaded.root.tree.units.get(code="26734")
    posting = timezone.now()
    # the newer extract no longer holds Bình; staff remove An for another reason
    import_voters(election=loaded, path=write([row()]), actor=None, unit=ward)
    voter_change(actor=staff, voter=Voter.objects.get(national_id="079085000001"), kind="removed")
    report = selectors.change_report(
        election=loaded, unit=ward, start=posting, end=timezone.now() + dt.timedelta(seconds=1)
    )
    kinds = report["totals"]["kinds"]
    assert kinds == {"removed:source": 1, "removed": 1}
    cols = report_columns()
    assert column_count(kinds, "removed:source", cols) == 1
    assert column_count(kinds, "removed", cols) == 1
    assert report["totals"]["removed"] == 2  # both are removals
    client.force_login(staff)
    start = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    resp = client.get(
        f"/e/{loaded.slug}/voters/u/26734/changes/", {"from": start, "format": "xlsx"}
    )
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    head = [c.value for c in ws[3]]
    total = [c.value for c in ws[ws.max_row]]
    source = head.index("Xóa tên: không còn trong dữ liệu nguồn")
    other = head.index("Xóa tên: lý do khác")
    assert (total[source], total[other]) == (1, 1)


def test_reimport_keeps_voters_staff_put_on_the_list(loaded, make_user, write) -> None:
    """The other side of staff changes: a voter moved in from another ward and a late voter
    registered by staff are not in the ward's file; re-importing it keeps both on the list
    (counted as added by staff), while a voter the import itself added and the source dropped
    is removed as before."""
    staff = make_user("ward_staff", "79")
    moved = Voter.objects.get(national_id="079085000001")
    voter_change(
        actor=staff, voter=moved, kind="moved_out", reason="permanent_move",
        target_area=area(loaded, "26737-01"),
    )  # fmt: skip
    late = voter_register(
        actor=staff, area=area(loaded, "26737-01"),
        data=row(national_id="079001000040", full_name="Hồ Văn Muộn", area_code="26737-01"),
    )  # fmt: skip
    ward = loaded.root.tree.units.get(code="26737")
    file_rows = [row(national_id="079001000041", full_name="Vũ Văn Mới", area_code="26737-01",
                     household_code="K2")]  # fmt: skip
    # Cường (added by the first import) is no longer in the file
    for _ in range(2):
        r = import_voters(election=loaded, path=write(file_rows), actor=None, unit=ward)
        assert r.applied and r.removed == (1 if _ == 0 else 0) and r.staff_added == 2
    listed = set(
        Voter.objects.filter(polling_area__code="26737-01", status="listed").values_list(
            "national_id", flat=True
        )
    )
    assert listed == {"079085000001", late.national_id, "079001000041"}
    assert Voter.objects.get(national_id="079085000003").status == "removed"
    assert selectors.listed_counts(election=loaded) == selectors.listed_counts_exact(
        election=loaded
    )
