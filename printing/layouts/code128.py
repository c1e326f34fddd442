"""Code128 (sets B and C) encoded here and drawn as one filled path.

reportlab's barcode widget draws each bar as its own shape; the card only needs the bars, so
we encode the symbol values (ISO/IEC 15417), and emit one `re … f` run of PDF operators.
"""

from __future__ import annotations

# Bar/space widths (in modules) of symbol values 0..106; 106 is the stop pattern.
PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 "
    "112232 122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 "
    "311222 321122 321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 "
    "112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 "
    "313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 "
    "122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 "
    "114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
START_B, START_C, CODE_B, CODE_C, STOP = 104, 105, 100, 99, 106
QUIET = 10  # modules of white space each side


def _bars(pattern: str) -> tuple[tuple[int, int], ...]:
    """(offset, width) of each bar of a pattern, in modules."""
    out, x = [], 0
    for i, ch in enumerate(pattern):
        w = int(ch)
        if i % 2 == 0:
            out.append((x, w))
        x += w
    return tuple(out)


BARS = tuple(_bars(p) for p in PATTERNS)
WIDTHS = tuple(sum(int(c) for c in p) for p in PATTERNS)


def _digits_from(text: str, i: int) -> int:
    n = i
    while n < len(text) and text[n].isdigit() and text[n].isascii():
        n += 1
    return n - i


def encode(text: str) -> list[int]:
    """Symbol values, start to stop, with the check symbol. Printable ASCII only."""
    if not text or any(not 32 <= ord(c) < 127 for c in text):
        raise ValueError(f"Code128 B/C cannot encode {text!r}")
    values: list[int] = []
    i, n = 0, len(text)
    mode = ""
    while i < n:
        run = _digits_from(text, i)
        at_start = i == 0
        if mode != "C" and (run >= 6 or (run >= 4 and (at_start or i + run == n))):
            if run % 2 and not at_start:
                if not mode:
                    values.append(START_B)
                    mode = "B"
                values.append(ord(text[i]) - 32)
                i += 1
                run -= 1
            values.append(START_C if not mode else CODE_C)
            mode = "C"
            while run >= 2:
                values.append(int(text[i : i + 2]))
                i += 2
                run -= 2
            continue
        if mode != "B":
            values.append(START_B if not mode else CODE_B)
            mode = "B"
        values.append(ord(text[i]) - 32)
        i += 1
    check = values[0] + sum(k * v for k, v in enumerate(values[1:], 1))
    values.append(check % 103)
    values.append(STOP)
    return values


def modules(values: list[int]) -> int:
    return sum(WIDTHS[v] for v in values)


# Each symbol as constant PDF operators in module units (bars of height 1), followed by a
# shift of the coordinate system to the next symbol: drawing a code is a join of constants.
SYMBOL_OPS = tuple(
    " ".join(f"{off} 0 {w} 1 re" for off, w in BARS[v]) + f" f 1 0 0 1 {WIDTHS[v]} 0 cm"
    for v in range(len(PATTERNS))
)


def path_ops(text: str, x: float, y: float, module: float, height: float) -> str:
    """PDF operators filling the bars of `text` with the lower left corner of the first bar
    at (x, y) (quiet zone not included). The graphics state is saved and restored."""
    return (
        f"q {module:.4f} 0 0 {height:.3f} {x:.3f} {y:.3f} cm "
        + " ".join(SYMBOL_OPS[v] for v in encode(text))
        + " Q"
    )


def width(text: str, module: float) -> float:
    return modules(encode(text)) * module
