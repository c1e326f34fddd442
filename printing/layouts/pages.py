"""Pages whose content streams the layout writes itself, added to a reportlab document.

reportlab's canvas costs about as much per page as a card's whole layout: each page gets its
own resource dictionary, every string goes through the text object and the font's subset
splitting, and every stream is ASCII85-encoded. A card page is a Form XObject plus a handful
of strings and bars, so the card layout writes the page's operators itself (`FontEncoder`
turns text into the font's subset codes with a per-character table), and `LeanPages` adds
each page to the canvas's document with one shared resource dictionary and a zlib-compressed
stream. Fonts (subsetting, embedding, ToUnicode), forms and the document structure stay
reportlab's, so text extraction and fonts are exactly as with the canvas.

Deterministic: subset codes are assigned in the order the characters first appear in the
text (never in set order, which changes with the hash seed), streams are compressed with a
fixed zlib level (the fastest).
"""

from __future__ import annotations

import zlib

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas

# zlib's fastest level: on card pages with a QR code, level 6 made the whole card ~1.5x slower
# for streams ~12% smaller (measured interleaved, 4,000 cards: 970 vs 1,100 bytes a card).
_ZLIB_LEVEL = 1


def _escape_byte(b: int) -> str:
    if 32 <= b < 127 and b not in b"()\\":
        return chr(b)
    return f"\\{b:03o}"


_ESCAPED = tuple(_escape_byte(b) for b in range(256))


class FontEncoder:
    """Text to `Tf … Tj` operators for one TrueType font of one document.

    reportlab embeds a TrueType font as subsets of 256 codes; a character's code is assigned
    the first time the document uses it (by the font's own `splitString`, so the embedded
    subsets and their ToUnicode maps are reportlab's). This keeps, per character, its subset
    and escaped code, and per subset its font resource name."""

    def __init__(self, canvas: Canvas, font_name: str) -> None:
        self._font = pdfmetrics.getFont(font_name)
        self._doc = canvas._doc
        self._known: dict[str, tuple[int, str]] = {}
        self._names: list[str] = []
        # Subset-0 characters, as a str.translate table: most strings are entirely in it.
        self._table0: dict[int, str] = {}

    def _learn(self, ch: str) -> None:
        [(subset, code)] = self._font.splitString(ch, self._doc)
        escaped = _ESCAPED[code[0]]
        self._known[ch] = (subset, escaped)
        if subset == 0:
            self._table0[ord(ch)] = escaped
        while len(self._names) <= subset:
            self._names.append(self._font.getSubsetInternalName(len(self._names), self._doc))

    def show(self, text: str, size: str) -> str:
        """Operators drawing `text` at the current text position; `size` is preformatted.
        Nothing for an empty text (a voter with no address: no font is chosen yet then)."""
        if not text:
            return ""
        known = self._known
        if not known.keys() >= set(text):
            for ch in text:  # in text order: codes must not depend on set iteration order
                if ch not in known:
                    self._learn(ch)
        if self._table0.keys() >= set(map(ord, text)):
            return f"{self._names[0]} {size} Tf ({text.translate(self._table0)}) Tj"
        out: list[str] = []
        current = -1
        run: list[str] = []
        for ch in text:
            subset, escaped = known[ch]
            if subset != current:
                if run:
                    out.append(f"({''.join(run)}) Tj")
                    run = []
                out.append(f"{self._names[subset]} {size} Tf")
                current = subset
            run.append(escaped)
        if run:
            out.append(f"({''.join(run)}) Tj")
        return " ".join(out)


class _Stream(pdfdoc.PDFObject):
    """A page's content stream, already compressed."""

    __RefOnly__ = 1

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        head = b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(self.data)
        return head + self.data + b"\nendstream\n"


class _Page(pdfdoc.PDFObject):
    """A page dictionary: its stream, plus what every page of the document shares."""

    __RefOnly__ = 1

    def __init__(self, stream: _Stream, shared: _Shared) -> None:
        self.stream = stream
        self.shared = shared

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        contents = document.Reference(self.stream).format(document)
        return self.shared.head(document) + contents + b"\n>>"


class _Shared:
    def __init__(self, mediabox: bytes, resources: pdfdoc.PDFResourceDictionary) -> None:
        self.mediabox = mediabox
        self.resources = resources
        self._head: bytes | None = None

    def head(self, document: pdfdoc.PDFDocument) -> bytes:
        if self._head is None:
            parent = document.Reference(document.Pages).format(document)
            resources = document.Reference(self.resources).format(document)
            self._head = (
                b"<< /Type /Page /Parent " + parent + b" /MediaBox " + self.mediabox
                + b" /Resources " + resources + b" /Contents "
            )  # fmt: skip
        return self._head


class LeanPages:
    """Adds pages made of raw operators to `canvas`'s document.

    `forms` are the Form XObjects the operators may draw (already begun with `beginForm`).
    If something was drawn on the current page through the canvas API (say, a layer added
    by another feature), the page goes through the canvas's own `showPage` with the
    operators first, so nothing is ever dropped; it is only slower."""

    def __init__(self, canvas: Canvas, forms: list[str]) -> None:
        self.canvas = canvas
        self.forms = forms
        resources = pdfdoc.PDFResourceDictionary()
        resources.basicFonts()
        resources.basicProcs()
        resources.XObject = canvas._doc.xobjDict(forms)
        w, h = canvas._pagesize
        box = f"[ 0 0 {fp_str(w)} {fp_str(h)} ]".encode()
        self._shared = _Shared(box, resources)

    def add(self, ops: str) -> None:
        c = self.canvas
        if c._code:
            c._code[0:0] = ["q", ops, "Q"]  # ours first, in the initial graphics state
            c._formsinuse.extend(self.forms)
            c.showPage()
            return
        data = zlib.compress(ops.encode("latin-1"), _ZLIB_LEVEL)
        c._doc.addPage(_Page(_Stream(data), self._shared))
        c._pageNumber += 1  # as showPage does: getPageNumber() stays right
