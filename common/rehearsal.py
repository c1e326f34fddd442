"""The permanent "DIỄN TẬP" (rehearsal) mark on every document of a rehearsal election.

One place for every kind of output:

- PDF: `RehearsalCanvas` (a reportlab canvas that stamps each page as it closes) and
  `stamp_page` (for platypus page callbacks). The stamp is a Form XObject defined once per
  document and page size — a large diagonal "DIỄN TẬP" as light red outlines (no fill, so the
  text under it stays readable; reportlab's forms carry no transparency state) and a header
  line along the top edge — so each page costs one `Do` operator.
- XLSX: `start_sheet` writes a banner as the first row of a sheet (call it before any other
  row; works on write-only sheets) and `mark_workbook` sets the document properties.
- JSON: `mark_json` adds `"rehearsal": true` (an optional field the formats allow).
"""

from __future__ import annotations

import math
from typing import Any

from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

MARK = "DIỄN TẬP"
NOTICE = "DIỄN TẬP — Tài liệu diễn tập, không có giá trị pháp lý"
FORM = "baucuRehearsal"
RED = Color(0.75, 0.05, 0.05)
WATERMARK = Color(0.93, 0.6, 0.6)  # outline only: what lies under it stays readable
XLSX_FILL = "FFCC00"


def is_rehearsal(election: Any) -> bool:
    """Whether the documents of this election carry the mark (None: a document of no election)."""
    return bool(getattr(election, "is_rehearsal", False))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _fonts() -> tuple[str, str]:
    from printing.layouts.fonts import register

    return register()


def _define_form(c: Canvas, name: str, width: float, height: float) -> None:
    _regular, bold = _fonts()
    c.beginForm(name, 0, 0, width, height)
    c.saveState()
    # The diagonal mark: as wide as 70 % of the page's diagonal.
    diagonal = math.hypot(width, height)
    size = 0.7 * diagonal / max(stringWidth(MARK, bold, 1), 1)
    c.translate(width / 2, height / 2)
    c.rotate(math.degrees(math.atan2(height, width)))
    c.setStrokeColor(WATERMARK)
    c.setLineWidth(max(0.6, size / 60))
    text = c.beginText()
    text.setTextRenderMode(1)  # stroke the glyphs' outlines, no fill
    text.setFont(bold, size)
    text.setTextOrigin(-stringWidth(MARK, bold, size) / 2, -size * 0.35)
    text.textOut(MARK)
    c.drawText(text)
    c.restoreState()
    # The header line along the top edge (inside the printable border of a card).
    c.saveState()
    c.setFillColor(RED)
    size = min(6.0, 0.022 * height)
    c.setFont(bold, size)
    c.drawCentredString(width / 2, height - 1.6 * size, NOTICE)
    c.restoreState()
    c.endForm()


def stamp_page(c: Canvas, width: float | None = None, height: float | None = None) -> None:
    """Draw the rehearsal mark on the current page (the form is defined on first use)."""
    if width is None or height is None:
        width, height = c._pagesize  # noqa: SLF001 - reportlab keeps the size here
    name = f"{FORM}{int(width)}x{int(height)}"
    if not c.hasForm(name):
        _define_form(c, name, width, height)
    c.doForm(name)


def page_stamp(c: Canvas, width: float, height: float) -> tuple[str, str]:
    """For layouts that write their pages' operators themselves: the mark's form (defined on
    first use) and the operator that draws it, to append to every page's content."""
    name = f"{FORM}{int(width)}x{int(height)}"
    if not c.hasForm(name):
        _define_form(c, name, width, height)
    return name, f" q /{c._doc.getXObjectName(name)} Do Q"  # noqa: SLF001


class RehearsalCanvas(Canvas):
    """A canvas whose every page carries the rehearsal mark (stamped as the page closes)."""

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        stamp_page(self)
        super().showPage()


def canvas_class(rehearsal: bool) -> type[Canvas]:
    """The canvas a layout should draw on: marked for a rehearsal, plain otherwise."""
    return RehearsalCanvas if rehearsal else Canvas


def pdf_subject(subject: str, rehearsal: bool) -> str:
    return f"{MARK} · {subject}" if rehearsal else subject


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def start_sheet(ws: Any, rehearsal: bool) -> None:
    """The banner as the sheet's first row (before anything else is appended)."""
    if not rehearsal:
        return
    from openpyxl.styles import Font, PatternFill

    font = Font(bold=True, color="A40000", size=12)
    fill = PatternFill("solid", fgColor=XLSX_FILL)
    if getattr(ws.parent, "write_only", False):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=NOTICE)
        cell.font, cell.fill = font, fill
        ws.append([cell])
        return
    ws.append([NOTICE])
    ws["A1"].font, ws["A1"].fill = font, fill


def mark_workbook(wb: Any, rehearsal: bool) -> None:
    """Document properties: title/subject/keywords and a custom property `rehearsal`."""
    if not rehearsal:
        return
    from openpyxl.packaging.custom import BoolProperty

    props = wb.properties
    props.title = f"{MARK} · {props.title}" if props.title else MARK
    props.subject = NOTICE
    props.keywords = MARK
    wb.custom_doc_props.append(BoolProperty(name="rehearsal", value=True))


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def mark_json(doc: dict[str, Any], rehearsal: bool) -> dict[str, Any]:
    """Add `"rehearsal": true` to a JSON document of a rehearsal election (in place)."""
    if rehearsal:
        doc["rehearsal"] = True
    return doc


HEADER = "X-Baucu-Rehearsal"


class RehearsalApiMiddleware:
    """Every API answer about a rehearsal election carries the mark: `"rehearsal": true` in a
    JSON object (the documents of `formats.md` allow the field) and the `X-Baucu-Rehearsal: 1`
    header (lists too, which have no object to put it in). The election is the URL's `slug`;
    documents that already carry the mark (turnout, results, manifests) are left as they are."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        return self.get_response(request)

    def process_template_response(self, request: Any, response: Any) -> Any:
        data = getattr(response, "data", None)
        match = getattr(request, "resolver_match", None)
        slug = match.kwargs.get("slug") if match else None
        if data is None or not slug or not request.path.startswith("/api/"):
            return response
        from election.models import Election

        if not Election.objects.filter(slug=slug, is_rehearsal=True).exists():
            return response
        response[HEADER] = "1"
        if isinstance(data, dict) and "rehearsal" not in data:
            data["rehearsal"] = True
        return response
