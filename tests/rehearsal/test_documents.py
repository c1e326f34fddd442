"""Every document a rehearsal produces carries the DIỄN TẬP mark — every PDF page, every XLSX
sheet, every JSON export — and a real election's documents never do. Documents are fetched
through the pages and commands users use, and read back (pdftotext/pypdf, openpyxl, json)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from common.rehearsal import MARK, NOTICE
from printing.models import PrintedFile

PDF_KINDS = [
    "cards",
    "cards_4_per_sheet",
    "reprinted_card",
    "posted_list",
    "posted_list_long",
    "board_minutes",
    "committee_minutes",
    "all_minutes_with_boards",
    "results_command_pdf",
]
XLSX_KINDS = [
    "results_constituency",
    "results_contest",
    "results_command_xlsx",
    "voter_rollup",
    "voter_changes",
    "area_list",
    "import_template",
    "import_errors",
    "import_errors_command",
    "reconciliation",
]
SHEETS = {"reconciliation": 2, "voter_changes": 3, "results_constituency": 3, "results_contest": 3}
SHEETS["results_command_xlsx"] = 3
JSON_KINDS = [
    "results_json",
    "results_command_json",
    "turnout_unit",
    "turnout_public",
    "print_manifest",
    "definition_export",
]


def _get(client: Any, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return b"".join(response.streaming_content) if response.streaming else response.content


def _pdf(client: Any, election: Any, kind: str, tmp: Path) -> bytes:
    from printing.layouts.voter_list import render_voter_list
    from printing.services import documents

    e = election.slug
    area = election.polling_areas.get(code="26734-01")
    if kind == "cards":
        f = PrintedFile.objects.get(polling_area=area, kind="cards")
        return (Path(settings.MEDIA_ROOT) / f.path).read_bytes()
    if kind == "cards_4_per_sheet":
        return documents.write_area(area, documents.CARDS, tmp / e, per_sheet=4).path.read_bytes()
    if kind == "reprinted_card":
        response = client.post(
            reverse("printing-reprint", args=[e]), {"area": area.code, "stt": 1, "reason": "lost"}
        )
        assert response.status_code == 200
        return response.content
    if kind == "posted_list":
        return documents.write_area(area, documents.LISTS, tmp / e).path.read_bytes()
    if kind == "posted_list_long":  # many pages: the mark must be on each
        doc = documents.list_document(area)
        doc.rows = doc.rows * 40
        out = io.BytesIO()
        render_voter_list(doc, out)
        return out.getvalue()
    if kind == "board_minutes":
        return _get(client, reverse("results:constituency-doc", args=[e, "QH", 1, "pdf"]))
    if kind == "committee_minutes":
        return _get(client, reverse("results:contest-doc", args=[e, "QH", "pdf"]))
    if kind == "all_minutes_with_boards":
        return _get(
            client, reverse("results:contest-doc", args=[e, "HDND-79", "pdf"]) + "?boards=1"
        )
    if kind == "results_command_pdf":
        out = tmp / f"{e}.pdf"
        call_command("election_results", election=e, format="pdf", out=str(out))
        return out.read_bytes()
    raise AssertionError(kind)


def _xlsx(client: Any, election: Any, kind: str, tmp: Path) -> bytes:
    from voters.models import VoterImport

    e = election.slug
    if kind == "results_constituency":
        return _get(client, reverse("results:constituency-doc", args=[e, "QH", 1, "xlsx"]))
    if kind == "results_contest":
        return _get(client, reverse("results:contest-doc", args=[e, "QH", "xlsx"]))
    if kind == "results_command_xlsx":
        out = tmp / f"{e}.xlsx"
        call_command("election_results", election=e, format="xlsx", out=str(out))
        return out.read_bytes()
    if kind == "voter_rollup":
        return _get(client, reverse("voters:unit", args=[e, "79"]) + "?format=xlsx")
    if kind == "voter_changes":
        url = reverse("voters:changes", args=[e, "26734"])
        return _get(client, url + "?format=xlsx&start=01/01/2000&end=31/12/2099")
    if kind == "area_list":
        return _get(client, reverse("voters:area", args=[e, "26734-01"]) + "?format=xlsx")
    if kind == "import_template":
        return _get(client, reverse("voters:template", args=[e]))
    if kind == "reconciliation":
        return _get(client, reverse("reconciliation:xlsx", args=[e, "79"]))
    if kind == "import_errors":
        imp = VoterImport.objects.filter(election=election).first()
        imp.errors = [{"row": 2, "column": "Ngày sinh", "reason": "không hợp lệ"}]
        imp.result = {"bad_rows": {"2": ["079000000001", "Lê Văn A", "32/13/1990"]}}
        imp.save()
        return _get(client, reverse("voters:import-errors", args=[e, imp.pk]))
    if kind == "import_errors_command":
        bad = tmp / f"{e}-bad.csv"
        bad.write_text(
            "Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Nơi thường trú,"
            "Mã khu vực bỏ phiếu\n123,Lê Văn A,32/13/1990,Nam,Hà Nội,26734-01\n",
            encoding="utf-8",
        )
        out = tmp / f"{e}-errors.xlsx"
        with pytest.raises(SystemExit):
            call_command("import_voters", str(bad), election=e, errors=str(out), dry_run=True)
        return out.read_bytes()
    raise AssertionError(kind)


def _json(client: Any, election: Any, kind: str, capsys: Any) -> dict[str, Any]:
    from common.models import Job

    e = election.slug
    if kind == "results_json":
        return json.loads(_get(client, reverse("results:json", args=[e])))
    if kind == "results_command_json":
        capsys.readouterr()
        call_command("election_results", election=e, format="json")
        return json.loads(capsys.readouterr().out)
    if kind == "turnout_unit":
        return json.loads(_get(client, reverse("api-turnout-unit", args=["79"]) + f"?election={e}"))
    if kind == "turnout_public":
        return json.loads(_get(client, reverse("api-turnout-public", args=[e])))
    if kind == "print_manifest":
        job = Job.objects.get(election=election, kind="print_cards")
        url = reverse("printing-download", args=[e, job.pk, "manifest.json"])
        return json.loads(_get(client, url))
    if kind == "definition_export":
        capsys.readouterr()
        call_command("export_election", election=e)
        return json.loads(capsys.readouterr().out)
    raise AssertionError(kind)


def _page_texts(data: bytes, tmp: Path) -> list[str]:
    """The text of each page, by poppler (pdftotext) — and pypdf must agree on the mark."""
    path = tmp / "doc.pdf"
    path.write_bytes(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    texts = []
    for n in range(1, len(reader.pages) + 1):
        out = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        texts.append(out)
    return texts, [p.extract_text() for p in reader.pages]


@pytest.fixture
def superclient(client, boss):
    client.force_login(boss)
    return client


@pytest.mark.parametrize("kind", PDF_KINDS)
def test_every_pdf_page_of_a_rehearsal_carries_the_mark(filled, superclient, tmp_path, kind):
    real, dry = filled
    data = _pdf(superclient, dry, kind, tmp_path)
    poppler, pypdf_texts = _page_texts(data, tmp_path)
    assert poppler
    for number, (text, other) in enumerate(zip(poppler, pypdf_texts, strict=True), start=1):
        assert NOTICE in text, (kind, number, text[:200])
        assert NOTICE in other, (kind, number)
    # the stamp is one form, drawn by reference on every page
    reader = pypdf.PdfReader(io.BytesIO(data))
    forms = {
        ref.idnum
        for page in reader.pages
        for name, ref in page["/Resources"]["/XObject"].items()
        if "baucuRehearsal" in name
    }
    assert len(forms) == 1, forms
    if kind == "posted_list_long":
        assert len(poppler) > 3
    # the same document of the real election has no mark
    for text in _page_texts(_pdf(superclient, real, kind, tmp_path), tmp_path)[0]:
        assert MARK not in text and "diễn tập" not in text.lower()


@pytest.mark.parametrize("kind", XLSX_KINDS)
def test_every_xlsx_sheet_of_a_rehearsal_starts_with_the_banner(
    filled, superclient, tmp_path, kind
):
    real, dry = filled
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx(superclient, dry, kind, tmp_path)))
    assert len(wb.worksheets) == SHEETS.get(kind, 1), kind
    for ws in wb.worksheets:
        assert ws["A1"].value == NOTICE, (kind, ws.title, ws["A1"].value)
        assert ws.max_row >= 2, (kind, ws.title)
    assert wb.properties.keywords == MARK
    assert wb.properties.title.startswith(MARK)
    assert {p.name: p.value for p in wb.custom_doc_props.props}["rehearsal"] is True
    real_wb = openpyxl.load_workbook(io.BytesIO(_xlsx(superclient, real, kind, tmp_path)))
    for ws in real_wb.worksheets:
        values = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
        assert not any(MARK in v for v in values), (kind, ws.title)
    assert "rehearsal" not in {p.name for p in real_wb.custom_doc_props.props}
    assert real_wb.properties.keywords != MARK


def test_a_rehearsal_import_template_still_imports(rehearsal_election, superclient, tmp_path):
    """The banner row sits above the headers; the import finds the header row below it."""
    from voters.services.import_list import import_voters

    path = tmp_path / "template.xlsx"
    path.write_bytes(_xlsx(superclient, rehearsal_election, "import_template", tmp_path))
    result = import_voters(election=rehearsal_election, path=path, actor=None, dry_run=True)
    assert not result.errors and result.rows == 1


@pytest.mark.parametrize("kind", JSON_KINDS)
def test_json_exports_of_a_rehearsal_say_so(filled, superclient, capsys, kind):
    real, dry = filled
    doc = _json(superclient, dry, kind, capsys)
    flag = doc["election"]["rehearsal"] if kind == "definition_export" else doc["rehearsal"]
    assert flag is True
    real_doc = _json(superclient, real, kind, capsys)
    holder = real_doc["election"] if kind == "definition_export" else real_doc
    assert "rehearsal" not in holder
    # the formats' own fields are unchanged
    for key in ("format", "election"):
        if key in real_doc:
            assert type(doc.get(key)) is type(real_doc[key])


def test_turnout_publication_data_is_marked(filled):
    from realtime.models import TurnoutPublication

    real, dry = filled
    assert TurnoutPublication.objects.get(election=dry).data["rehearsal"] is True
    assert "rehearsal" not in TurnoutPublication.objects.get(election=real).data


def test_the_mark_covers_every_character_it_prints():
    from printing.layouts.fonts import missing_glyphs

    assert not missing_glyphs([MARK, NOTICE])


def test_the_pdf_mark_is_a_light_outline_under_no_fill():
    """Outline text (render mode 1) in a light colour: the text under it stays readable."""
    from reportlab.pdfgen.canvas import Canvas

    from common.rehearsal import RehearsalCanvas

    out = io.BytesIO()
    c = RehearsalCanvas(out, pagesize=(400, 300), pageCompression=0)
    c.showPage()
    c.save()
    raw = out.getvalue().decode("latin-1")
    assert re.search(r"\b1 Tr\b", raw)
    assert Canvas is not RehearsalCanvas


API_ANSWERS = [
    "elections/{e}/",
    "elections/{e}/polling-areas/",
    "elections/{e}/voters/counts/",
    "elections/{e}/voters/search/?q=nguyen",
    "elections/{e}/polling-areas/26734-01/voters/",
    "elections/{e}/results/",
    "elections/{e}/results/progress/79/",
    "elections/{e}/minutes/",
    "reconciliation/{e}/79/",
]


@pytest.mark.parametrize("url", API_ANSWERS)
def test_every_api_answer_about_a_rehearsal_carries_the_mark(filled, superclient, url):
    """Voter counts, results progress, the board… over the API: the header always, and the
    field in every JSON object; a real election's answers carry neither."""
    real, dry = filled
    response = superclient.get("/api/" + url.format(e=dry.slug))
    assert response.status_code == 200, response.content[:300]
    assert response["X-Baucu-Rehearsal"] == "1"
    body = response.json()
    if isinstance(body, dict):
        assert body["rehearsal"] is True
    real_answer = superclient.get("/api/" + url.format(e=real.slug))
    assert real_answer.status_code == 200
    assert "X-Baucu-Rehearsal" not in real_answer
    real_body = real_answer.json()
    assert not (isinstance(real_body, dict) and "rehearsal" in real_body)
