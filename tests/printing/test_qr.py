"""The cards' QR code: the encoder against the standard's worked values, and every symbol of
rendered card pages read back by a real decoder (zbarimg, Debian's zbar-tools), together
with the Code128 barcode."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from printing.layouts import qr
from printing.layouts.cards import card_code, render_cards
from printing.layouts.data import CardRow
from tests.printing.test_layouts import ADDRESS, HEADER_2021, HEADER_2026, render

needs_zbar = pytest.mark.skipif(
    shutil.which("zbarimg") is None, reason="zbarimg missing (scripts/test.sh installs it)"
)


def zbar(png: Path) -> list[str]:
    out = subprocess.run(["zbarimg", "-q", str(png)], capture_output=True, text=True)
    assert out.returncode in (0, 4), out.stderr  # 4: nothing found
    return sorted(out.stdout.splitlines())


def test_data_and_error_correction_codewords_of_the_standard_example():
    """ "HELLO WORLD" at level M: the worked example of the alphanumeric mode."""
    version, data = qr.data_codewords("HELLO WORLD")
    assert version == 1
    assert data == bytes.fromhex("205b0b78d172dc4d4340ec11ec11ec11")
    assert qr.rs_remainder(list(data), 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]


def test_format_bits_of_level_m():
    table = [
        "101010000010010",
        "101000100100101",
        "101111001111100",
        "101101101001011",
        "100010111111001",
        "100000011001110",
        "100111110010111",
        "100101010100000",
    ]
    assert [f"{qr.format_bits(mask):015b}" for mask in range(8)] == table


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([1, 2, 3]), st.data())
def test_precomputed_error_correction_equals_the_division(version, data):
    """The per-(position, value) XOR tables give the same bytes as dividing the polynomial."""
    n, ec = qr.BLOCKS[version]
    payload = data.draw(st.binary(min_size=n, max_size=n))
    v = qr._version(version)
    got = 0
    for j, value in enumerate(payload):
        got ^= v.ec[j][value]
    assert list(got.to_bytes(ec, "big")) == qr.rs_remainder(list(payload), ec)


def _image(text: str, scale: int = 6) -> Image.Image:
    size, rows = qr.matrix(text)
    side = (size + 2 * qr.QUIET) * scale
    img = Image.new("L", (side, side), 255)
    for r, bits in enumerate(rows):
        for c in range(size):
            if bits >> (size - 1 - c) & 1:
                x, y = (c + qr.QUIET) * scale, (r + qr.QUIET) * scale
                img.paste(0, (x, y, x + scale, y + scale))
    return img


@needs_zbar
@pytest.mark.parametrize(
    "text",
    [
        "26734-01/1",  # alphanumeric, version 1
        "27499-01/12345",
        "HELLO WORLD 0123456789 $%*+-./:",  # alphanumeric, version 2 (alignment pattern)
        "ab-01/7",  # lower case: byte mode
        "a polling area code in lower case/123",  # byte mode, version 3
    ],
)
def test_symbols_decode(tmp_path, text):
    path = tmp_path / "q.png"
    _image(text).save(path)
    assert zbar(path) == [f"QR-Code:{text}"]


def test_too_long_is_refused():
    with pytest.raises(ValueError):
        qr.matrix("X" * 62)


def _pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "cards.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-gray", "-png", str(path), str(tmp_path / "p")])
    return sorted(tmp_path.glob("p*.png"))


@needs_zbar
def test_every_card_qr_and_barcode_read_back_from_a6_pages(tmp_path):
    stts = [1, 9, 10, 99, 1234, 12345]
    rows = [CardRow(s, "Nguyễn Thị Hường", "01/01/1990", "Nữ", ADDRESS) for s in stts]
    pages = _pages(render(render_cards, HEADER_2021, rows), tmp_path)
    assert len(pages) == len(stts)
    for png, stt in zip(pages, stts, strict=True):
        code = card_code(HEADER_2021.area_code, stt)
        assert zbar(png) == [f"CODE-128:{code}", f"QR-Code:{code}"]


@needs_zbar
def test_four_per_sheet_cards_each_have_their_own_codes(tmp_path):
    rows = [CardRow(s, "Lê Văn Ưng", "1950", "Nam", ADDRESS) for s in range(1, 6)]
    pages = _pages(render(render_cards, HEADER_2026, rows, per_sheet=4), tmp_path)
    assert len(pages) == 2
    found = zbar(pages[0]) + zbar(pages[1])
    codes = [card_code(HEADER_2026.area_code, s) for s in range(1, 6)]
    assert sorted(found) == sorted(
        [f"CODE-128:{c}" for c in codes] + [f"QR-Code:{c}" for c in codes]
    )


@needs_zbar
def test_cards_without_qr_carry_only_the_barcode(tmp_path):
    rows = [CardRow(7, "Lê Văn Ưng", "1950", "Nam", ADDRESS)]
    [png] = _pages(render(render_cards, HEADER_2021, rows, qr_code=False), tmp_path)
    assert zbar(png) == [f"CODE-128:{card_code(HEADER_2021.area_code, 7)}"]
