"""Fitting text into boxes: shrink within limits, then wrap on spaces (never truncate)."""

from __future__ import annotations

from reportlab.pdfbase.pdfmetrics import stringWidth


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word longer than the width is split between characters."""
    if not text:
        return [""]
    if stringWidth(text, font, size) <= width:
        return [text]
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if stringWidth(candidate, font, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while stringWidth(word, font, size) > width:
            cut = len(word) - 1
            while cut > 1 and stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def fit_lines(
    text: str,
    font: str,
    width: float,
    *,
    sizes: tuple[float, ...],
    max_lines: int,
) -> tuple[float, list[str]]:
    """The largest size of `sizes` at which `text` fits in `max_lines` lines of `width`;
    at the smallest size, as many lines as it takes."""
    lines: list[str] = [text]
    for size in sizes:
        lines = wrap(text, font, size, width)
        if len(lines) <= max_lines:
            return size, lines
    return sizes[-1], lines
