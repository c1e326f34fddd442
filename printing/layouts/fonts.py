"""The shipped fonts (common/fonts/, DejaVu Sans) and the glyph-coverage check.

A missing glyph raises nothing in reportlab: it prints an empty box. Every text to be printed
is checked against the font's character map before a job starts (`missing_glyphs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent.parent / "common" / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
# Characters that never need a glyph (layout white space).
_IGNORED = frozenset("\n\r\t")


@cache
def register() -> tuple[str, str]:
    """Register the fonts once per process; returns (regular, bold) names."""
    for name, file in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD


@cache
def _charmap(name: str) -> frozenset[int]:
    register()
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


def missing_glyphs(texts: Iterable[str], fonts: Iterable[str] = (REGULAR, BOLD)) -> set[str]:
    """The characters of `texts` that one of the fonts cannot draw."""
    seen: set[str] = set()
    for text in texts:
        if text:
            seen.update(text)
    seen -= _IGNORED
    missing: set[str] = set()
    for name in fonts:
        cmap = _charmap(name)
        missing.update(ch for ch in seen if ord(ch) not in cmap)
    return missing
