"""The layouts, without the database: read every PDF back and compare the text exactly."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys

import pytest
from reportlab.graphics.barcode.code128 import Code128

from printing.layouts import code128
from printing.layouts.cards import render_cards
from printing.layouts.data import AreaHeader, CardRow, ContestColumn, ListDocument, ListRow
from printing.layouts.fonts import missing_glyphs, register
from printing.layouts.voter_list import render_voter_list
from printing.rules import election_title
from tests.printing.support import (
    SPECIAL_NAMES,
    assert_same_text,
    card_names,
    fonts_of,
    page_lines,
    pdftotext,
    reader,
)

HEADER_2021 = AreaHeader(
    election_title=election_title(2021),
    list_title=election_title(2021, short=True),
    year=2021,
    area_code="26734-01",
    area_number=1,
    commune_name="Phường Tân Định",
    province_name="Thành phố Hồ Chí Minh",
    district_name="Quận 1",
)
HEADER_2026 = AreaHeader(
    election_title=election_title(2026),
    list_title=election_title(2026, short=True),
    year=2026,
    area_code="26734-01",
    area_number=1,
    commune_name="Phường Sài Gòn",
    province_name="Thành phố Hồ Chí Minh",
)
COLUMNS_2021 = [
    ContestColumn("Bầu cử ĐBQH", False, "đại biểu Quốc hội"),
    ContestColumn("Tỉnh", True, "đại biểu HĐND tỉnh"),
    ContestColumn("Huyện", True, "đại biểu HĐND huyện"),
    ContestColumn("Xã", True, "đại biểu HĐND xã"),
]
COLUMNS_2026 = [COLUMNS_2021[0], COLUMNS_2021[1], COLUMNS_2021[3]]
ADDRESS = "Số 12 đường Hai Bà Trưng, khu phố 3, phường Tân Định, quận 1, thành phố Hồ Chí Minh"


def cards(n: int) -> list[CardRow]:
    out = []
    for i in range(n):
        name = SPECIAL_NAMES[i % 5] + ("" if i < 5 else f" {i}")
        sex = "Nữ" if i % 2 else "Nam"
        out.append(CardRow(i + 1, name, f"{1 + i % 28:02d}/03/1985", sex, ADDRESS))
    return out


def list_rows(n: int, marks: int = 4) -> list[ListRow]:
    return [
        ListRow(
            stt=i + 1,
            full_name=SPECIAL_NAMES[i % 5] + ("" if i < 5 else f" {i}"),
            birth_date="1950" if i == 3 else f"{1 + i % 28:02d}/03/1985",
            male=i % 3 != 0,
            ethnicity="Ê Đê" if i % 5 in (3, 4) else "Kinh",
            occupation="Nông dân",
            permanent_address=ADDRESS if i % 4 else "",
            temporary_address="" if i % 4 else "Ấp 4, xã Phú Mỹ Hưng",
            marks=tuple([True] * (marks - 1) + [i % 7 != 0]),
            note="Bỏ phiếu ở nơi khác" if i == 9 else "",
        )
        for i in range(n)
    ]


def render(fn, *args, **kwargs) -> bytes:
    buf = io.BytesIO()
    fn(*args, buf, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("per_sheet", [1, 4])
def test_cards_read_back_exactly(tmp_path, per_sheet):
    rows = cards(11)
    path = tmp_path / "cards.pdf"
    path.write_bytes(render(render_cards, HEADER_2021, rows, per_sheet=per_sheet))
    pdf = reader(path)
    assert len(pdf.pages) == (11 if per_sheet == 1 else 3)
    got = card_names(pdf)
    assert len(got) == 11
    for (name, number), row in zip(got, rows, strict=True):
        assert_same_text(name, row.full_name)
        assert number == str(row.stt)
    text = pdftotext(path)
    for name in SPECIAL_NAMES:
        assert name in text  # poppler reads the same characters
    first = page_lines(pdf.pages[0])
    for line in [
        "THẺ CỬ TRI",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG TÂN ĐỊNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Họ và tên:",
        "Ngày, tháng, năm sinh:",
        "Giới tính:",
        "Nơi cư trú:",
        "SỐ THẺ CỬ TRI:",
        "KHU VỰC BỎ PHIẾU SỐ:",
        "Xã/phường/thị trấn:",
        "Huyện/quận/thị xã/thành phố:",
        "Tỉnh/thành phố:",
        "Quận 1",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "Ngày ….. tháng ….. năm 2021",
    ]:
        assert line in first, line
    title = " ".join(first[first.index("THẺ CỬ TRI") + 1 : first.index("Họ và tên:")])
    assert " ".join(title.split()) == (
        "BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XV VÀ BẦU CỬ ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN CÁC CẤP "
        "NHIỆM KỲ 2021 - 2026"
    )


def test_card_page_size_and_fonts_embedded(tmp_path):
    path = tmp_path / "c.pdf"
    path.write_bytes(render(render_cards, HEADER_2021, cards(3)))
    box = reader(path).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 105)
    fonts = fonts_of(path)
    assert fonts and all(embedded for _, embedded in fonts)
    assert {name.split("+", 1)[1] for name, _ in fonts} == {"DejaVuSans", "DejaVuSans-Bold"}
    path.write_bytes(render(render_cards, HEADER_2021, cards(5), per_sheet=4))
    box = reader(path).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (297, 210)


def test_card_2026_has_no_district_line():
    pdf = reader(render(render_cards, HEADER_2026, cards(2)))
    lines = page_lines(pdf.pages[0])
    assert "Huyện/quận/thị xã/thành phố:" not in lines
    assert "Ngày ….. tháng ….. năm 2026" in lines
    title = " ".join(lines[lines.index("THẺ CỬ TRI") + 1 : lines.index("Họ và tên:")])
    assert "KHÓA XVI" in title and "2026 - 2031" in " ".join(title.split())


def test_cards_are_deterministic():
    a = render(render_cards, HEADER_2021, cards(30), per_sheet=4)
    b = render(render_cards, HEADER_2021, cards(30), per_sheet=4)
    assert a == b
    c = render(render_cards, HEADER_2021, cards(30)[:-1] + [cards(31)[-1]], per_sheet=4)
    assert c != a


def test_list_reads_back_with_header_on_every_page_and_totals(tmp_path):
    rows = list_rows(120)
    path = tmp_path / "list.pdf"
    doc = ListDocument(HEADER_2021, COLUMNS_2021, rows)
    pages = render_voter_list(doc, str(path))
    pdf = reader(path)
    assert len(pdf.pages) == pages > 3
    seen = []
    for number, page in enumerate(pdf.pages, start=1):
        lines = page_lines(page)
        assert "DANH SÁCH CỬ TRI" in lines
        assert "Khu vực bỏ phiếu số 1 thuộc phường Tân Định, quận 1, thành phố Hồ Chí Minh" in lines
        for label in ["STT", "Họ và tên", "Nam", "Nữ", "Dân tộc", "Nghề nghiệp", "Thường trú"]:
            assert label in lines
        assert "Tỉnh" in lines and "Huyện" in lines and "Xã" in lines
        assert f"Trang {number}/{pages}" in lines
        for i, line in enumerate(lines[:-1]):
            if line.isdigit() and i + 1 < len(lines):
                stt = int(line)
                if 1 <= stt <= len(rows) and lines[i + 1] == rows[stt - 1].full_name:
                    seen.append(stt)
    assert seen == list(range(1, 121))  # every row once, in order
    for row in rows[:5]:
        assert_same_text(row.full_name, SPECIAL_NAMES[row.stt - 1])
    text = pdftotext(path)
    for name in SPECIAL_NAMES:
        assert name in text
    last = " ".join(page_lines(pdf.pages[-1]))
    male = sum(1 for r in rows if r.male)
    total = "Tổng số cử tri của khu vực bỏ phiếu: 120 người; "
    assert f"{total}trong đó: nam {male}, nữ {120 - male}" in last
    commune = sum(1 for r in rows if r.marks[3])
    assert "đại biểu Quốc hội: 120" in last and f"đại biểu HĐND xã: {commune}" in last
    assert all(embedded for _, embedded in fonts_of(path))


def _placed(page) -> dict[str, list[tuple[float, float]]]:
    """Each text run of the page: text → [(centre x, baseline y)] in points (the fonts'
    widths from reportlab; every run of the list is drawn unscaled)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = register()
    out: dict[str, list[tuple[float, float]]] = {}

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if not text or font is None:
            return
        name = bold if str(font.get("/BaseFont", "")).endswith("-Bold") else regular
        x, y = tm[4] + cm[4], tm[5] + cm[5]
        out.setdefault(text, []).append((x + stringWidth(text, name, size) / 2, y))

    page.extract_text(visitor_text=visit)
    return out


def test_list_page_is_a4_landscape():
    pdf = reader(render(render_voter_list, ListDocument(HEADER_2021, COLUMNS_2021, list_rows(60))))
    assert len(pdf.pages) > 1
    for page in pdf.pages:
        box = page.mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (
            297,
            210,
        )


def test_list_header_is_that_of_form_33_of_2021():
    """domain.md §2.7: committee and national headers, title, polling area line, and the
    columns STT, (1)–(6), Nơi cư trú (7a) Thường trú / (7b) Tạm trú, (8) Bầu cử ĐBQH,
    Bầu cử đại biểu HĐND (9) Tỉnh / (10) Huyện / (11) Xã, (12) Ghi chú."""
    page = reader(
        render(render_voter_list, ListDocument(HEADER_2021, COLUMNS_2021, list_rows(3)))
    ).pages[0]
    lines = page_lines(page)
    assert lines[:5] == [
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG TÂN ĐỊNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "DANH SÁCH CỬ TRI",
    ]
    area = lines.index("Khu vực bỏ phiếu số 1 thuộc phường Tân Định, quận 1, thành phố Hồ Chí Minh")
    assert " ".join(lines[5:area]) == (
        "BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA XV VÀ BẦU CỬ ĐẠI BIỂU HĐND CÁC CẤP NHIỆM KỲ 2021-2026"
    )
    at = _placed(page)
    middle = float(page.mediabox.width) / 2
    assert at["ỦY BAN NHÂN DÂN"][0][0] < middle < at["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"][0][0]
    # Each column number stands under its column's label (the nearest label centre).
    labels = ["STT", "Họ và tên", "năm sinh", "Nam", "Nữ", "Dân tộc", "Nghề nghiệp"]
    labels += ["Thường trú", "Tạm trú", "ĐBQH", "Tỉnh", "Huyện", "Xã", "Ghi chú"]
    centre = {label: at[label][0][0] for label in labels}
    numbers = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7a)", "(7b)"]
    numbers += ["(8)", "(9)", "(10)", "(11)", "(12)"]
    under = {n: min(labels, key=lambda label: abs(centre[label] - at[n][0][0])) for n in numbers}
    assert under == dict(zip(numbers, labels[1:], strict=True))
    assert "(13)" not in at and "(0)" not in at
    # The group labels stand over their sub-columns.
    for group, (first, last) in {
        "Giới tính": ("Nam", "Nữ"),
        "Nơi cư trú": ("Thường trú", "Tạm trú"),
        "Bầu cử đại biểu": ("Tỉnh", "Xã"),
    }.items():
        assert centre[first] < at[group][0][0] < centre[last], group
        assert at[group][0][1] > at[first][0][1]  # above them
    assert "Bầu cử" in at and "HĐND" in at  # "Bầu cử ĐBQH" and "Bầu cử đại biểu HĐND"


def test_four_cards_per_sheet_have_cut_marks(tmp_path):
    """Render a 4-per-sheet page and look for the marks where the sheet is cut: at both ends
    and the middle of the vertical cut (x = 148.5 mm) and of the horizontal cut (y = 105 mm),
    in the blank band between the cards' frames."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(render(render_cards, HEADER_2021, cards(4), per_sheet=4))
    dpi = 150
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-aa", "no", "-aaVector", "no", "-png", "-f", "1",
         "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )  # fmt: skip
    from PIL import Image

    img = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    px = img.load()
    width, height = img.size
    assert abs(width / dpi * 25.4 - 297) < 1 and abs(height / dpi * 25.4 - 210) < 1

    def at(x_mm: float, y_mm: float) -> tuple[int, int]:  # PDF mm (origin bottom left) → pixel
        return round(x_mm / 25.4 * dpi), height - 1 - round(y_mm / 25.4 * dpi)

    def dark_across(x_mm: float, y_mm: float, vertical: bool) -> bool:
        """A dark pixel within ±3 px across a line through the point."""
        x, y = at(x_mm, y_mm)
        near = [(x + d, y) if vertical else (x, y + d) for d in range(-3, 4)]
        return any(px[min(max(a, 0), width - 1), min(max(b, 0), height - 1)] < 128 for a, b in near)

    marks = {
        "bottom of the vertical cut": (148.5, 2.5, True),
        "top of the vertical cut": (148.5, 207.5, True),
        "centre, vertical": (148.5, 103.5, True),
        "left of the horizontal cut": (2.5, 105, False),
        "right of the horizontal cut": (294.5, 105, False),
        "centre, horizontal": (147, 105, False),
    }
    missing = [name for name, point in marks.items() if not dark_across(*point)]
    assert not missing, missing
    # Beside the marks the band is blank: what was found is the marks, not the cards.
    for x_mm, y_mm in [(146.5, 2.5), (150.5, 207.5), (2.5, 103.5), (294.5, 106.5)]:
        x, y = at(x_mm, y_mm)
        assert px[x, y] > 200, (x_mm, y_mm)


def test_list_2026_has_no_district_column():
    doc = ListDocument(HEADER_2026, COLUMNS_2026, list_rows(3, marks=3))
    pdf = reader(render(render_voter_list, doc))
    lines = page_lines(pdf.pages[0])
    assert "Huyện" not in lines
    assert "Khu vực bỏ phiếu số 1 thuộc phường Sài Gòn, thành phố Hồ Chí Minh" in lines
    assert "(11)" in lines and "(12)" not in lines  # 2026: one column fewer


def test_empty_list_still_has_one_page_with_zero_totals():
    pdf = reader(render(render_voter_list, ListDocument(HEADER_2021, COLUMNS_2021, [])))
    assert len(pdf.pages) == 1
    assert "Tổng số cử tri của khu vực bỏ phiếu: 0 người" in pdf.pages[0].extract_text()


def test_list_is_deterministic():
    doc = ListDocument(HEADER_2021, COLUMNS_2021, list_rows(80))
    assert render(render_voter_list, doc) == render(render_voter_list, doc)


def test_long_names_and_addresses_are_never_cut():
    long_name = "Nguyễn Thị Ngọc Phương Thảo Hoàng Bảo Châu Tôn Nữ Diễm Kiều Vân Anh"
    long_address = ", ".join([ADDRESS] * 3)
    row = CardRow(1, long_name, "01/01/1990", "Nữ", long_address)
    text = " ".join(page_lines(reader(render(render_cards, HEADER_2021, [row])).pages[0]))
    assert long_name in text
    assert " ".join(long_address.split()) in " ".join(text.split())


def test_glyph_coverage_of_vietnamese_and_a_refusal():
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    import unicodedata

    letters = {
        unicodedata.normalize("NFC", v + t) for v in vowels + vowels.upper() for t in tones
    } | {"đ", "Đ"}
    assert len(letters) == 12 * 2 * 6 + 2 + 0  # 12 vowels incl. y × 6 tones × 2 cases + đ/Đ
    assert missing_glyphs(letters) == set()
    assert missing_glyphs(["Nguyễn 中"]) == {"中"}


@pytest.mark.parametrize("text", ["26734-01/1", "26734-01/1234", "27499-01/12345", "A", "123456"])
def test_code128_encoding_is_valid(text):
    values = code128.encode(text)
    assert values[-1] == code128.STOP
    check = values[0] + sum(i * v for i, v in enumerate(values[1:-2], 1))
    assert check % 103 == values[-2]
    assert decode_values(values) == text
    reference = Code128(text, quiet=0)
    reference.validate()
    assert len(values) <= len(reference.encode())


def decode_values(values: list[int]) -> str:
    """Decode symbol values (sets B and C) back to text."""
    mode = {code128.START_B: "B", code128.START_C: "C"}[values[0]]
    out = ""
    for v in values[1:-2]:
        if v == code128.CODE_C and mode == "B":
            mode = "C"
        elif v == code128.CODE_B and mode == "C":
            mode = "B"
        elif mode == "B":
            out += chr(v + 32)
        else:
            out += f"{v:02d}"
    return out


def test_barcode_scans_from_the_rendered_page(tmp_path):
    """Render a card at 600 dpi, read one pixel row through the bars, decode the widths."""
    path = tmp_path / "c.pdf"
    path.write_bytes(render(render_cards, HEADER_2021, [cards(1234)[-1]]))
    subprocess.run(
        ["pdftoppm", "-r", "600", "-gray", "-png", str(path), str(tmp_path / "p")], check=True
    )
    from PIL import Image  # pdftoppm's output, read with Pillow (a reportlab dependency)

    png = next(tmp_path.glob("p*.png"))
    img = Image.open(png)
    assert decode_image(img) == "26734-01/1234"


def decode_image(img) -> str:
    """Scan pixel rows of the lower left of the card (right of the frame) for a Code128."""
    img = img.convert("L")
    width, height = img.size
    x0 = int(5.5 / 25.4 * 600)  # inside the frame (3 mm), left of the bars (8 mm)
    patterns = {p: v for v, p in enumerate(code128.PATTERNS)}
    px = img.load()
    for y in range(height - 1, height // 2, -3):
        row = [px[x, y] < 128 for x in range(x0, width // 2)]
        edges = [i for i in range(1, len(row)) if row[i] != row[i - 1]]
        widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        if len(widths) < 30 or not row[edges[0]]:
            continue
        module = sum(widths[:6]) / 11  # the start symbol is 11 modules wide
        mods = [max(1, round(w / module)) for w in widths]
        values, i = [], 0
        while i + 6 <= len(mods):
            if "".join(map(str, mods[i : i + 7])) == code128.PATTERNS[code128.STOP]:
                values.append(code128.STOP)
                break
            key = "".join(map(str, mods[i : i + 6]))
            if key not in patterns:
                values = []
                break
            values.append(patterns[key])
            i += 6
        if values and values[-1] == code128.STOP and values[0] in (104, 105):
            return decode_values(values)
    raise AssertionError("no barcode found")


def _all_vietnamese_letters() -> str:
    import unicodedata

    vowels = "aăâeêioôơuưy"
    marks = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = [unicodedata.normalize("NFC", v + m) for v in vowels for m in marks]
    return "".join(letters) + "đ" + "".join(letters).upper() + "Đ"


def test_cards_spanning_several_font_subsets_read_back_exactly():
    """More than 256 distinct characters: the font is embedded as several subsets and a
    string switches subset mid-way; parentheses and backslashes are escaped."""
    extra = "".join(map(chr, range(0x100, 0x180))) + "".join(map(chr, range(0x3B1, 0x3CA)))
    letters = _all_vietnamese_letters() + extra  # Latin Extended-A and Greek: > 256 in all
    assert missing_glyphs([letters]) == set()
    words = [letters[i : i + 9] for i in range(0, len(letters), 9)]
    rows = [
        CardRow(i + 1, f"Lê {word} Ánh", "01/01/1990", "Nữ", f"Ấp {word} (cũ) \\ {i}")
        for i, word in enumerate(words)
    ]
    pdf = reader(render(render_cards, HEADER_2021, rows))
    assert len(pdf.pages) == len(rows)
    for (name, number), page, row in zip(card_names(pdf), pdf.pages, rows, strict=True):
        assert_same_text(name, row.full_name)
        assert number == str(row.stt)
        assert row.residence in page_lines(page)
    fonts = pdf.pages[-1]["/Resources"]["/Font"]
    assert len(fonts) > 2  # regular and bold each took more than one subset


def test_cards_are_byte_identical_whatever_the_hash_seed(tmp_path):
    """Subset codes follow the order characters appear, never a set's (hash-seeded) order."""
    script = (
        "import hashlib, io, sys\n"
        "sys.path.insert(0, '.')\n"
        "from tests.printing.test_layouts import HEADER_2021, cards, render, render_cards\n"
        "print(hashlib.sha256(render(render_cards, HEADER_2021, cards(40))).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
    assert digests == {hashlib.sha256(render(render_cards, HEADER_2021, cards(40))).hexdigest()}


def test_lean_page_keeps_what_was_drawn_through_the_canvas():
    """A layer drawn with the canvas API on a card page (a watermark, say) is not dropped."""
    from reportlab.pdfgen.canvas import Canvas

    from printing.layouts.fonts import register
    from printing.layouts.pages import FontEncoder, LeanPages

    regular, _ = register()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(300, 200), invariant=1)
    c.beginForm("f")
    c.setFont(regular, 9)
    c.drawString(10, 180, "Biểu mẫu")
    c.endForm()
    pages = LeanPages(c, ["f"])
    enc = FontEncoder(c, regular)
    pages.add(f"/FormXob.f Do BT 1 0 0 1 10 100 Tm {enc.show('Nguyễn Thị Hường', '9')} ET")
    c.setFont(regular, 20)
    c.drawString(10, 20, "DIỄN TẬP")
    pages.add(f"/FormXob.f Do BT 1 0 0 1 10 100 Tm {enc.show('Lê Văn Ưng', '9')} ET")
    c.save()
    pdf = reader(buf.getvalue())
    assert [page_lines(p) for p in pdf.pages] == [
        ["Biểu mẫu", "Nguyễn Thị Hường"],
        ["Biểu mẫu", "Lê Văn Ưng", "DIỄN TẬP"],
    ]


@pytest.mark.parametrize("per_sheet", [1, 4])
def test_a_voter_with_no_address_gets_a_card(per_sheet):
    """A record with an empty address (temporary residents of some extracts) printed an
    IndexError instead of a card."""
    rows = [CardRow(1, "Võ Thị Ánh", "01/01/1990", "Nữ", ""), *cards(2)[1:]]
    pdf = reader(render(render_cards, HEADER_2021, rows, per_sheet=per_sheet))
    text = " ".join(page_lines(pdf.pages[0]))
    assert "Võ Thị Ánh" in text
    assert len(pdf.pages) == (2 if per_sheet == 1 else 1)
