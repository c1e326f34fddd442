"""Voter cards, Mẫu 11/HĐBC (2021) / Mẫu 10/HĐBC (2026): A6 landscape, or 4 per A4 sheet.

Everything constant within a polling area (headers, titles, field labels, the commune, the
area number, the district and province, the signature block) is drawn once per document as a
Form XObject; each card adds its name, birth date, sex, residence, number and Code128 barcode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from common.rehearsal import canvas_class
from printing.layouts import code128
from printing.layouts.data import AreaHeader, CardRow
from printing.layouts.fonts import register
from printing.layouts.text import fit_lines, wrap

CARD_W, CARD_H = 148 * mm, 105 * mm  # A6 landscape
SHEET = landscape(A4)  # 297 × 210 mm: 2 × 2 cards
SLOT_W, SLOT_H = SHEET[0] / 2, SHEET[1] / 2
FORM = "card"

LEFT = 8 * mm
RIGHT = CARD_W - 8 * mm
LEFT_COL = 84 * mm  # right edge of the lower left column (number, area, units, barcode)
SIGN_X = 114 * mm  # centre of the signature block
LINE = 5.0 * mm
LABEL_SIZE = 8.0
VALUE_SIZE = 9.0
NAME_SIZE = 10.5
BAR_MODULE = 0.28 * mm
BAR_HEIGHT = 8 * mm


def card_code(area_code: str, stt: int) -> str:
    """What the barcode holds: the polling area code and the card number (= STT)."""
    return f"{area_code}/{stt}"


def _y(top_mm: float) -> float:
    return CARD_H - top_mm * mm


@dataclass(frozen=True)
class _Geometry:
    """Where each variable value goes on a card (computed once per document)."""

    name_x: float
    birth_x: float
    sex_x: float
    residence_x: float
    number_x: float
    lower_top: float  # mm from the top of the first line of the lower block
    has_district: bool


def _centered(c: Canvas, font: str, size: float, x: float, y: float, text: str) -> float:
    c.setFont(font, size)
    c.drawCentredString(x, y, text)
    return stringWidth(text, font, size)


def _draw_form(c: Canvas, header: AreaHeader, regular: str, bold: str) -> _Geometry:
    """The constant part of a card of this polling area, as a Form XObject."""
    c.beginForm(FORM, 0, 0, CARD_W, CARD_H)
    c.setLineWidth(0.6)
    c.rect(3 * mm, 3 * mm, CARD_W - 6 * mm, CARD_H - 6 * mm)
    # National and committee headers.
    left_x, right_x = 34 * mm, 104 * mm
    _centered(c, bold, 7.5, left_x, _y(9), "ỦY BAN NHÂN DÂN")
    w = _centered(c, bold, 7.5, left_x, _y(12.5), header.commune_name.upper())
    c.setLineWidth(0.4)
    c.line(left_x - w / 5, _y(14), left_x + w / 5, _y(14))  # a short rule, as on the form
    _centered(c, bold, 7.5, right_x, _y(9), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    w = _centered(c, bold, 7.5, right_x, _y(12.5), "Độc lập - Tự do - Hạnh phúc")
    c.line(right_x - w / 2, _y(14), right_x + w / 2, _y(14))
    _centered(c, bold, 15, CARD_W / 2, _y(21.5), "THẺ CỬ TRI")
    title_lines = wrap(header.election_title, bold, 7.2, RIGHT - LEFT)
    for i, line in enumerate(title_lines[:3]):
        _centered(c, bold, 7.2, CARD_W / 2, _y(26 + i * 3.3), line)
    top = 27.5 + 3.3 * min(len(title_lines), 3) + 2.5

    def label(row: int, text: str, x: float = LEFT, top_mm: float = top) -> float:
        c.setFont(regular, LABEL_SIZE)
        c.drawString(x, _y(top_mm + row * LINE / mm), text)
        return x + stringWidth(text, regular, LABEL_SIZE) + 1.5 * mm

    name_x = label(0, "Họ và tên:")
    birth_x = label(1, "Ngày, tháng, năm sinh:")
    sex_x = label(2, "Giới tính:")
    residence_x = label(3, "Nơi cư trú:")
    lower = top + 5 * LINE / mm  # the residence may take two lines
    number_x = label(0, "SỐ THẺ CỬ TRI:", top_mm=lower)
    fields = [
        ("KHU VỰC BỎ PHIẾU SỐ:", str(header.area_number)),
        ("Xã/phường/thị trấn:", header.commune_name),
    ]
    if header.district_name is not None:
        fields.append(("Huyện/quận/thị xã/thành phố:", header.district_name))
    fields.append(("Tỉnh/thành phố:", header.province_name))
    for i, (text, value) in enumerate(fields, start=1):
        x = label(i, text, top_mm=lower)
        size, lines = fit_lines(value, bold, LEFT_COL - x, sizes=(VALUE_SIZE, 8, 7, 6), max_lines=1)
        c.setFont(bold, size)
        c.drawString(x, _y(lower + i * LINE / mm), " ".join(lines))
    # Signature block.
    c.setFont(regular, 7.5)
    c.drawCentredString(SIGN_X, _y(lower), f"Ngày ….. tháng ….. năm {header.year}")
    _centered(c, bold, 7.5, SIGN_X, _y(lower + 3.6), "TM. ỦY BAN NHÂN DÂN")
    _centered(c, bold, 7.5, SIGN_X, _y(lower + 7.0), "CHỦ TỊCH")
    sign_note = "(Ký, ghi rõ họ và tên, đóng dấu của UBND)"
    _centered(c, regular, 5.8, SIGN_X, _y(lower + 10.0), sign_note)
    c.endForm()
    return _Geometry(
        name_x=name_x,
        birth_x=birth_x,
        sex_x=sex_x,
        residence_x=residence_x,
        number_x=number_x,
        lower_top=lower,
        has_district=header.district_name is not None,
    )


def _top(g: _Geometry, row: int) -> float:
    return g.lower_top - (5 - row) * LINE / mm


def _draw_card(
    c: Canvas,
    g: _Geometry,
    header: AreaHeader,
    row: CardRow,
    ox: float,
    oy: float,
    regular: str,
    bold: str,
    barcode: bool,
) -> None:
    if ox or oy:
        c.saveState()
        c.translate(ox, oy)
    c.doForm(FORM)
    t = c.beginText()
    size, lines = fit_lines(
        row.full_name, bold, RIGHT - g.name_x, sizes=(NAME_SIZE, 9, 8, 7), max_lines=1
    )
    t.setFont(bold, size)
    t.setTextOrigin(g.name_x, _y(_top(g, 0)))
    t.textOut(" ".join(lines))
    t.setFont(bold, VALUE_SIZE)
    t.setTextOrigin(g.birth_x, _y(_top(g, 1)))
    t.textOut(row.birth_date)
    t.setTextOrigin(g.sex_x, _y(_top(g, 2)))
    t.textOut(row.sex)
    size, lines = fit_lines(
        row.residence, regular, RIGHT - g.residence_x, sizes=(VALUE_SIZE, 8, 7, 6), max_lines=2
    )
    t.setFont(regular, size)
    base = _y(_top(g, 3))
    step = (size + 2.0) if len(lines) <= 2 else (LINE * 2) / len(lines)
    for i, line in enumerate(lines):
        t.setTextOrigin(g.residence_x, base - i * step)
        t.textOut(line)
    t.setFont(bold, NAME_SIZE)
    t.setTextOrigin(g.number_x, _y(g.lower_top))
    t.textOut(str(row.stt))
    if barcode:
        code = card_code(header.area_code, row.stt)
        rows_below = 5 if g.has_district else 4
        bar_top = g.lower_top + rows_below * LINE / mm - 1.5
        y = _y(bar_top) - BAR_HEIGHT
        t.setFont(regular, 6)
        t.setTextOrigin(LEFT, y - 2.6 * mm)
        t.textOut(code)
        c.drawText(t)
        c.addLiteral(code128.path_ops(code, LEFT, y, BAR_MODULE, BAR_HEIGHT))
    else:
        c.drawText(t)
    if ox or oy:
        c.restoreState()


def _cut_marks(c: Canvas) -> None:
    c.saveState()
    c.setLineWidth(0.3)
    w, h = SHEET
    tick = 5 * mm
    for x in (SLOT_W,):
        c.line(x, 0, x, tick)
        c.line(x, h - tick, x, h)
        c.line(x, h / 2 - tick / 2, x, h / 2 + tick / 2)
    for y in (SLOT_H,):
        c.line(0, y, tick, y)
        c.line(w - tick, y, w, y)
        c.line(w / 2 - tick / 2, y, w / 2 + tick / 2, y)
    c.restoreState()


def render_cards(
    header: AreaHeader,
    rows: Iterable[CardRow],
    out: str | IO[bytes],
    *,
    per_sheet: int = 1,
    barcode: bool = True,
) -> int:
    """Draw one card per row into `out` (a path or a binary file); returns the card count.

    Deterministic: the same header and rows give byte-identical output (invariant=1, fixed
    dates, no random ids)."""
    if per_sheet not in (1, 4):
        raise ValueError("per_sheet must be 1 or 4")
    regular, bold = register()
    pagesize = (CARD_W, CARD_H) if per_sheet == 1 else SHEET
    c = canvas_class(header.rehearsal)(
        out, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=regular
    )
    c.setTitle(f"Thẻ cử tri - Khu vực bỏ phiếu {header.area_code}")
    c.setAuthor("Baucu")
    c.setCreator("Baucu")
    c.setSubject(header.election_title)
    g = _draw_form(c, header, regular, bold)
    count = 0
    slots = [(0.0, 0.0)]
    if per_sheet == 4:
        dx, dy = (SLOT_W - CARD_W) / 2, (SLOT_H - CARD_H) / 2
        slots = [(dx, SLOT_H + dy), (SLOT_W + dx, SLOT_H + dy), (dx, dy), (SLOT_W + dx, dy)]
    on_page = 0
    for row in rows:
        ox, oy = slots[on_page]
        _draw_card(c, g, header, row, ox, oy, regular, bold, barcode)
        count += 1
        on_page += 1
        if on_page == len(slots):
            if per_sheet == 4:
                _cut_marks(c)
            c.showPage()
            on_page = 0
    if on_page or count == 0:
        if per_sheet == 4:
            _cut_marks(c)
        c.showPage()
    c.save()
    return count
