"""Secondary indexes set aside while a large import writes, and built again after it
(PostgreSQL only).

Keeping a B-tree up to date row by row costs far more than building it once from sorted data:
for 1,000,000 new voters on this project's bench machine the entries-and-ledger statement took
~32 s with the eight secondary indexes in place, and ~7.5 s when the same rows were written to
bare tables and the indexes built after (bench/README.md). So when an import at least doubles a
table (a first city-wide load), its secondary indexes are dropped inside the import's
transaction and created again before it commits. The primary keys stay.

The price is a lock: DROP INDEX takes an ACCESS EXCLUSIVE lock on the table until the import's
transaction ends, so voter pages of every election wait for the rest of that import (seconds
per million rows). `BAUCU_IMPORT_REBUILD_MIN_ROWS` (default 50,000; 0 turns it off) sets how
many new rows an import needs before it is considered. Everything happens in the transaction:
if the import fails, PostgreSQL rolls the drops back with it and the old indexes are intact; a
unique index that no longer holds (another import listed the same ID meanwhile) fails the
import at its rebuild, as the row-by-row insert would have.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

REBUILD_WORK_MEM = "256MB"


@dataclass(frozen=True)
class SecondaryIndex:
    table: str
    name: str
    definition: str  # CREATE [UNIQUE] INDEX … as pg_get_indexdef gives it
    constraint: bool  # the index backs a UNIQUE constraint of the same name


def min_rows() -> int:
    return int(getattr(settings, "BAUCU_IMPORT_REBUILD_MIN_ROWS", 50_000))


def worth_rebuilding(adding: int, present: float, threshold: int) -> bool:
    """Rebuild when the import brings at least `threshold` rows and at least as many as the
    table holds: then one sorted build of every row costs less than inserting the new ones into
    the existing trees (measured ~4× cheaper per row at 1 M), and the lock lasts seconds."""
    return threshold > 0 and adding >= threshold and adding >= max(present, 0)


def table_rows(cur: Any, table: str) -> float:
    """The planner's row estimate; a table never analysed (-1) is counted."""
    cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    (estimate,) = cur.fetchone()
    if estimate >= 0:
        return float(estimate)
    cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return float(cur.fetchone()[0])


def secondary_indexes(cur: Any, table: str) -> list[SecondaryIndex]:
    cur.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid), c.conname IS NOT NULL
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint c
          ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype = 'u'
        WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
        ORDER BY i.relname
        """,
        [table],
    )
    return [SecondaryIndex(table, name, d, bool(c)) for name, d, c in cur.fetchall()]


def _drop(cur: Any, index: SecondaryIndex) -> None:
    q = connection.ops.quote_name
    if index.constraint:
        cur.execute(f"ALTER TABLE {q(index.table)} DROP CONSTRAINT {q(index.name)}")
    else:
        cur.execute(f"DROP INDEX {q(index.name)}")


def _create(cur: Any, index: SecondaryIndex) -> None:
    q = connection.ops.quote_name
    cur.execute(index.definition)
    if index.constraint:
        cur.execute(
            f"ALTER TABLE {q(index.table)} ADD CONSTRAINT {q(index.name)} "
            f"UNIQUE USING INDEX {q(index.name)}"
        )


@contextlib.contextmanager
def indexes_set_aside(cur: Any, adding: dict[str, int]) -> Iterator[list[str]]:
    """Inside an open transaction on PostgreSQL: drop the secondary indexes of each table that
    the coming write at least doubles (`adding`: table → rows the write adds), yield the names
    of the tables set aside, and build their indexes again after the block. On an exception
    nothing is rebuilt: the transaction is failing, and its rollback restores the indexes."""
    threshold = min_rows()
    aside: list[SecondaryIndex] = []
    tables: list[str] = []
    if connection.vendor == "postgresql" and threshold > 0:
        for table, rows in adding.items():
            if rows >= threshold and worth_rebuilding(rows, table_rows(cur, table), threshold):
                found = secondary_indexes(cur, table)
                for index in found:
                    _drop(cur, index)
                aside.extend(found)
                tables.append(table)
    yield tables
    if aside:
        # sorts of a city's rows fit in memory; parallel workers share the build
        cur.execute(f"SET LOCAL maintenance_work_mem = '{REBUILD_WORK_MEM}'")
        for index in aside:
            _create(cur, index)
        cur.execute("SET LOCAL maintenance_work_mem TO DEFAULT")
