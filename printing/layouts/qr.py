"""A small QR Code encoder (ISO/IEC 18004, versions 1-3, level M, one block) for the card
numbers, fast enough to run once per card: the matrix of each symbol is 21-29 row bitmasks.

What makes it fast: everything that does not depend on the text is computed once per version
(the function patterns, the format information and the mask over every data module); the
Reed-Solomon code is linear, so the error correction bytes are the XOR of one precomputed
contribution per (position, byte value); each codeword's 8 modules are XORed into the rows
from a precomputed table. The mask is fixed (every mask decodes; the standard's penalty
score only picks the one that scans best, and evaluating eight masks per card costs more
than the rest of the card). General QR libraries (segno, reportlab's widget) take about
1 ms per symbol; this takes some tens of microseconds.
"""

from __future__ import annotations

import re
from functools import cache

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM = {c: i for i, c in enumerate(ALPHANUMERIC)}
# Level M, one block: version → (data codewords, error correction codewords).
BLOCKS = {1: (16, 10), 2: (28, 16), 3: (44, 26)}
MASK = 2  # column % 3 == 0
_RUN = re.compile("1+")
QUIET = 4  # modules of light margin each side, as the standard requires

# GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1.
_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


def _generator(degree: int) -> list[int]:
    """Coefficients of the generator polynomial (highest power first, leading 1 dropped)."""
    result = [0] * degree
    result[-1] = 1
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = _mul(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = _mul(root, 2)
    return result


def rs_remainder(data: list[int], degree: int) -> list[int]:
    """The error correction codewords of `data` (plain polynomial division)."""
    gen = _generator(degree)
    out = [0] * degree
    for b in data:
        factor = b ^ out[0]
        out = out[1:] + [0]
        for i in range(degree):
            out[i] ^= _mul(gen[i], factor)
    return out


def _mask_bit(mask: int, row: int, col: int) -> bool:
    x, y = col, row
    return [
        (x + y) % 2 == 0,
        y % 2 == 0,
        x % 3 == 0,
        (x + y) % 3 == 0,
        (x // 3 + y // 2) % 2 == 0,
        x * y % 2 + x * y % 3 == 0,
        (x * y % 2 + x * y % 3) % 2 == 0,
        ((x + y) % 2 + x * y % 3) % 2 == 0,
    ][mask]


def format_bits(mask: int) -> int:
    """The 15 format bits of level M (whose level bits are 00) and `mask`."""
    data = mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


class _Version:
    """Everything about one version that does not depend on the text."""

    def __init__(self, version: int, mask: int = MASK) -> None:
        self.version = version
        n = self.size = 17 + 4 * version
        self.data_len, self.ec_len = BLOCKS[version]
        dark = [[False] * n for _ in range(n)]
        func = [[False] * n for _ in range(n)]

        def put(row: int, col: int, on: bool) -> None:
            dark[row][col] = on
            func[row][col] = True

        for i in range(n):  # timing patterns
            put(6, i, i % 2 == 0)
            put(i, 6, i % 2 == 0)
        for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):  # finders with their separators
            for dr in range(-1, 8):
                for dc in range(-1, 8):
                    r, c = r0 + dr, c0 + dc
                    if 0 <= r < n and 0 <= c < n:
                        ring = max(abs(dr - 3), abs(dc - 3))
                        put(r, c, ring != 2 and ring != 4)
        if version >= 2:  # the one alignment pattern of versions 2-6
            for dr in range(-2, 3):
                for dc in range(-2, 3):
                    put(n - 7 + dr, n - 7 + dc, max(abs(dr), abs(dc)) != 1)
        bits = format_bits(mask)
        bit = [(bits >> i) & 1 == 1 for i in range(15)]
        for i in range(6):
            put(i, 8, bit[i])
        put(7, 8, bit[6])
        put(8, 8, bit[7])
        put(8, 7, bit[8])
        for i in range(9, 15):
            put(8, 14 - i, bit[i])
        for i in range(8):
            put(8, n - 1 - i, bit[i])
        for i in range(8, 15):
            put(n - 15 + i, 8, bit[i])
        put(n - 8, 8, True)  # the dark module
        # Data modules in placement order (upwards and downwards in two-column strips).
        order: list[tuple[int, int]] = []
        right = n - 1
        while right >= 1:
            if right == 6:
                right = 5
            upward = ((right + 1) & 2) == 0
            for vert in range(n):
                row = n - 1 - vert if upward else vert
                for col in (right, right - 1):
                    if not func[row][col]:
                        order.append((row, col))
            right -= 2
        # Base rows: function patterns, and the mask over every data module (data bit 0,
        # remainder bits included); data bits that are 1 flip their module.
        base = [0] * n
        for r in range(n):
            for c in range(n):
                on = dark[r][c] if func[r][c] else _mask_bit(mask, r, c)
                if on:
                    base[r] |= 1 << (n - 1 - c)
        self.base = tuple(base)
        total = self.data_len + self.ec_len
        # flips[j][value]: (row, xor bits) of codeword j holding `value`.
        self.flips: list[list[tuple[tuple[int, int], ...]]] = []
        for j in range(total):
            cells = order[8 * j : 8 * j + 8]
            per_value = []
            for value in range(256):
                rows: dict[int, int] = {}
                for k, (r, c) in enumerate(cells):
                    if value >> (7 - k) & 1:
                        rows[r] = rows.get(r, 0) | 1 << (n - 1 - c)
                per_value.append(tuple(rows.items()))
            self.flips.append(per_value)
        # RS is linear: the error correction bytes of the data are the XOR of the
        # contributions of each (position, value), packed as one integer.
        self.ec: list[list[int]] = []
        for j in range(self.data_len):
            column = []
            for value in range(256):
                unit = [0] * self.data_len
                unit[j] = value
                column.append(int.from_bytes(bytes(rs_remainder(unit, self.ec_len)), "big"))
            self.ec.append(column)

    def rows(self, data: bytes) -> tuple[int, ...]:
        ec = 0
        for j, value in enumerate(data):
            ec ^= self.ec[j][value]
        codewords = data + ec.to_bytes(self.ec_len, "big")
        rows = list(self.base)
        flips = self.flips
        for j, value in enumerate(codewords):
            for r, bits in flips[j][value]:
                rows[r] ^= bits
        return tuple(rows)


@cache
def _version(version: int) -> _Version:
    return _Version(version)


def data_codewords(text: str) -> tuple[int, bytes]:
    """(version, data codewords) of `text`: alphanumeric mode when it can, else bytes."""
    if all(c in _ALNUM for c in text):
        n = len(text)
        acc, length = 0b0010, 4
        acc, length = (acc << 9) | n, length + 9
        for i in range(0, n - 1, 2):
            acc = (acc << 11) | (_ALNUM[text[i]] * 45 + _ALNUM[text[i + 1]])
            length += 11
        if n % 2:
            acc, length = (acc << 6) | _ALNUM[text[-1]], length + 6
    else:
        raw = text.encode("latin-1")  # ISO 8859-1 is the byte mode's default
        acc, length = (0b0100 << 8) | len(raw), 12
        for b in raw:
            acc, length = (acc << 8) | b, length + 8
    fits = [v for v, (data_len, _) in BLOCKS.items() if length <= data_len * 8]
    if not fits:
        raise ValueError(f"too long for a version 1-3 QR code: {text!r}")
    version = fits[0]
    data_len = BLOCKS[version][0]
    capacity = data_len * 8
    pad = min(4, capacity - length)  # terminator
    acc, length = acc << pad, length + pad
    pad = -length % 8
    acc, length = acc << pad, length + pad
    out = acc.to_bytes(length // 8, "big")
    fill = bytes([0xEC, 0x11] * data_len)[: data_len - len(out)]
    return version, out + fill


def matrix(text: str) -> tuple[int, tuple[int, ...]]:
    """(size, rows) of the symbol: row r's module c is dark if bit (size - 1 - c) is set."""
    version, data = data_codewords(text)
    v = _version(version)
    return v.size, v.rows(data)


CHUNK = 7  # modules per precomputed piece of a row


@cache
def _pieces(size: int) -> tuple[tuple[int, int, tuple[tuple[str, ...], ...]], ...]:
    """Per piece of CHUNK modules of a row: (shift, mask, ops[row][value]), the `re`
    operators of the dark runs of that piece (runs crossing pieces become two rectangles;
    the symbol is filled as one path, so they join seamlessly)."""
    out = []
    for start in range(0, size, CHUNK):
        width = min(CHUNK, size - start)
        shift = size - start - width
        table = []
        for r in range(size):
            y = size - 1 - r
            per_value = []
            for value in range(1 << width):
                bits = f"{value:0{width}b}"
                per_value.append(
                    " ".join(
                        f"{start + m.start()} {y} {m.end() - m.start()} 1 re"
                        for m in _RUN.finditer(bits)
                    )
                )
            table.append(tuple(per_value))
        out.append((shift, (1 << width) - 1, tuple(table)))
    return tuple(out)


def path_ops(text: str, x: float, y: float, module: float) -> str:
    """PDF operators filling the dark modules of `text`'s symbol, as rectangles, with its
    lower left corner at (x, y) (quiet zone not included)."""
    size, rows = matrix(text)
    return rows_ops(size, rows, x, y, module)


def rows_ops(size: int, rows: tuple[int, ...], x: float, y: float, module: float) -> str:
    """The operators of a matrix (see `path_ops`)."""
    parts = [f"q {module:.4f} 0 0 {module:.4f} {x:.3f} {y:.3f} cm"]
    for shift, mask, table in _pieces(size):
        for r, bits in enumerate(rows):
            ops = table[r][bits >> shift & mask]
            if ops:
                parts.append(ops)
    parts.append("f Q")
    return " ".join(parts)
