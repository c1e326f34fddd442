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
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from common.rehearsal import canvas_class, page_stamp
from printing.layouts import code128, qr
from printing.layouts.data import AreaHeader, CardRow
from printing.layouts.fonts import register
from printing.layouts.pages import FontEncoder, LeanPages
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
QR_MODULE = 0.5 * mm  # a version 1 symbol (21 modules) is 10.5 mm wide
NAME_SIZES = (NAME_SIZE, 9, 8, 7)
VALUE_SIZES = (VALUE_SIZE, 8, 7, 6)


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


class _CardWriter:
    """The operators of one card (one per document: the fonts' codes are the document's)."""

    def __init__(
        self, c: Canvas, g: _Geometry, header: AreaHeader, barcode: bool, qr_code: bool
    ) -> None:
        regular, bold = register()
        self.g = g
        self.regular = FontEncoder(c, regular)
        self.bold = FontEncoder(c, bold)
        self.regular_name, self.bold_name = regular, bold
        self.form = f"/{c._doc.getXObjectName(FORM)} Do"
        self.area_code = header.area_code
        self.barcode = barcode
        self.qr_code = qr_code

        def at(x: float, top_mm: float) -> str:
            return f"1 0 0 1 {fp_str(x)} {fp_str(_y(top_mm))} Tm"

        self.name_at = at(g.name_x, _top(g, 0))
        self.birth_at = at(g.birth_x, _top(g, 1))
        self.sex_at = at(g.sex_x, _top(g, 2))
        self.residence_y = _y(_top(g, 3))
        self.number_at = at(g.number_x, g.lower_top)
        rows_below = 5 if g.has_district else 4
        self.bar_y = _y(g.lower_top + rows_below * LINE / mm - 1.5) - BAR_HEIGHT
        self.code_at = f"1 0 0 1 {fp_str(LEFT)} {fp_str(self.bar_y - 2.6 * mm)} Tm"
        self.value_size, self.name_size = fp_str(VALUE_SIZE), fp_str(NAME_SIZE)

    def ops(self, row: CardRow) -> str:
        g, bold, regular = self.g, self.bold, self.regular
        size, lines = fit_lines(
            row.full_name, self.bold_name, RIGHT - g.name_x, sizes=NAME_SIZES, max_lines=1
        )
        parts = [
            self.form,
            "BT",
            self.name_at,
            bold.show(" ".join(lines), fp_str(size)),
            self.birth_at,
            bold.show(row.birth_date, self.value_size),
            self.sex_at,
            bold.show(row.sex, self.value_size),
        ]
        size, lines = fit_lines(
            row.residence, self.regular_name, RIGHT - g.residence_x, sizes=VALUE_SIZES, max_lines=2
        )
        step = (size + 2.0) if len(lines) <= 2 else (LINE * 2) / len(lines)
        size_s = fp_str(size)
        for i, line in enumerate(lines):
            y = self.residence_y - i * step
            parts.append(f"1 0 0 1 {fp_str(g.residence_x, y)} Tm")
            parts.append(regular.show(line, size_s))
        parts += [self.number_at, bold.show(str(row.stt), self.name_size)]
        if self.barcode:
            code = card_code(self.area_code, row.stt)
            parts += [self.code_at, regular.show(code, "6"), "ET"]
            parts.append(code128.path_ops(code, LEFT, self.bar_y, BAR_MODULE, BAR_HEIGHT))
        else:
            parts.append("ET")
        if self.qr_code:
            # Right of the barcode, at the right edge of the left column, its lower edge on
            # the baseline of the code's text.
            size, rows = qr.matrix(card_code(self.area_code, row.stt))
            x, y = LEFT_COL - size * QR_MODULE, self.bar_y - 2.6 * mm
            parts.append(qr.rows_ops(size, rows, x, y, QR_MODULE))
        return " ".join(parts)


def _cut_marks() -> str:
    """Operators of the cut marks of a 4-per-sheet page (between the cards, at the edges)."""
    w, h = SHEET
    tick = 5 * mm
    x, y = SLOT_W, SLOT_H
    segments = [
        (x, 0, x, tick),
        (x, h - tick, x, h),
        (x, h / 2 - tick / 2, x, h / 2 + tick / 2),
        (0, y, tick, y),
        (w - tick, y, w, y),
        (w / 2 - tick / 2, y, w / 2 + tick / 2, y),
    ]
    lines = " ".join(f"{fp_str(a, b)} m {fp_str(c, d)} l S" for a, b, c, d in segments)
    return f"q 0.3 w {lines} Q"


def render_cards(
    header: AreaHeader,
    rows: Iterable[CardRow],
    out: str | IO[bytes],
    *,
    per_sheet: int = 1,
    barcode: bool = True,
    qr_code: bool = True,
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
    writer = _CardWriter(c, g, header, barcode, qr_code)
    forms, stamp = [FORM], ""
    if header.rehearsal:  # the pages bypass the canvas's showPage: stamp each one here
        name, stamp = page_stamp(c, *pagesize)
        forms.append(name)
    pages = LeanPages(c, forms)
    count = 0
    if per_sheet == 1:
        for row in rows:
            pages.add(writer.ops(row) + stamp)
            count += 1
        if count == 0:
            pages.add(stamp)
    else:
        dx, dy = (SLOT_W - CARD_W) / 2, (SLOT_H - CARD_H) / 2
        slots = [(dx, SLOT_H + dy), (SLOT_W + dx, SLOT_H + dy), (dx, dy), (SLOT_W + dx, dy)]
        moves = [f"q 1 0 0 1 {fp_str(x, y)} cm" for x, y in slots]
        marks = _cut_marks()
        page: list[str] = []
        for row in rows:
            page += [moves[len(page) // 3], writer.ops(row), "Q"]
            count += 1
            if len(page) == 12:
                pages.add(" ".join([*page, marks]) + stamp)
                page = []
        if page or count == 0:
            pages.add(" ".join([*page, marks]) + stamp)
    c.save()
    return count
