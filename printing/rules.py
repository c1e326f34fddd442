"""Printing rules as pure functions: form titles and the pre-flight checks (no ORM)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from printing.layouts.fonts import missing_glyphs

_ROMAN = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman(n: int) -> str:
    out = ""
    for value, numeral in _ROMAN:
        while n >= value:
            out += numeral
            n -= value
    return out


def na_term(year: int) -> int:
    """National Assembly term elected in a general election year: 2021 → 15 (khóa XV)."""
    return 15 + (year - 2021) // 5


def election_title(
    year: int, *, national_assembly: bool = True, councils: bool = True, short: bool = False
) -> str:
    """The title line, upper case, as the forms write it (domain.md §2.7, §3): on the card
    (Mẫu 11/HĐBC) "… ĐẠI BIỂU HỘI ĐỒNG NHÂN DÂN CÁC CẤP NHIỆM KỲ 2021 - 2026"; `short`, on the
    list under "DANH SÁCH CỬ TRI" (Mẫu 33/HĐBC) "… ĐẠI BIỂU HĐND CÁC CẤP NHIỆM KỲ 2021-2026"."""
    parts = []
    if national_assembly:
        parts.append(f"BẦU CỬ ĐẠI BIỂU QUỐC HỘI KHÓA {roman(na_term(year))}")
    if councils:
        council, term = (
            ("HĐND", f"{year}-{year + 5}")
            if short
            else (
                "HỘI ĐỒNG NHÂN DÂN",
                f"{year} - {year + 5}",
            )
        )
        parts.append(f"BẦU CỬ ĐẠI BIỂU {council} CÁC CẤP NHIỆM KỲ {term}")
    return " VÀ ".join(parts)


def sex_text(male: bool) -> str:
    return "Nam" if male else "Nữ"


def printable(text: str | None) -> str:
    """What goes on paper: NFC, single spaces (the text itself is never changed otherwise)."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


@dataclass(frozen=True)
class Problem:
    """One reason not to print."""

    kind: str  # "glyph", "duplicate", "count", "stt"
    area: str
    detail: dict = field(default_factory=dict)

    def message(self, *, personal: bool = True) -> str:
        """The reason in words. personal=False leaves out names and addresses (job pages and
        the job API are seen by users who may not read personal data)."""
        d = self.detail
        if self.kind == "glyph":
            if not personal:
                return _("Area %(area)s, no. %(stt)s: the font has no glyph for %(chars)s.") % {
                    "area": self.area,
                    **d,
                }
            return _(
                "Area %(area)s, no. %(stt)s: the font has no glyph for %(chars)s in “%(text)s”."
            ) % {"area": self.area, **d}
        if self.kind == "duplicate":
            return _("Area %(area)s: unresolved duplicate voters: %(who)s.") % {
                "area": self.area,
                "who": d["who"] if personal else d["where"],
            }
        if self.kind == "stt":
            return _("Area %(area)s: card number %(stt)s appears %(times)s times.") % {
                "area": self.area,
                **d,
            }
        return _(
            "Area %(area)s: %(cards)s cards would be printed but the list has %(voters)s voters."
        ) % {"area": self.area, **d}


def _describe(chars: Iterable[str]) -> str:
    return ", ".join(
        f"“{ch}” (U+{ord(ch):04X} {unicodedata.name(ch, '?')})" for ch in sorted(chars)
    )


def check_glyphs(area: str, entries: Iterable[tuple[int, Iterable[str]]]) -> list[Problem]:
    """entries: (stt, texts to print). A problem per voter whose text has a missing glyph."""
    entries = [(stt, [t for t in texts if t]) for stt, texts in entries]
    # Fast path: the characters of the whole area at once (one C-level join and set).
    if not missing_glyphs(["\n".join(t for _, texts in entries for t in texts)]):
        return []
    problems = []
    for stt, texts in entries:
        texts = [t for t in texts if t]
        missing = missing_glyphs(texts)
        if missing:
            bad = next(t for t in texts if set(t) & missing)
            problems.append(
                Problem("glyph", area, {"stt": stt, "chars": _describe(missing), "text": bad})
            )
    return problems


def check_numbers(area: str, stts: Iterable[int], voters_on_list: int) -> list[Problem]:
    """Card numbers are unique in the area and there is one card per voter on the list."""
    counts = Counter(stts)
    problems = [
        Problem("stt", area, {"stt": stt, "times": n}) for stt, n in sorted(counts.items()) if n > 1
    ]
    cards = sum(counts.values())
    if cards != voters_on_list:
        problems.append(Problem("count", area, {"cards": cards, "voters": voters_on_list}))
    return problems


def check_duplicates(area: str, groups: Iterable[Iterable[tuple[str, str, int]]]) -> list[Problem]:
    """groups: unresolved duplicate groups, each a list of (name, polling area code, STT)."""
    problems = []
    for group in groups:
        group = list(group)
        who = "; ".join(f"{name} ({code}, STT {stt})" for name, code, stt in group)
        where = "; ".join(f"{code}, STT {stt}" for _name, code, stt in group)
        problems.append(Problem("duplicate", area, {"who": who, "where": where}))
    return problems
