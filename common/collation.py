"""Vietnamese collation without ICU: a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư; tones secondary."""

from __future__ import annotations

import unicodedata

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
# Tone marks in the traditional order: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def vi_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """Key ordering strings as a Vietnamese dictionary does (letters, then tones, then case)."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base, marks = cluster[0], cluster[1:]
        tone = 0
        letter = base
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _MODIFIERS:
                letter += mark
        composed = unicodedata.normalize("NFC", letter)
        lower = composed.lower()
        rank = _RANK.get(lower)
        primary.append(rank if rank is not None else 100 + ord(lower[0]))
        tones.append(tone)
        cases.append(0 if composed == lower else 1)
    return tuple(primary), tuple(tones), tuple(cases)


def _clusters(decomposed: str) -> list[str]:
    out: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and out:
            out[-1] += ch
        else:
            out.append(ch)
    return out
