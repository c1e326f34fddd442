"""Import: every class of error with row numbers, idempotent re-import, newer extracts as
differences in the ledger, the command's JSON and exit codes, the error XLSX."""

from __future__ import annotations

import datetime as dt
import io
import json
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection

from tests.voters.conftest import row
from voters import rules, selectors
from voters.models import Voter, VoterEvent
from voters.services.import_list import ImportRefused, import_voters

pytestmark = pytest.mark.django_db


def family() -> list[dict[str, str]]:
    return [
        row(national_id="079085000002", full_name="Trần Thị Bình", sex="Nữ", relation="Vợ"),
        row(national_id="079085000001", full_name="Nguyễn Văn An", relation="Chủ hộ"),
        row(national_id="079099000003", full_name="Nguyễn Văn Cường", relation="Con",
            birth="01/01/2000"),
        row(national_id="079070000004", full_name="Lê Thị Dung", household_code="H2",
            sex="Nữ", relation="Chủ hộ"),
    ]  # fmt: skip


def test_household_order_and_idempotent_reimport(election, write) -> None:
    path = write(family(), title=True)
    r = import_voters(election=election, path=path, actor=None)
    assert r.applied and (r.created, r.rejected) == (4, 0)
    names = list(Voter.objects.order_by("stt").values_list("stt", "full_name"))
    # household H1 with its head first, then H2
    assert names == [(1, "Nguyễn Văn An"), (2, "Trần Thị Bình"), (3, "Nguyễn Văn Cường"),
                     (4, "Lê Thị Dung")]  # fmt: skip
    events = VoterEvent.objects.count()
    r2 = import_voters(election=election, path=path, actor=None)
    assert (r2.created, r2.updated, r2.unchanged, r2.moved, r2.removed) == (0, 0, 4, 0, 0)
    assert VoterEvent.objects.count() == events
    assert list(Voter.objects.order_by("stt").values_list("stt", "full_name")) == names


def test_newer_extract_applies_only_differences(election, write) -> None:
    import_voters(election=election, path=write(family()), actor=None)
    newer = family()
    newer[0]["occupation"] = "Bác sĩ"  # corrected
    newer[3]["area_code"] = "26734-02"  # moved to another area of the ward
    del newer[2]  # gone from the source
    newer.append(row(national_id="079001000005", full_name="Phạm Văn Em", household_code="H3"))
    r = import_voters(election=election, path=write(newer), actor=None)
    assert (r.created, r.updated, r.unchanged, r.moved, r.removed) == (1, 1, 1, 1, 1)
    kinds = sorted(
        VoterEvent.objects.exclude(kind="added", batch__in=[]).values_list("kind", flat=True)
    )
    assert kinds.count("updated") == 1 and kinds.count("moved_out") == 1
    assert kinds.count("moved_in") == 1 and kinds.count("removed") == 1
    gone = Voter.objects.get(national_id="079099000003")
    assert gone.status == "removed" and gone.stt == 3  # keeps its number
    new = Voter.objects.get(national_id="079001000005")
    assert new.stt == 5  # after the last number, never renumbered
    a1, a2 = (election.polling_areas.get(code=c).id for c in ("26734-01", "26734-02"))
    assert selectors.listed_counts(election=election) == {a1: 3, a2: 1}


def test_every_error_class_with_row_numbers(election, write) -> None:
    import_voters(
        election=election, path=write([row(national_id="079085000099", area_code="26737-01")]),
        actor=None, unit=None,
    )  # fmt: skip
    rows = [
        row(),  # 2: fine
        row(national_id="12345", full_name="Lê Văn Bé"),  # 3: bad ID
        row(national_id="079085000010", birth="15/06/2014"),  # 4: under age
        row(national_id="079085000011", birth="32/13/1990"),  # 5: bad date
        row(national_id="079085000012", sex="Khác"),  # 6: bad sex
        row(national_id="079085000013", area_code="99999-01"),  # 7: unknown area
        row(national_id="079085000014", permanent_address=""),  # 8: no residence
        row(national_id="079085000015", temporary_address="x", permanent_address=""),  # 9
        row(national_id="079085000001", full_name="Nguyễn Văn Bảy"),  # 10: same ID as row 2
        row(national_id="079085000099", full_name="Võ Văn Tám"),  # 11: listed in 26737-01
        row(national_id="079085000016", relation="Con " * 20),  # 12: longer than the column
    ]
    r = import_voters(
        election=election, path=write(rows), actor=None,
        unit=election.root.tree.units.get(code="26734"),
    )  # fmt: skip
    assert not r.applied and Voter.objects.count() == 1  # all or nothing
    got = {(e["row"], e["column"]) for e in r.errors}
    assert {(3, "Số định danh cá nhân"), (4, "Ngày sinh"), (5, "Ngày sinh"), (6, "Giới tính"),
            (7, "Mã khu vực bỏ phiếu"), (8, "Nơi thường trú"), (9, "Ngày bắt đầu tạm trú"),
            (2, "Số định danh cá nhân"), (10, "Số định danh cá nhân"),
            (11, "Số định danh cá nhân"), (12, "Quan hệ với chủ hộ")} <= got  # fmt: skip
    reasons = {e["row"]: e["reason"] for e in r.errors}
    assert "Chưa đủ 18 tuổi" in reasons[4]
    assert "trùng với dòng 2" in reasons[10]
    assert "26737-01" in reasons[11]
    # rows rejected after staging come back in the error report from their staged values
    from voters.services.error_report import error_report_bytes

    codes = {a.id: a.code for a in election.polling_areas.all()}
    ws = openpyxl.load_workbook(io.BytesIO(error_report_bytes(r, codes))).active
    lines = {ws.cell(i, 13).value: [c.value for c in ws[i]] for i in range(2, ws.max_row + 1)}
    assert lines[10][:2] == ["079085000001", "Nguyễn Văn Bảy"]
    assert lines[10][2].date() == dt.date(1985, 3, 12) and lines[10][3] == "Nam"
    assert lines[10][9] == "26734-01" and lines[10][11] == "Chủ hộ"
    # keep the valid rows: nothing valid is left but row 2 was a duplicate → nothing written
    r2 = import_voters(
        election=election, path=write(rows[:2]), actor=None, mode="valid",
        unit=election.root.tree.units.get(code="26734"),
    )  # fmt: skip
    assert r2.applied and r2.created == 1 and r2.rejected == 1


def test_possible_duplicates_are_listed_not_blocked(election, write) -> None:
    rows = [row(), row(national_id="079085000002", full_name="Nguyen Van An", household_code="H2")]
    r = import_voters(election=election, path=write(rows), actor=None)
    assert r.applied and r.created == 2 and r.duplicate_count == 1
    assert {r.duplicates[0]["national_id"], r.duplicates[0]["other_national_id"]} == {
        "079085000001", "079085000002"
    }  # fmt: skip


def test_command_json_exit_codes_and_error_xlsx(election, write, tmp_path) -> None:
    bad = write([row(), row(national_id="079085000002", full_name="=Lê Văn Tí", birth="2020")])
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "import_voters", str(bad), "--election", election.slug, "--json",
            "--errors", str(tmp_path / "err.xlsx"), stdout=out,
        )  # fmt: skip
    assert exc.value.code == 1
    data = json.loads(out.getvalue())
    assert data["rows"] == 2 and data["created"] == 0 and data["rejected"] == 1
    assert data["errors"][0]["row"] == 3 and data["errors"][0]["column"] == "Ngày sinh"
    wb = openpyxl.load_workbook(tmp_path / "err.xlsx")
    ws = wb.active
    assert ws.cell(2, 2).value == "'=Lê Văn Tí" and ws.cell(2, 2).data_type == "s"
    assert ws.cell(2, 3).fill.fgColor.rgb.endswith("FFC7CE")  # the bad cell is highlighted
    assert ws.cell(2, 13).value == 3  # the spreadsheet row number
    good = write([row()])
    out = StringIO()
    call_command("import_voters", str(good), "--election", election.slug, "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    with pytest.raises(SystemExit) as exc:
        call_command("import_voters", "/nonexistent.csv", "--election", election.slug)
    assert exc.value.code == 2


def test_closed_lists_refuse_import(election, write) -> None:
    election.date = election.date.replace(year=2021)
    election.save()
    with pytest.raises(ImportRefused, match="24 giờ"):
        import_voters(election=election, path=write([row(birth="1980")]), actor=None)


def test_xlsx_input(election, tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Danh sách cử tri khu vực 1"])
    from voters.rules import TEMPLATE_HEADERS

    ws.append(TEMPLATE_HEADERS)
    r = row()
    ws.append([r[k] for k in ("national_id", "full_name")] + [None] + [r[k] for k in (
        "sex", "ethnicity", "occupation", "permanent_address", "temporary_address",
        "temporary_since", "area_code", "household_code", "relation")])  # fmt: skip
    import datetime as dt

    ws.cell(3, 3).value = dt.datetime(1985, 3, 12)
    wb.save(tmp_path / "v.xlsx")
    res = import_voters(election=election, path=tmp_path / "v.xlsx", actor=None)
    assert res.applied and res.created == 1 and res.header_row == 2
    assert Voter.objects.get().birth_date == dt.date(1985, 3, 12)


def _mixed_file() -> list[dict[str, str]]:
    """Two areas, households interleaved in the file, heads not first, a year-only birth on the
    age boundary (flagged), a likely duplicate pair, the same ID twice, a bad row, and a name
    with a backslash (escaped for COPY)."""
    return [
        row(national_id="079085000011", full_name="Trần Thị Bình", sex="Nữ", relation="Vợ"),
        row(national_id="079085000012", full_name="Lê Văn\\Tư", household_code="H9",
            area_code="26734-02", relation="Con"),
        row(national_id="079085000013", full_name="Nguyễn Văn An", relation="Chủ hộ"),
        row(national_id="079085000014", full_name="Nguyen Van An", household_code="H2"),
        row(national_id="079085000015", full_name="Phạm Thị Cúc", sex="Nữ", birth="2013",
            household_code="H2", relation="Con"),
        row(national_id="079085000016", full_name="Đỗ Minh Đức", birth="2013",
            household_code=""),
        row(national_id="079085000017", full_name="Võ Thị Em", sex="Nữ", household_code="H9",
            area_code="26734-02", relation="Chủ hộ"),
        row(national_id="079085000018", full_name="Hồ Văn Giàu", household_code=""),
        row(national_id="079085000018", full_name="Hồ Văn Giàu", household_code=""),
        row(national_id="12345", full_name="Sai Số"),
    ]  # fmt: skip


def _outcome(election, result) -> dict:
    areas = ["26734-01", "26734-02"]
    entries = list(
        Voter.objects.filter(polling_area__code__in=areas)
        .order_by("polling_area__code", "stt")
        .values_list("polling_area__code", "stt", "status", "note", *rules.STAGE_FIELDS[:-1])
    )
    events = sorted(
        VoterEvent.objects.filter(polling_area__code__in=areas).values_list(
            "voter__national_id", "kind", "reason", "delta", "related_id", "batch"
        )
    )
    summary = result.preview()
    return {"entries": entries, "events": events, "summary": summary}


def test_first_import_fast_path_equals_the_general_path(election, write) -> None:
    from django.db import transaction

    path = write(_mixed_file())
    with transaction.atomic():  # A: nothing listed yet → the first-import path
        first = import_voters(election=election, path=path, actor=None, mode="valid")
        assert first.first_import and first.applied
        a = _outcome(election, first)
        transaction.set_rollback(True)
    assert not Voter.objects.exists()
    # B: an entry elsewhere in the election (an area the file does not cover) → general path
    import_voters(
        election=election, actor=None,
        path=write([row(national_id="079085000099", full_name="Mai Văn Ở", area_code="26737-01")]),
    )  # fmt: skip
    general = import_voters(election=election, path=path, actor=None, mode="valid")
    assert not general.first_import and general.applied
    b = _outcome(election, general)
    batch_a, batch_b = first.batch, general.batch
    a["events"] = [(*e[:5], e[5] == batch_a) for e in a["events"]]
    b["events"] = [(*e[:5], e[5] == batch_b) for e in b["events"]]
    assert a["entries"] == b["entries"]
    assert a["events"] == b["events"]
    assert a["summary"] == b["summary"]
    # what both must show: heads first per household in order of first appearance, the
    # backslash kept, the flag, the duplicate pair, both rows of the repeated ID rejected
    by_area = {}
    for code, stt, _status, _note, nid, name, *_ in a["entries"]:
        by_area.setdefault(code, []).append((stt, nid, name))
    assert [n for _s, n, _ in by_area["26734-02"]] == ["079085000017", "079085000012"]
    assert [n for _s, n, _ in by_area["26734-01"]] == [
        "079085000013", "079085000011", "079085000014", "079085000015", "079085000016",
    ]  # fmt: skip
    assert "Lê Văn\\Tư" in [name for _s, _n, name in by_area["26734-02"]]
    assert first.flagged == 2 and first.duplicate_count == 1
    assert sorted({e["row"] for e in first.errors}) == [9, 10, 11]
    assert [e[1] for e in a["events"]] == ["added"] * 7


def test_a_file_that_breaks_mid_stream_writes_nothing(election, write, monkeypatch) -> None:
    """Rows already sent to staging (PostgreSQL: the COPY thread) are dropped with the rest when
    reading fails later in the file; the error is clear and the connection stays usable."""
    from voters.services import import_list

    monkeypatch.setattr(import_list, "CHUNK", 2)  # several chunks go out before the failure
    rows = [row(national_id=f"079085{i:06d}", household_code=f"H{i}") for i in range(300)]
    path = write(rows)
    path.write_bytes(path.read_bytes() + b"079085999999,Nguy\xffn\n")  # not UTF-8, at 40 kB
    with pytest.raises(ImportRefused, match="Không đọc được tệp sau dòng"):
        import_voters(election=election, path=path, actor=None, mode="valid")
    assert not Voter.objects.exists() and not VoterEvent.objects.exists()
    headless = path.with_name("headless.csv")
    headless.write_text("079085000001,Nguyễn Văn An,12/03/1985,Nam\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="tiêu đề"):
        import_voters(election=election, path=headless, actor=None)
    r = import_voters(election=election, path=write(rows), actor=None)
    assert r.applied and r.created == 300


def test_import_corrections_record_the_changed_fields(election, write) -> None:
    """An import's correction event holds {"field": [before, after]} of the changed fields,
    in the same form as the single-voter edit (dates ISO, booleans as booleans)."""
    from voters.services.changes import voter_update

    import_voters(election=election, path=write(family()), actor=None)
    newer = family()
    newer[0]["occupation"] = "Bác sĩ"
    newer[2]["birth"] = "1999"  # day and month no longer known
    newer[2]["relation"] = "Chủ hộ"  # the son becomes head of household
    r = import_voters(election=election, path=write(newer), actor=None)
    assert r.updated == 2
    by_id = {
        e.voter.national_id: e.changes
        for e in VoterEvent.objects.filter(kind="updated").select_related("voter")
    }
    assert by_id["079085000002"] == {"occupation": ["Kỹ sư", "Bác sĩ"]}
    assert by_id["079099000003"] == {
        "birth_date": ["2000-01-01", None],
        "birth_year": [2000, 1999],
        "is_head": [False, True],
        "relation": ["Con", "Chủ hộ"],
    }
    # the single-voter edit writes the same shape
    v = Voter.objects.get(national_id="079070000004")
    voter_update(actor=None, voter=v, data={**row(
        national_id="079070000004", full_name="Lê Thị Dung", household_code="H2", sex="Nữ",
        relation="Chủ hộ"), "birth": "02/02/1970"})  # fmt: skip
    edit = VoterEvent.objects.get(kind="updated", voter=v).changes
    assert edit == {"birth_date": ["1985-03-12", "1970-02-02"], "birth_year": [1985, 1970]}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL statistics after a first import"
)
def test_an_import_that_grows_the_table_analyses_the_planned_columns(election, write) -> None:
    """An import that grew the voter table analyses the columns the queries filter on (not the
    wide text ones): later plans see a table of the right size and these columns' statistics."""
    from django.test.utils import CaptureQueriesContext

    from voters.services.import_list import PLANNED_COLUMNS, _analyze_if_grown

    assert import_voters(election=election, path=write(family()), actor=None).applied
    with CaptureQueriesContext(connection) as ctx, connection.cursor() as cur:
        _analyze_if_grown(cur, 10**9)  # grown far past a fifth of what the table held
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'voters_voter'::regclass")
        assert cur.fetchone()[0] >= 4
        cur.execute("SELECT attname FROM pg_stats WHERE tablename = 'voters_voter'")
        analysed = {name for (name,) in cur.fetchall()}
    analyses = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analyses == [f"ANALYZE voters_voter ({', '.join(PLANNED_COLUMNS)})"]
    assert set(PLANNED_COLUMNS) <= analysed
