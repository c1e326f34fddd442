"""The generated PDF and XLSX read back and compared with the JSON."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from common.vn import format_int
from printing.layouts.fonts import missing_glyphs
from results import documents, selectors
from results.services.import_minutes import import_count_minutes

pytestmark = pytest.mark.django_db

MEN = ("Nguyễn Văn An", "Lê Văn Bình", "Phạm Minh An")


@pytest.fixture
def loaded(mini_election, qh_doc):
    import_count_minutes(election=mini_election, data=qh_doc)
    results = selectors.compute_results(election=mini_election)
    return mini_election, results


def pdf_text(data: bytes, tmp_path) -> str:
    f = tmp_path / "x.pdf"
    f.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, check=True)
    return out.stdout.decode()


def vn_pct(s: str | None) -> str:
    return "—" if s is None else s.replace(".", ",") + "%"


def test_board_minutes_pdf_matches_the_json(loaded, tmp_path):
    election, results = loaded
    qh = next(r for r in results if r.contest.code == "QH")
    j = qh.as_json()
    data = documents.board_minutes_pdf(qh, election)
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    assert "BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XV" in flat
    assert "Mẫu số 21/HĐBC-QH" in flat
    assert "KẾT QUẢ TẠM THỜI" in flat
    assert f"Tổng số cử tri của đơn vị bầu cử: {format_int(j['voters_listed'])} người" in flat
    assert (
        f"Số cử tri đã tham gia bỏ phiếu: {format_int(j['voters_voted'])} người, đạt "
        f"{vn_pct(j['turnout_pct'])}" in flat
    )
    assert (
        f"Số phiếu hợp lệ: {format_int(j['ballots_valid'])} phiếu, bằng {vn_pct(j['valid_pct'])}"
        in flat
    )
    assert f"{format_int(j['ballots_invalid'])} phiếu, bằng {vn_pct(j['invalid_pct'])}" in flat
    for c in j["candidates"]:
        assert re.search(
            rf"{re.escape(c['full_name'])}\s+{re.escape(format_int(c['votes']))}\s+"
            rf"{re.escape(vn_pct(c['pct']))}",
            flat,
        ), c
    winners = flat.split("Danh sách những người trúng cử")[1].split("Kết luận")[0]
    assert [n for n in j["elected"] if n in winners] == j["elected"]
    assert "Đặng Thị Ân" not in winners
    assert "Đơn vị bầu cử số 1 gồm: Quận 1, Huyện Củ Chi" in flat
    assert "số người trúng cử: 3; số đại biểu còn thiếu: 0" in flat
    assert documents.figures_hash(qh)[:16] in flat


def test_committee_and_election_pdf(loaded, tmp_path):
    election, results = loaded
    summaries = selectors.contest_summaries(results)
    text = " ".join(pdf_text(documents.election_pdf(summaries, election), tmp_path).split())
    assert (
        "BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XV Ở THÀNH PHỐ HỒ CHÍ MINH" in text
    )
    assert "Mẫu số 22/HĐBC-QH" in text and "Mẫu số 27/HĐBC-HĐND" in text
    assert "BIÊN BẢN TỔNG KẾT CUỘC BẦU CỬ ĐẠI BIỂU HĐND THÀNH PHỐ" in text
    assert "Tổng số cử tri: 6.350 người" in text
    assert "Số 1 6.350 6.300 99,21% 6.250 99,21% 50 0,79%" in text
    assert "Chưa có số" in text  # the council contests have no minutes yet


def test_every_printed_character_has_a_glyph(loaded):
    election, results = loaded
    texts = documents.printed_texts(selectors.contest_summaries(results), election)
    texts += ["BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ Ở ĐƠN VỊ BẦU CỬ", "Độc lập - Tự do - Hạnh phúc"]
    texts += [open(documents.__file__, encoding="utf-8").read()]  # every literal of the forms
    assert missing_glyphs(texts) == set()


def test_xlsx_matches_the_json(loaded):
    election, results = loaded
    data = documents.results_xlsx(selectors.contest_summaries(results), election)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["Đơn vị bầu cử", "Người ứng cử", "Căn cứ"]
    rows = list(wb["Đơn vị bầu cử"].iter_rows(values_only=True))
    head = rows[1]
    qh = dict(zip(head, next(r for r in rows[2:] if r[1] == "QH"), strict=True))
    j = next(r for r in results if r.contest.code == "QH").as_json()
    assert (
        qh["Tổng số cử tri"] == j["voters_listed"] and qh["Cử tri đã bỏ phiếu"] == j["voters_voted"]
    )
    assert f"{qh['Tỷ lệ (%)']:.2f}" == j["turnout_pct"]
    assert f"{qh['Tỷ lệ không hợp lệ (%)']:.2f}" == j["invalid_pct"]
    assert qh["Số trúng cử"] == 3 and qh["Trạng thái"] == "tạm thời"
    cands = [r for r in wb["Người ứng cử"].iter_rows(values_only=True)][2:]
    mine = [(r[3], r[4], f"{r[5]:.2f}", r[6]) for r in cands if r[0] == "QH"]
    assert mine == [
        (
            f"{'Ông' if n in MEN else 'Bà'} {c['full_name']}",
            c["votes"],
            c["pct"],
            "x" if c["elected"] else None,
        )
        for c in j["candidates"]
        for n in [c["full_name"]]
    ]


def test_xlsx_escapes_formula_like_text(mini_election, qh_doc):
    from election.models import Constituency

    Constituency.objects.filter(contest__code="QH").update(name="=HYPERLINK(1)")
    import_count_minutes(election=mini_election, data=qh_doc)
    results = selectors.compute_results(election=mini_election)
    data = documents.results_xlsx(selectors.contest_summaries(results), mini_election)
    wb = load_workbook(io.BytesIO(data))
    names = [r[3].value for r in wb["Đơn vị bầu cử"].iter_rows(min_row=3)]
    assert "'=HYPERLINK(1)" in names
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value.startswith("="))


def test_council_board_minutes_pdf_read_back_with_pypdf_matches_the_json(mini_election, make_user):
    """Mẫu 26/HĐBC-HĐND of a council constituency whose tie the Committee decided."""
    from django.utils import translation

    from results.services.publication import tie_decide
    from tests.results.test_services import tied_council

    contest = tied_council(mini_election)
    (r,) = selectors.compute_results(election=mini_election, contest=contest)
    chosen = next(c.id for c in r.candidates if c.full_name == "Tạ Thị Quyên")
    tie_decide(
        actor=make_user("committee_member", "27496"),
        constituency=r.constituency,
        candidate_ids=[chosen],
        reason="bốc thăm",
    )
    (r,) = selectors.compute_results(election=mini_election, contest=contest)
    j = r.as_json()
    with translation.override("vi"):
        data = documents.board_minutes_pdf(r, mini_election)
    pages = PdfReader(io.BytesIO(data)).pages
    flat = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Mẫu số 26/HĐBC-HĐND" in flat
    assert "BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ ĐẠI BIỂU HĐND THỊ TRẤN CỦ CHI" in flat
    assert "KẾT QUẢ TẠM THỜI" in flat
    assert f"Số đại biểu được bầu đã ấn định cho đơn vị bầu cử: {j['seats']} người" in flat
    assert f"Tổng số cử tri của đơn vị bầu cử: {format_int(j['voters_listed'])} người" in flat
    assert (
        f"Số cử tri đã tham gia bỏ phiếu: {format_int(j['voters_voted'])} người, đạt "
        f"{vn_pct(j['turnout_pct'])}" in flat
    )
    assert f"Số phiếu phát ra: {format_int(j['ballots_issued'])} phiếu" in flat
    assert f"Số phiếu thu vào: {format_int(j['ballots_received'])} phiếu" in flat
    assert (
        f"Số phiếu hợp lệ: {format_int(j['ballots_valid'])} phiếu, bằng {vn_pct(j['valid_pct'])}"
        in flat
    )
    assert (
        f"Số phiếu không hợp lệ: {format_int(j['ballots_invalid'])} phiếu, bằng "
        f"{vn_pct(j['invalid_pct'])}" in flat
    )
    votes = flat.split("Số phiếu bầu cho mỗi người ứng cử")[1].split("Danh sách")[0]
    for c in j["candidates"]:
        assert re.search(
            rf"{re.escape(c['full_name'])} {re.escape(format_int(c['votes']))} "
            rf"{re.escape(vn_pct(c['pct']))}",
            votes,
        ), c
    winners = flat.split("Danh sách những người trúng cử")[1].split("Kết luận")[0]
    assert re.findall(r"(?:Ông|Bà) ([^\d]+?) \d", winners) == j["elected"]
    assert j["elected"] == ["Lương Thị Oanh", "Tạ Thị Quyên"]
    assert (
        f"số người trúng cử: {len(j['elected'])}; số đại biểu còn thiếu: {j['seats_unfilled']}"
        in flat
    )
    for note in j["notes"]:
        assert " ".join(note.split()) in flat, note
    assert "bốc thăm" in flat
    assert documents.figures_hash(r)[:16] in flat
