"""Helpers for the printing tests: reading PDFs back, exact comparison of Vietnamese text."""

from __future__ import annotations

import io
import subprocess
import unicodedata
from pathlib import Path

import pypdf

SPECIAL_NAMES = [
    "Đặng Thị Ngọc Ánh",
    "Nguyễn Thị Hường",
    "Lê Văn Ưng",
    "Ksor H'Yơn",
    "Y Moan Êban",
]
SIGN_NOTE = "(Ký, ghi rõ họ và tên, đóng dấu của UBND)"


def reader(data: bytes | Path) -> pypdf.PdfReader:
    if isinstance(data, Path):
        data = data.read_bytes()
    return pypdf.PdfReader(io.BytesIO(data))


def page_lines(page: pypdf.PageObject) -> list[str]:
    return [line.strip() for line in page.extract_text().splitlines() if line.strip()]


def assert_same_text(got: str, want: str) -> None:
    """Equal, character by character (a clear diff of code points when not)."""
    if got != want:
        rows = [
            f"{i}: got {g!r} U+{ord(g):04X} {unicodedata.name(g, '?')} / want {w!r} "
            f"U+{ord(w):04X} {unicodedata.name(w, '?')}"
            for i, (g, w) in enumerate(zip(got, want, strict=False))
            if g != w
        ]
        raise AssertionError(f"{got!r} != {want!r}; lengths {len(got)}/{len(want)}; {rows[:5]}")
    assert [unicodedata.name(c) for c in got] == [unicodedata.name(c) for c in want]


def card_names(pdf: pypdf.PdfReader) -> list[tuple[str, str]]:
    """(name, card number) of every card, in order, read back from the PDF text."""
    out = []
    for page in pdf.pages:
        lines = page_lines(page)
        for i, line in enumerate(lines):
            if line == SIGN_NOTE:
                name = lines[i + 1]
                # name, birth, sex, residence (1-2 lines), number, barcode text
                code = next(x for x in lines[i + 1 :] if "/" in x and x.count("/") == 1)
                out.append((name, code.rsplit("/", 1)[1]))
    return out


def fonts_of(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded?) of every font, from poppler's pdffonts."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    fonts = []
    for line in out.stdout.splitlines()[2:]:
        parts = line.split()
        # name type [encoding…] emb sub uni object ID
        fonts.append((parts[0], parts[-5] == "yes"))
    return fonts


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
