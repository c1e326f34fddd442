"""List numbers (STT) of a first import computed while the file streams (PostgreSQL staging).

The law's order of a new list (domain.md §2.7) is household by household, households in the
order they first appear, the head of household first, then the file's order. The import's SQL
computes it with two window sorts over every staged row — a third of the time of writing a
city's entries (bench/README.md). Extracts of the population database come grouped: each
polling area's rows in one run, each household's rows together. For such a file the order is
known while it streams: buffer the current household, send its heads first, count per area.

`StreamNumbering` does that on the staged COPY lines and puts the number in front of each, as
the first column of the COPY (`stt_hint`). It checks the grouping as it goes, with memory
bounded by one polling area (the households of the current area, the ids of the areas already
closed); the first row that breaks it (an area or a household that comes back after another
one) ends the numbering and every later line carries NULL. The import uses the numbers only
when the whole file kept the grouping and no staged row was rejected afterwards (a gap in the
numbers); otherwise the SQL window numbering runs as before. `reference_order` is the SQL's
order in Python, for tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

NULL = "\\N"


class StreamNumbering:
    """Feed staged COPY lines in file order with each row's polling area id, household code
    (as staged) and head flag; `emit` gets each line with its number in front (COPY column
    `stt_hint` first). Call `close()` at the end."""

    def __init__(self, emit: Callable[[str], Any]) -> None:
        self.emit = emit
        self.ok = True
        self.area: str | None = None
        self.closed: set[str] = set()
        self.households: set[str] = set()  # of the current area
        self.household: str | None = None
        self.buffer: list[tuple[str, bool]] = []  # (line, is head) of the current household
        self.count = 0
        self.sent = False

    def add(self, line: str, area: str, household: str, head: bool) -> bool:
        """Stage one line; True when `emit` reported a chunk sent (for progress)."""
        self.sent = False
        if not self.ok:
            self._send(NULL, line)
            return self.sent
        if area != self.area:
            self._flush()
            if area in self.closed:
                return self._break(line)
            if self.area is not None:
                self.closed.add(self.area)
            self.area, self.households, self.count = area, set(), 0
        if household == "":  # no household: a household of one, in file order
            self._flush()
            self.count += 1
            self._send(str(self.count), line)
            return self.sent
        if household != self.household:
            self._flush()
            if household in self.households:
                return self._break(line)
            self.households.add(household)
            self.household = household
        self.buffer.append((line, head))
        return self.sent

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        """Send the buffered household: heads first, then the others, each in file order."""
        if self.buffer:
            for wanted in (True, False):
                for line, head in self.buffer:
                    if head is wanted:
                        self.count += 1
                        self._send(str(self.count), line)
            self.buffer = []
        self.household = None

    def _break(self, line: str) -> bool:
        self.ok = False
        self._send(NULL, line)
        return self.sent

    def _send(self, number: str, line: str) -> None:
        if self.emit(f"{number}\t{line}"):
            self.sent = True


def reference_order(rows: Iterable[tuple[int, str, str, bool]]) -> dict[int, int]:
    """The SQL numbering of `_insert_entries` in Python: rows (row number, area, household,
    is head) → {row number: STT}, per area by (first row of the household, head first, row)."""
    rows = list(rows)
    first: dict[tuple[str, str], int] = {}
    for row_no, area, household, _head in rows:
        if household:
            key = (area, household)
            first[key] = min(first.get(key, row_no), row_no)
    ordered = sorted(
        rows,
        key=lambda r: (
            r[1],
            first[(r[1], r[2])] if r[2] else r[0],
            0 if r[3] else 1,
            r[0],
        ),
    )
    numbers: dict[int, int] = {}
    count: dict[str, int] = {}
    for row_no, area, _household, _head in ordered:
        count[area] = count.get(area, 0) + 1
        numbers[row_no] = count[area]
    return numbers
