"""The posted voter list of a polling area, Mẫu 33/HĐBC (2021) / Mẫu 31/HĐBC (2026).

A4 landscape. The page header (committee, national motto, title, the polling area line) and
the column header are one Form XObject drawn on every page. Rows are laid out in a first pass
(wrapping each cell, so the number of pages is known: "Trang x/y") and drawn in a second;
the footer with the totals (male/female and per contest) and the signature block ends the
last page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from common.rehearsal import canvas_class
from common.vn import format_int
from printing.layouts.data import ListDocument, ListRow
from printing.layouts.fonts import register
from printing.layouts.text import wrap

PAGE_W, PAGE_H = landscape(A4)
MARGIN_X = 10 * mm
TABLE_TOP = PAGE_H - 41 * mm
ROWS_BOTTOM = 14 * mm
SIZE = 7.5
LEADING = 9.0
PAD = 2.2
FOOTER_H = 40 * mm
FORM = "listhead"


@dataclass(frozen=True)
class _Col:
    key: str
    label: str  # top label (or the group label for grouped columns)
    sub: str | None  # label under a group, None for an ungrouped column
    width: float
    align: str  # "l" left, "c" centre


def _columns(doc: ListDocument) -> list[_Col]:
    fixed = [
        _Col("stt", "STT", None, 9 * mm, "c"),
        _Col("name", "Họ và tên", None, 40 * mm, "l"),
        _Col("birth", "Ngày tháng năm sinh", None, 17 * mm, "c"),
        _Col("male", "Giới tính", "Nam", 7.5 * mm, "c"),
        _Col("female", "Giới tính", "Nữ", 7.5 * mm, "c"),
        _Col("ethnicity", "Dân tộc", None, 13 * mm, "l"),
        _Col("occupation", "Nghề nghiệp", None, 22 * mm, "l"),
    ]
    marks = [
        _Col(
            f"m{i}",
            "Bầu cử đại biểu HĐND" if col.council else col.label,
            col.label if col.council else None,
            (9.5 if col.council else 11) * mm,
            "c",
        )
        for i, col in enumerate(doc.columns)
    ]
    note = _Col("note", "Ghi chú", None, 22 * mm, "l")
    used = sum(c.width for c in fixed + marks) + note.width
    rest = PAGE_W - 2 * MARGIN_X - used
    addresses = [
        _Col("permanent", "Nơi cư trú", "Thường trú", rest * 0.55, "l"),
        _Col("temporary", "Nơi cư trú", "Tạm trú", rest * 0.45, "l"),
    ]
    return fixed + addresses + marks + [note]


def _numbers(cols: list[_Col]) -> list[str]:
    """Column numbers of the form: (1) … with (7a)/(7b) for the two residence columns."""
    out, n = [], 0
    for col in cols:
        if col.key == "stt":
            out.append("")
        elif col.key == "permanent":
            n += 1
            out.append(f"({n}a)")
        elif col.key == "temporary":
            out.append(f"({n}b)")
        else:
            n += 1
            out.append(f"({n})")
    return out


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def area_line(doc: ListDocument) -> str:
    h = doc.header
    parts = [_lower_first(h.commune_name)]
    if h.district_name:
        parts.append(_lower_first(h.district_name))
    parts.append(_lower_first(h.province_name))
    return f"Khu vực bỏ phiếu số {h.area_number} thuộc " + ", ".join(parts)


def _draw_header_form(c: Canvas, doc: ListDocument, cols: list[_Col], r: str, b: str) -> float:
    """Page header and column header; returns the y of the first row's top."""
    h = doc.header
    c.beginForm(FORM, 0, 0, PAGE_W, PAGE_H)
    top = PAGE_H
    lx, rx = 55 * mm, 220 * mm
    c.setFont(b, 8.5)
    c.drawCentredString(lx, top - 12 * mm, "ỦY BAN NHÂN DÂN")
    c.drawCentredString(lx, top - 16 * mm, h.commune_name.upper())
    w = min(stringWidth(h.commune_name.upper(), b, 8.5), 50 * mm)
    c.setLineWidth(0.4)
    c.line(lx - w / 4, top - 17.5 * mm, lx + w / 4, top - 17.5 * mm)
    c.drawCentredString(rx, top - 12 * mm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(rx, top - 16 * mm, "Độc lập - Tự do - Hạnh phúc")
    w = stringWidth("Độc lập - Tự do - Hạnh phúc", b, 8.5)
    c.line(rx - w / 2, top - 17.5 * mm, rx + w / 2, top - 17.5 * mm)
    c.setFont(b, 13)
    c.drawCentredString(PAGE_W / 2, top - 24 * mm, "DANH SÁCH CỬ TRI")
    c.setFont(b, 9)
    title = wrap(h.list_title or h.election_title, b, 9, PAGE_W - 2 * MARGIN_X)
    for i, line in enumerate(title[:2]):
        c.drawCentredString(PAGE_W / 2, top - (29 + 3.8 * i) * mm, line)
    c.setFont(r, 9)
    line_y = top - (29 + 3.8 * min(len(title), 2) + 0.6) * mm
    c.drawCentredString(PAGE_W / 2, line_y, area_line(doc))
    # Column header: two label rows and one row of column numbers.
    y0 = TABLE_TOP
    y1 = y0 - 8 * mm  # bottom of group labels
    y2 = y0 - 16 * mm  # bottom of sub labels
    y3 = y2 - 4 * mm  # bottom of the number row = top of the first row
    c.setLineWidth(0.5)
    x = MARGIN_X
    c.line(MARGIN_X, y0, PAGE_W - MARGIN_X, y0)
    c.line(MARGIN_X, y2, PAGE_W - MARGIN_X, y2)
    c.line(MARGIN_X, y3, PAGE_W - MARGIN_X, y3)
    i = 0
    numbers = _numbers(cols)
    while i < len(cols):
        col = cols[i]
        if col.sub is None:
            _label(c, col.label, x, y0, col.width, y0 - y2, b)
            c.line(x, y0, x, y3)
            x += col.width
            i += 1
            continue
        j = i
        group_w = 0.0
        while j < len(cols) and cols[j].label == col.label and cols[j].sub is not None:
            group_w += cols[j].width
            j += 1
        _label(c, col.label, x, y0, group_w, y0 - y1, b)
        c.line(x, y0, x, y3)
        c.line(x, y1, x + group_w, y1)
        sx = x
        for k in range(i, j):
            if k > i:
                c.line(sx, y1, sx, y3)
            _label(c, cols[k].sub or "", sx, y1, cols[k].width, y1 - y2, b)
            sx += cols[k].width
        x += group_w
        i = j
    c.line(x, y0, x, y3)
    c.setFont(r, 6.5)
    x = MARGIN_X
    for col, number in zip(cols, numbers, strict=True):
        c.drawCentredString(x + col.width / 2, y3 + 1.3 * mm, number)
        x += col.width
    c.endForm()
    return y3


def _label(c: Canvas, text: str, x: float, top: float, width: float, height: float, b: str) -> None:
    size = 7.0
    while size > 5 and any(stringWidth(w, b, size) > width - 2 for w in text.split()):
        size -= 0.5
    lines = wrap(text, b, size, width - 2)
    while len(lines) * (size + 1) > height - 2 and size > 5:
        size -= 0.5
        lines = wrap(text, b, size, width - 2)
    c.setFont(b, size)
    block = len(lines) * (size + 1)
    y = top - (height - block) / 2 - size
    for line in lines:
        c.drawCentredString(x + width / 2, y, line)
        y -= size + 1


def _cells(row: ListRow, cols: list[_Col], font: str) -> list[list[str]]:
    values = {
        "stt": str(row.stt),
        "name": row.full_name,
        "birth": row.birth_date,
        "male": "x" if row.male else "",
        "female": "" if row.male else "x",
        "ethnicity": row.ethnicity,
        "occupation": row.occupation,
        "permanent": row.permanent_address,
        "temporary": row.temporary_address,
        "note": row.note,
    }
    for i, mark in enumerate(row.marks):
        values[f"m{i}"] = "x" if mark else ""
    return [wrap(values.get(col.key, ""), font, SIZE, col.width - 2 * PAD) for col in cols]


def _footer_lines(doc: ListDocument) -> list[str]:
    rows = doc.rows
    male = sum(1 for r in rows if r.male)
    lines = [
        f"Tổng số cử tri của khu vực bỏ phiếu: {format_int(len(rows))} người; "
        f"trong đó: nam {format_int(male)}, nữ {format_int(len(rows) - male)}.",
    ]
    per = [
        f"{col.total_label}: {format_int(sum(1 for r in rows if i < len(r.marks) and r.marks[i]))}"
        for i, col in enumerate(doc.columns)
    ]
    if per:
        lines.append("Số cử tri bầu cử " + "; ".join(per) + ".")
    return lines


def render_voter_list(doc: ListDocument, out: str | IO[bytes]) -> int:
    """Draw the posted list into `out`; returns the number of pages. Deterministic."""
    regular, bold = register()
    cols = _columns(doc)
    c = canvas_class(doc.header.rehearsal)(
        out, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1, initialFontName=regular
    )
    c.setTitle(f"Danh sách cử tri - Khu vực bỏ phiếu {doc.header.area_code}")
    c.setAuthor("Baucu")
    c.setCreator("Baucu")
    c.setSubject(doc.header.election_title)
    first_top = _draw_header_form(c, doc, cols, regular, bold)
    # Pass 1: wrap and paginate.
    laid: list[tuple[list[list[str]], float]] = []
    pages: list[tuple[int, int]] = []
    start, y = 0, first_top
    for i, row in enumerate(doc.rows):
        cells = _cells(row, cols, regular)
        height = max(len(lines) for lines in cells) * LEADING + 2 * PAD
        if y - height < ROWS_BOTTOM and i > start:
            pages.append((start, i))
            start, y = i, first_top
        laid.append((cells, height))
        y -= height
    pages.append((start, len(doc.rows)))
    footer_on_new_page = y - FOOTER_H < ROWS_BOTTOM - 6 * mm
    total_pages = len(pages) + (1 if footer_on_new_page else 0)
    xs = [MARGIN_X]
    for col in cols:
        xs.append(xs[-1] + col.width)
    # Pass 2: draw.
    for number, (a, z) in enumerate(pages, start=1):
        c.doForm(FORM)
        c.setFont(regular, SIZE)
        c.setLineWidth(0.5)
        y = first_top
        for cells, height in laid[a:z]:
            top = y
            for col, lines, x in zip(cols, cells, xs, strict=False):
                ty = top - PAD - SIZE
                for line in lines:
                    if not line:
                        continue
                    if col.align == "c":
                        c.drawCentredString(x + col.width / 2, ty, line)
                    else:
                        c.drawString(x + PAD, ty, line)
                    ty -= LEADING
            y -= height
            c.line(MARGIN_X, y, xs[-1], y)
        c.lines([(x, first_top, x, y) for x in xs])
        if number == len(pages) and not footer_on_new_page:
            _footer(c, doc, y - 6 * mm, regular, bold)
        _page_number(c, number, total_pages, regular)
        if number < total_pages:
            c.showPage()
    if footer_on_new_page:
        c.doForm(FORM)
        _footer(c, doc, first_top - 6 * mm, regular, bold)
        _page_number(c, total_pages, total_pages, regular)
    c.showPage()
    c.save()
    return total_pages


def _page_number(c: Canvas, number: int, total: int, font: str) -> None:
    c.setFont(font, 8)
    c.drawCentredString(PAGE_W / 2, 7 * mm, f"Trang {number}/{total}")
    c.setFont(font, SIZE)


def _footer(c: Canvas, doc: ListDocument, top: float, r: str, b: str) -> None:
    c.setFont(r, 8.5)
    y = top
    for line in _footer_lines(doc):
        for part in wrap(line, r, 8.5, 150 * mm):
            c.drawString(MARGIN_X, y, part)
            y -= 11
    sx = 220 * mm
    c.setFont(r, 8.5)
    c.drawCentredString(sx, top, f"Ngày ….. tháng ….. năm {doc.header.year}")
    c.setFont(b, 8.5)
    c.drawCentredString(sx, top - 12, "TM. ỦY BAN NHÂN DÂN")
    c.drawCentredString(sx, top - 23, "CHỦ TỊCH")
    c.setFont(r, 7)
    c.drawCentredString(sx, top - 33, "(Ký, ghi rõ họ và tên, đóng dấu)")
    c.setFont(r, SIZE)
