"""Import a voter list file (formats.md §2): stream, validate, stage, diff, apply set-based.

1. Stream the rows (CSV, or XLSX through python-calamine), validate each row (the cached fast
   path of rules.FastRowValidator, else voters.rules.validate_row), and put the good rows into
   a temporary staging table (PostgreSQL: one COPY fed by a writer thread while this thread
   validates; SQLite: executemany in chunks).
2. Set-based checks in SQL: the same ID twice in the file, an ID already listed in a polling
   area outside the import's unit, likely duplicates (same folded name and birth, other ID).
3. Diff against the lists of the unit: new, updated, unchanged, moved between areas, removed
   from the source (areas covered by the file only; rows rejected for a typo are not removed).
4. Unless dry-run (or errors in all-or-nothing mode), apply in the same transaction: UPDATE …
   FROM staging for corrections, removals and moves keep the old entry (status removed, STT
   kept), INSERT … SELECT new entries numbered after the last STT of their area, household by
   household, head first; one ledger event per changed entry (INSERT … SELECT) and one audit
   event for the import. An import that at least doubles the voter table (a first city-wide
   load) writes with the secondary indexes set aside and builds them after (index_rebuild).
Re-importing the same file changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import queue
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from common.audit import record
from election.models import AdminUnit, Election, PollingArea, UnitAncestry
from voters import rules
from voters.models import Voter
from voters.services.counts import refresh_area_counts
from voters.services.index_rebuild import indexes_set_aside
from voters.services.stream_numbering import StreamNumbering

CHUNK = 10_000
MAX_ERRORS_KEPT = 20_000
MAX_DUPLICATES_KEPT = 2_000
SQLITE_CACHE_KIB = 256 * 1024


class ImportRefused(Exception):
    """The whole file cannot be taken (no header row, lists closed, unreadable file)."""


# --- reading ---------------------------------------------------------------------------------


def read_table(path: Path) -> Iterator[list[Any]]:
    """Rows of the first sheet (XLSX via python-calamine) or of a CSV (UTF-8, `,` or `;`)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        sheet = wb.get_sheet_by_index(0)
        yield from sheet.iter_rows()
        return
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        head = fh.read(4096)
        fh.seek(0)
        delimiter = ";" if head.count(";") > head.count(",") else ","
        yield from csv.reader(fh, delimiter=delimiter)


def estimate_rows(path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        try:
            from python_calamine import CalamineWorkbook

            return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).height
        except Exception:  # noqa: BLE001 - an estimate only
            return 0
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
    return n


# --- results ---------------------------------------------------------------------------------


@dataclass
class AreaSummary:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    moved_in: int = 0
    moved_out: int = 0
    removed: int = 0
    staff_removed: int = 0  # taken off by staff and still in the source: left as they are
    staff_added: int = 0  # put on the list by staff, not in the source: kept
    duplicates: int = 0
    rejected: int = 0
    flagged: int = 0


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    staff_removed: int = 0  # rows whose entry staff took off the list: never re-created
    staff_added: int = 0  # entries staff put on the list that the file lacks: not removed
    rejected: int = 0
    flagged: int = 0  # year-only birth dates in the boundary year: a person checks the age
    flagged_rows: list[dict[str, Any]] = field(default_factory=list)  # the first of them
    errors: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: dict[int, list[Any]] = field(default_factory=dict)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    duplicate_count: int = 0
    areas: dict[str, AreaSummary] = field(default_factory=dict)
    header_row: int = 0
    headers: list[str] = field(default_factory=list)
    header_map: dict[str, int] = field(default_factory=dict)
    applied: bool = False
    first_import: bool = False  # no entry of the unit to match: the matching was skipped
    indexes_rebuilt: list[str] = field(default_factory=list)  # tables whose indexes were rebuilt
    stt_hints: bool = False  # the file was grouped: STT computed while staging (stream_numbering)
    batch: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The `--json` object of formats.md §2 (plus details)."""
        return {
            "rows": self.rows,
            "created": self.created if self.applied else 0,
            "updated": self.updated if self.applied else 0,
            "unchanged": self.unchanged,
            "moved": self.moved if self.applied else 0,
            "removed": self.removed if self.applied else 0,
            "staff_removed": self.staff_removed,
            "staff_added": self.staff_added,
            "rejected": self.rejected,
            "flagged": self.flagged,
            "possible_duplicates": self.duplicate_count,
            "applied": self.applied,
            "would": {
                "created": self.created,
                "updated": self.updated,
                "moved": self.moved,
                "removed": self.removed,
            },
            "errors": self.errors,
        }

    def preview(self) -> dict[str, Any]:
        """What the preview page shows (no personal data beyond the duplicate pairs)."""
        return {
            **{k: v for k, v in self.as_json().items() if k != "errors"},
            "would": {
                "created": self.created,
                "updated": self.updated,
                "moved": self.moved,
                "removed": self.removed,
            },
            "areas": {code: vars(s) for code, s in sorted(self.areas.items())},
            "errors": self.errors[:500],
            "error_count": len(self.errors),
            "flagged_rows": self.flagged_rows[:500],
            "duplicates": self.duplicates[:200],
        }


# --- the import ------------------------------------------------------------------------------

_STG_COLUMNS = ["row_no", *rules.STAGE_FIELDS]
# Fields a newer extract may correct (compared IS DISTINCT FROM).
_COMPARED = [f for f in rules.PERSON_FIELDS if f != "national_id"]

_STG_DDL = """
CREATE TEMP TABLE voters_stg (
    row_no integer NOT NULL,
    national_id varchar(12) NOT NULL,
    full_name varchar(200) NOT NULL,
    search_key varchar(200) NOT NULL,
    birth_date date NULL,
    birth_year smallint NOT NULL,
    sex varchar(1) NOT NULL,
    ethnicity varchar(64) NOT NULL,
    occupation varchar(200) NOT NULL,
    permanent_address varchar(300) NOT NULL,
    temporary_address varchar(300) NOT NULL,
    temporary_since date NULL,
    residence varchar(16) NOT NULL,
    contest_scope varchar(16) NOT NULL,
    household_code varchar(32) NOT NULL,
    is_head boolean NOT NULL,
    relation varchar(64) NOT NULL,
    polling_area_id bigint NOT NULL,
    match_id bigint NULL,
    match_area bigint NULL,
    match_status varchar(16) NULL,
    kind varchar(16) NOT NULL DEFAULT 'new',
    stt_hint integer NULL
){suffix}
"""


_STG_TABLES = (
    "voters_cls",
    "voters_stg",
    "voters_stg_scope",
    "voters_stg_bad",
    "voters_stg_gone",
    "voters_stg_rej",
)


# Entries of the import's unit that a person took off the list (died, became ineligible, could
# not be reached, duplicate merged, removed, moved out by a typed change): the last event that
# changed the entry's count (delta ≠ 0) is a removal recorded outside any import (batch ''). One
# row per (ID, area): the latest such entry. Parameter: the election.
_STAFF_REMOVED = """
    SELECT x.national_id, x.polling_area_id, MAX(x.id) AS id FROM voters_voter x
    WHERE x.election_id = %s AND x.status = 'removed'
      AND x.polling_area_id IN (SELECT area_id FROM voters_stg_scope)
      AND EXISTS (
          SELECT 1 FROM voters_voterevent ev
          WHERE ev.voter_id = x.id AND ev.delta < 0 AND ev.batch = ''
            AND NOT EXISTS (SELECT 1 FROM voters_voterevent later
                            WHERE later.voter_id = x.id AND later.delta <> 0
                              AND later.id > ev.id))
    GROUP BY x.national_id, x.polling_area_id
"""


def _tick() -> float:
    return time.perf_counter()


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _exec(cur: Any, sql: str, params: Any = None) -> int:
    cur.execute(sql, params)
    return cur.rowcount


def _make_staging(cur: Any) -> None:
    for t in _STG_TABLES:
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    suffix = " ON COMMIT DROP" if _pg() else ""
    cur.execute(_STG_DDL.format(suffix=suffix))
    cur.execute(f"CREATE TEMP TABLE voters_stg_scope (area_id bigint PRIMARY KEY){suffix}")
    cur.execute(f"CREATE TEMP TABLE voters_stg_bad (national_id varchar(12) NOT NULL){suffix}")
    cur.execute(
        "CREATE TEMP TABLE voters_stg_gone (voter_id bigint PRIMARY KEY, "
        f"polling_area_id bigint NOT NULL){suffix}"
    )
    cur.execute(f"CREATE TEMP TABLE voters_stg_rej (row_no integer){suffix}")


class _CopyFeed:
    """The file-like object COPY reads from: chunks of COPY text put by the validating thread.

    PostgreSQL: one COPY into staging for the whole file, run by a writer thread while this
    thread reads and validates (psycopg2 sends each chunk without holding the GIL, and the
    server parses it on its own core). The queue is short, so memory stays flat in N."""

    def __init__(self, cur: Any) -> None:
        self.queue: queue.Queue[str | BaseException | None] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        cols = ", ".join(["stt_hint", *_STG_COLUMNS])  # lines numbered by StreamNumbering
        self.thread = threading.Thread(
            target=self._copy, args=(cur.cursor, f"COPY voters_stg ({cols}) FROM STDIN"),
            name="voters-import-copy", daemon=True,
        )  # fmt: skip
        self.thread.start()

    def _copy(self, raw_cursor: Any, sql: str) -> None:
        try:
            raw_cursor.copy_expert(sql, self, size=1 << 20)
        except BaseException as exc:  # noqa: BLE001 - handed to the validating thread
            self.error = exc

    def read(self, size: int = -1) -> str:
        item = self.queue.get()
        if item is None:
            return ""
        if isinstance(item, BaseException):
            raise item
        return item

    readline = read

    def put(self, item: str | BaseException | None) -> None:
        while True:
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self.thread.is_alive():
                    self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error
        raise RuntimeError("the COPY into staging stopped")

    def close(self, *, failed: bool = False) -> None:
        """End the COPY (or abort it when the import failed) and wait for the thread."""
        if self.thread.is_alive():
            try:
                self.put(RuntimeError("import aborted") if failed else None)
            except BaseException:  # noqa: BLE001 - the thread already ended
                pass
            self.thread.join()
        if self.error is not None and not failed:
            self._raise()


class _Stager:
    """Puts staged rows into voters_stg in chunks: COPY text lines through a _CopyFeed on
    PostgreSQL, tuples by executemany on SQLite."""

    def __init__(self, cur: Any) -> None:
        self.cur = cur
        self.chunk = CHUNK
        self.buf: list[Any] = []
        self.feed = _CopyFeed(cur) if _pg() else None

    def add(self, row: Any) -> bool:
        """Stage a row (a COPY line or a tuple); True when a chunk was sent."""
        self.buf.append(row)
        if len(self.buf) >= self.chunk:
            self.flush()
            return True
        return False

    def flush(self) -> None:
        if not self.buf:
            return
        if self.feed is not None:
            self.feed.put("".join(self.buf))
        else:  # the sqlite3 cursor itself: Django's wrapper costs more than the insert here
            marks = ", ".join(["?"] * len(_STG_COLUMNS))
            self.cur.cursor.executemany(
                f"INSERT INTO voters_stg ({', '.join(_STG_COLUMNS)}) VALUES ({marks})", self.buf
            )
        self.buf = []

    def close(self, *, failed: bool = False) -> None:
        if not failed:
            self.flush()
        if self.feed is not None:
            self.feed.close(failed=failed)


def _binary() -> str:
    """Group by bytes, not by the locale's collation (PostgreSQL; SQLite always does)."""
    return ' COLLATE "C"' if _pg() else ""


def scope_area_ids(election: Election, unit: AdminUnit | None) -> set[int]:
    qs = PollingArea.objects.filter(election=election)
    if unit is not None:
        qs = qs.filter(
            unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")
        )
    return set(qs.values_list("id", flat=True))


def cutoff_enforced(election: Election) -> bool:
    """Is the 24-hour cut-off applied? Rehearsal elections and the demo are never closed."""
    from django.conf import settings

    if election.is_rehearsal or getattr(settings, "BAUCU_DEMO", False):
        return False
    return bool(getattr(settings, "VOTERS_ENFORCE_CUTOFF", True))


def lists_open(
    election: Election, now: dt.datetime | None = None, polling_day: dt.date | None = None
) -> bool:
    """Changes allowed (Art 30, 32)? Until 24 hours before voting starts on `polling_day`: a
    polling area's own polling day (`PollingArea.effective_polling_day`, earlier than election
    day for early voting), else election day."""
    if not cutoff_enforced(election):
        return True
    return rules.changes_allowed(now or timezone.now(), polling_day or election.date)


def closed_areas(
    election: Election, polling_days: dict[int, dt.date | None], now: dt.datetime
) -> dict[int, dt.datetime]:
    """{area id: cut-off} of the polling areas whose own cut-off has passed (none when the
    cut-off is not enforced); `polling_days` maps area ids to their own polling day or None."""
    if not cutoff_enforced(election):
        return {}
    out = {}
    for area_id, day in polling_days.items():
        close = rules.changes_close(day or election.date)
        if now >= close:
            out[area_id] = close
    return out


def import_voters(
    *,
    election: Election,
    path: Path,
    actor: Any,
    unit: AdminUnit | None = None,
    mode: str = "all",
    dry_run: bool = False,
    source: str = "cli",
    progress: Callable[[int, str], None] | None = None,
    now: dt.datetime | None = None,
    enforce_cutoff: bool = True,
) -> ImportResult:
    """Import (or, with dry_run, only check) a voter list file. See the module docstring."""
    if mode not in ("all", "valid"):
        raise ValueError("mode must be 'all' or 'valid'")
    now = now or timezone.now()
    if enforce_cutoff and not dry_run and not lists_open(election, now):
        close = rules.changes_close(election.date)
        raise ImportRefused(
            "Đã hết thời hạn thay đổi danh sách cử tri (24 giờ trước khi bắt đầu bỏ phiếu, "
            f"{close:%H:%M %d/%m/%Y}); không thể nhập."
        )
    result = ImportResult(batch=uuid.uuid4().hex[:16])
    result.timings["prepare"] = _tick()
    with transaction.atomic():
        _run(
            result,
            election=election,
            path=Path(path),
            actor=actor,
            unit=unit,
            mode=mode,
            dry_run=dry_run,
            source=source,
            progress=progress,
            now=now,
            enforce_cutoff=enforce_cutoff,
        )
        if not result.applied:
            transaction.set_rollback(True)  # staging and checks leave nothing behind
        elif not _pg():
            with connection.cursor() as cur:
                for t in _STG_TABLES:
                    cur.execute(f"DROP TABLE IF EXISTS {t}")
        result.timings["commit"] = _tick()
    _durations(result)
    return result


def _run(
    result: ImportResult,
    *,
    election: Election,
    path: Path,
    actor: Any,
    unit: AdminUnit | None,
    mode: str,
    dry_run: bool,
    source: str,
    progress: Callable[[int, str], None] | None,
    now: dt.datetime,
    enforce_cutoff: bool = True,
) -> None:
    area_rows = PollingArea.objects.filter(election=election).values_list(
        "id", "code", "kind", "unit_id", "polling_day"
    )
    areas_all = {
        code: rules.AreaInfo(pk, kind, unit_id) for pk, code, kind, unit_id, _day in area_rows
    }
    code_of = {info.id: code for code, info in areas_all.items()}
    allowed = scope_area_ids(election, unit)
    # areas of the unit past their own cut-off (an early polling day): their rows are refused,
    # and no entry of theirs is moved away (in the preview too, which must predict the apply)
    closed = (
        closed_areas(election, {pk: day for pk, _c, _k, _u, day in area_rows if pk in allowed}, now)
        if enforce_cutoff
        else {}
    )
    election_day = election.date
    errors = result.errors
    bad_ids: list[str] = []
    area_summary: dict[str, AreaSummary] = defaultdict(AreaSummary)

    def add_error(row_no: int, column: str, reason: str, area: str = "") -> None:
        if len(errors) < MAX_ERRORS_KEPT:
            errors.append({"row": row_no, "column": column, "reason": reason, "area": area})

    result.timings["read_validate_stage"] = _tick()
    with connection.cursor() as cur, _tuned_for_import(cur):
        if _pg():
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [7_000_000 + election.pk])
        _make_staging(cur)
        cur.executemany(
            "INSERT INTO voters_stg_scope (area_id) VALUES (%s)", [(a,) for a in sorted(allowed)]
        )

        # 1. stream, validate, stage ------------------------------------------------------
        rejected_rows: set[int] = set()
        _FileStager(
            result, areas=areas_all, allowed=allowed, election_day=election_day,
            add_error=add_error, area_summary=area_summary, bad_ids=bad_ids,
            rejected_rows=rejected_rows, closed=closed,
        ).run(cur, path, progress)  # fmt: skip
        result.timings["index_file_duplicates"] = _tick()
        if progress:
            progress(result.rows, "Đang đối chiếu với danh sách hiện có")
        if _pg():
            _analyze_staging(cur)
        else:  # SQLite joins by index; PostgreSQL hashes
            cur.execute("CREATE INDEX voters_stg_nid ON voters_stg (national_id)")
            cur.execute("CREATE INDEX voters_stg_key ON voters_stg (search_key, birth_year)")
        if bad_ids:
            cur.executemany(
                "INSERT INTO voters_stg_bad (national_id) VALUES (%s)", [(i,) for i in bad_ids]
            )

        # 2a. the same ID twice in the file: every occurrence is rejected -------------------
        cur.execute(
            """
            SELECT s.row_no, s.national_id, s.polling_area_id,
                   (SELECT MIN(t.row_no) FROM voters_stg t
                    WHERE t.national_id = s.national_id AND t.row_no <> s.row_no)
            FROM voters_stg s
            WHERE s.national_id IN (
                SELECT national_id FROM voters_stg GROUP BY national_id HAVING COUNT(*) > 1)
            ORDER BY s.row_no
            """
        )
        dup_rows = cur.fetchall()
        nid_col = rules.HEADERS["national_id"]
        for row_no, nid, area_id, other in dup_rows:
            add_error(
                row_no,
                nid_col,
                f"Số định danh {nid} trùng với dòng {other} trong tệp",
                code_of.get(area_id, ""),
            )
            area_summary[code_of.get(area_id, "?")].rejected += 1
        if dup_rows:
            _reject_rows(cur, [r[0] for r in dup_rows], result, rejected_rows)

        # 2b. an ID listed in a polling area outside the import's unit ---------------------
        listed = "'listed'"
        result.timings["checks"] = _tick()
        cur.execute(
            f"""
            SELECT s.row_no, s.national_id, s.polling_area_id, v.polling_area_id
            FROM voters_stg s JOIN voters_voter v
              ON v.election_id = %s AND v.national_id = s.national_id AND v.status = {listed}
            WHERE v.polling_area_id NOT IN (SELECT area_id FROM voters_stg_scope)
              AND NOT EXISTS (
                  SELECT 1 FROM voters_voter e
                  WHERE e.election_id = %s AND e.national_id = s.national_id
                    AND e.status = 'elsewhere' AND e.polling_area_id = s.polling_area_id)
              AND NOT EXISTS (
                  SELECT 1 FROM voters_voter o
                  JOIN voters_voterevent mo
                    ON mo.voter_id = o.id AND mo.kind = 'moved_out' AND mo.batch = ''
                  WHERE o.election_id = %s AND o.national_id = s.national_id
                    AND o.status = 'removed' AND o.polling_area_id = s.polling_area_id
                    AND (mo.related_id = v.id OR EXISTS (
                        SELECT 1 FROM voters_voterevent mi
                        WHERE mi.voter_id = v.id AND mi.kind = 'moved_in'
                          AND mi.related_id = o.id)))
            ORDER BY s.row_no
            """,
            [election.pk, election.pk, election.pk],
        )
        conflicts = cur.fetchall()
        if conflicts:
            area_names = dict(
                PollingArea.objects.filter(id__in={c[3] for c in conflicts}).values_list(
                    "id", "unit__name"
                )
            )
            for row_no, nid, area_id, other_area in conflicts:
                add_error(
                    row_no,
                    nid_col,
                    f"Số định danh {nid} đã có trong danh sách cử tri khu vực "
                    f"{code_of.get(other_area, '?')} ({area_names.get(other_area, '')}); "
                    "một cử tri chỉ được ghi tên ở một nơi",
                    code_of.get(area_id, ""),
                )
                area_summary[code_of.get(area_id, "?")].rejected += 1
            _reject_rows(cur, [c[0] for c in conflicts], result, rejected_rows)

        # 3. match and classify in one pass (a new narrow-free table, no UPDATEs of staging):
        # the listed entry in the row's own area (compared: updated or unchanged), else an
        # entry voting elsewhere from this very area (unchanged), else an entry of this area
        # that staff took off the list (died, became ineligible, moved out …: staff_removed,
        # left as it is), else the listed entry in another area of the unit (moved), else new.
        # A staff decision is never undone by a file that predates it: the source extract
        # still holds the person, but they are not re-created nor moved back.
        # A first import (no entry on the lists of the unit yet) has nothing to match: every
        # staged row is new (the staging default) and nothing is removed from the source.
        result.timings["classify"] = _tick()
        result.first_import = not _scope_has_entries(cur, election)
        if not result.first_import:
            distinct = " OR ".join(f"l.{c} IS DISTINCT FROM s.{c}" for c in _COMPARED)
            cols = ", ".join(f"s.{c}" for c in _STG_COLUMNS)
            suffix = " ON COMMIT DROP" if _pg() else ""
            same = "l.polling_area_id = s.polling_area_id"
            cur.execute(
                f"""
                CREATE TEMP TABLE voters_cls{suffix} AS
                SELECT {cols},
                       CASE WHEN {same} THEN l.id WHEN e.id IS NOT NULL THEN e.id
                            WHEN r.id IS NOT NULL THEN r.id ELSE l.id END AS match_id,
                       CASE WHEN {same} OR (e.id IS NULL AND r.id IS NULL) THEN l.polling_area_id
                            ELSE s.polling_area_id END AS match_area,
                       CASE WHEN {same} THEN 'listed' WHEN e.id IS NOT NULL THEN 'elsewhere'
                            WHEN r.id IS NOT NULL THEN 'removed'
                            WHEN l.id IS NOT NULL THEN 'listed' END AS match_status,
                       CASE WHEN {same} AND ({distinct}) THEN 'updated'
                            WHEN {same} THEN 'unchanged'
                            WHEN e.id IS NOT NULL THEN 'unchanged'
                            WHEN r.id IS NOT NULL THEN 'staff_removed'
                            WHEN l.id IS NOT NULL THEN 'moved'
                            ELSE 'new' END AS kind
                FROM voters_stg s
                LEFT JOIN voters_voter l
                  ON l.election_id = %s AND l.national_id = s.national_id AND l.status = {listed}
                 AND l.polling_area_id IN (SELECT area_id FROM voters_stg_scope)
                LEFT JOIN (
                    SELECT national_id, polling_area_id, MIN(id) AS id FROM voters_voter
                    WHERE election_id = %s AND status = 'elsewhere'
                    GROUP BY national_id, polling_area_id
                ) e ON e.national_id = s.national_id AND e.polling_area_id = s.polling_area_id
                LEFT JOIN ({_STAFF_REMOVED}) r
                  ON r.national_id = s.national_id AND r.polling_area_id = s.polling_area_id
                """,
                [election.pk, election.pk, election.pk],
            )
            cur.execute("DROP TABLE voters_stg")
            cur.execute("ALTER TABLE voters_cls RENAME TO voters_stg")
            if _pg():
                _analyze_staging(cur)
            else:
                cur.execute("CREATE INDEX voters_stg_nid2 ON voters_stg (national_id)")
                cur.execute("CREATE INDEX voters_stg_key2 ON voters_stg (search_key, birth_year)")
            # removed from the source: listed in an area the file covers, not in the file
            cur.execute(
                f"""
                INSERT INTO voters_stg_gone (voter_id, polling_area_id)
                SELECT v.id, v.polling_area_id FROM voters_voter v
                WHERE v.election_id = %s AND v.status = {listed} AND v.residence <> 'elsewhere'
                  AND v.polling_area_id IN (SELECT area_id FROM voters_stg_scope)
                  AND v.polling_area_id IN (SELECT DISTINCT polling_area_id FROM voters_stg)
                  AND NOT EXISTS (SELECT 1 FROM voters_stg s WHERE s.national_id = v.national_id)
                  AND NOT EXISTS (SELECT 1 FROM voters_stg_bad b
                                  WHERE b.national_id = v.national_id)
                """,
                [election.pk],
            )
            # … but not an entry staff put on the list (registered, moved in, restored): the
            # source extract predates it; looked up by the few candidates' ids
            cur.execute(
                """
                SELECT g.polling_area_id, COUNT(*) FROM voters_stg_gone g
                WHERE EXISTS (SELECT 1 FROM voters_voterevent ev
                              WHERE ev.voter_id = g.voter_id AND ev.delta > 0
                                AND ev.batch = '')
                GROUP BY g.polling_area_id
                """
            )
            for area_id, n in cur.fetchall():
                area_summary[code_of[area_id]].staff_added += n
                result.staff_added += n
            if result.staff_added:
                cur.execute(
                    """
                    DELETE FROM voters_stg_gone
                    WHERE EXISTS (SELECT 1 FROM voters_voterevent ev
                                  WHERE ev.voter_id = voters_stg_gone.voter_id
                                    AND ev.delta > 0 AND ev.batch = '')
                    """
                )

        if closed and not result.first_import:
            # a move out of an area past its cut-off would change its closed list
            cur.execute(
                "SELECT row_no, national_id, polling_area_id, match_area FROM voters_stg "
                "WHERE kind = 'moved' ORDER BY row_no"
            )
            late = [r for r in cur.fetchall() if r[3] in closed]
            for row_no, nid, area_id, old_area in late:
                add_error(
                    row_no,
                    nid_col,
                    f"Số định danh {nid} đang có tên ở khu vực bỏ phiếu "
                    f"{code_of.get(old_area, '?')}, đã hết thời hạn thay đổi danh sách "
                    f"({closed[old_area]:%H:%M %d/%m/%Y}); không chuyển được",
                    code_of.get(area_id, ""),
                )
                area_summary[code_of.get(area_id, "?")].rejected += 1
            if late:
                _reject_rows(cur, [r[0] for r in late], result, rejected_rows)

        touched: set[int] = set()  # areas whose counts the import changes
        cur.execute("SELECT polling_area_id, kind, COUNT(*) FROM voters_stg GROUP BY 1, 2")
        for area_id, kind, n in cur.fetchall():
            s = area_summary[code_of[area_id]]
            if kind not in ("unchanged", "staff_removed"):
                touched.add(area_id)
            if kind == "new":
                s.new += n
                result.created += n
            elif kind == "updated":
                s.updated += n
                result.updated += n
            elif kind == "unchanged":
                s.unchanged += n
                result.unchanged += n
            elif kind == "moved":
                s.moved_in += n
                result.moved += n
            elif kind == "staff_removed":
                s.staff_removed += n
                result.staff_removed += n
        if result.moved:
            cur.execute(
                "SELECT match_area, COUNT(*) FROM voters_stg WHERE kind = 'moved' GROUP BY 1"
            )
            for area_id, n in cur.fetchall():
                area_summary[code_of[area_id]].moved_out += n
                touched.add(area_id)
        cur.execute("SELECT polling_area_id, COUNT(*) FROM voters_stg_gone GROUP BY 1")
        for area_id, n in cur.fetchall():
            area_summary[code_of[area_id]].removed += n
            result.removed += n
            touched.add(area_id)

        # likely duplicates: same folded name and birth, different ID (file or lists) -----
        result.timings["possible_duplicates"] = _tick()
        if result.created or result.moved:
            _find_duplicates(cur, election, result, code_of, area_summary)

        result.rejected = len(rejected_rows)
        result.areas = dict(area_summary)
        if dry_run or (errors and mode == "all"):
            return
        if progress:
            progress(result.rows, "Đang ghi danh sách")
        result.timings["apply"] = _tick()
        _apply(
            cur, election=election, actor=actor, now=now, source=source, result=result,
            progress=progress,
        )  # fmt: skip
        result.timings["area_counts"] = _tick()
        refresh_area_counts(election_id=election.pk, area_ids=touched)
    result.applied = True
    result.timings["audit"] = _tick()
    record(
        actor=actor,
        action="voters.imported",
        object_type="voters.VoterImport",
        object_id=result.batch,
        object_repr=path.name[:200],
        unit_id=unit.pk if unit else election.root_id,
        election_id=election.pk,
        source=source,
        extra={
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "moved": result.moved,
            "removed": result.removed,
            "rejected": result.rejected,
            "mode": mode,
        },
    )


@dataclass
class _FileStager:
    """Reads the file, validates every row and stages the good ones: the hot loop of an import.
    Clean rows take FastRowValidator and come out ready to send; the rest go through
    validate_row, whose errors are recorded with their row number."""

    result: ImportResult
    areas: dict[str, rules.AreaInfo]
    allowed: set[int]
    election_day: dt.date
    add_error: Callable[..., None]
    area_summary: dict[str, AreaSummary]
    bad_ids: list[str]
    rejected_rows: set[int]
    closed: dict[int, dt.datetime] = field(default_factory=dict)
    copy: bool = field(default_factory=_pg)
    header: dict[str, int] = field(default_factory=dict)
    # the last staged row's (area id, household code as staged, is head), for StreamNumbering
    key: tuple[str, str, bool] = ("", "", False)

    def run(self, cur: Any, path: Path, progress: Callable[[int, str], None] | None) -> None:
        result = self.result
        stager = _Stager(cur)
        numbering = StreamNumbering(stager.add) if self.copy else None
        ok = False
        row_no = 0
        try:
            rows = iter(read_table(path))
            self._find_header(rows)
            fast = rules.FastRowValidator(
                header=self.header, election_day=self.election_day, areas=self.areas,
                allowed_area_ids=self.allowed - self.closed.keys(), copy=self.copy,
            )  # fmt: skip
            add = stager.add
            number = numbering.add if numbering is not None else None
            n = 0
            row_no = result.header_row
            for row_no, cells in enumerate(rows, start=result.header_row + 1):
                staged = fast(cells, row_no)
                if staged is None:
                    if not any(c not in (None, "") for c in cells):
                        continue  # blank line
                    staged = self._check(cells, row_no)
                    n += 1
                    if staged is None:
                        continue
                    key = self.key
                else:
                    n += 1
                    key = fast.key
                sent = add(staged) if number is None else number(staged, *key)
                if sent and progress:
                    progress(n, "Đang đọc và kiểm tra tệp")
            result.rows = n
            if numbering is not None:
                numbering.close()
                result.stt_hints = numbering.ok
            ok = True
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportRefused(
                f"Không đọc được tệp sau dòng {row_no}: {exc}. Hãy lưu lại tệp dạng CSV UTF-8 "
                "hoặc XLSX."
            ) from exc
        finally:
            stager.close(failed=not ok)

    def _find_header(self, rows: Iterator[Any]) -> None:
        result = self.result
        for row_no, cells in enumerate(rows, start=1):
            header = rules.match_headers(list(cells))
            if header is not None:
                self.header = header
                result.header_row = row_no
                result.headers = [str(c) if c is not None else "" for c in cells]
                result.header_map = dict(header)
                return
            if row_no >= 30:
                break
        raise ImportRefused(
            "Không tìm thấy dòng tiêu đề (cần các cột: "
            + ", ".join(rules.HEADERS[k] for k in rules.REQUIRED)
            + ")."
        )

    def _check(self, cells: Any, row_no: int) -> Any:
        """A row the fast path did not take: validate_row decides. Returns the staged row, or
        None when the row is rejected."""
        result = self.result
        raw = {key: (cells[i] if i < len(cells) else None) for key, i in self.header.items()}
        check = rules.validate_row(
            raw,
            election_day=self.election_day,
            areas=self.areas,
            allowed_area_ids=self.allowed,
            closed_areas=self.closed,
        )
        code = str(raw.get("area_code") or "").strip()
        if check.record is None:
            self.rejected_rows.add(row_no)
            if len(result.bad_rows) < MAX_ERRORS_KEPT:
                result.bad_rows[row_no] = list(cells)
            for column, reason in check.errors:
                self.add_error(row_no, column, reason, code)
            if check.national_id:
                self.bad_ids.append(check.national_id)
            self.area_summary[code if code in self.areas else "?"].rejected += 1
            return None
        if "year_only_boundary" in check.flags:
            result.flagged += 1
            self.area_summary[code].flagged += 1
            if len(result.flagged_rows) < MAX_ERRORS_KEPT:
                limit = rules.latest_birth_date(self.election_day)
                result.flagged_rows.append(
                    {
                        "row": row_no,
                        "area": code,
                        "column": rules.HEADERS["birth"],
                        "reason": f"Chỉ có năm sinh {check.record['birth_year']}: cần kiểm tra "
                        f"ngày sinh vào hoặc trước ngày {limit:%d/%m/%Y} (đủ 18 tuổi)",
                    }
                )
        if self.copy:
            record = check.record
            self.key = (
                str(record["polling_area_id"]),
                rules.copy_text(record["household_code"]),
                bool(record["is_head"]),
            )
            return rules.copy_line(row_no, record)
        return (row_no, *(check.record[k] for k in rules.STAGE_FIELDS))


@contextlib.contextmanager
def _tuned_for_import(cur: Any) -> Iterator[None]:
    """Settings for bulk set-based work, for the import's transaction only. PostgreSQL: no JIT
    (compiling one-off statements costs more than it saves), 64 MB per hash or sort (a city's
    rows spill at the default 4 MB), and hash joins rather than merge joins (which sort the
    names with the locale's collation: 6× slower on the likely-duplicate search). SQLite: a
    256 MB page cache (the default 2 MB thrashes on the indexes of a big insert), restored
    after."""
    if _pg():
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL enable_mergejoin = off")
        yield
        return
    cur.execute("PRAGMA cache_size")
    (before,) = cur.fetchone()
    cur.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        cur.execute(f"PRAGMA cache_size = {int(before)}")


def _analyze_staging(cur: Any) -> None:
    """Statistics for the temporary staging table (PostgreSQL has none otherwise); a small
    sample is enough to choose hash joins, and costs a tenth of the default one."""
    cur.execute("SET LOCAL default_statistics_target = 10")
    cur.execute("ANALYZE voters_stg")
    cur.execute("SET LOCAL default_statistics_target TO DEFAULT")


def _scope_has_entries(cur: Any, election: Election) -> bool:
    """Does any polling area of the import's unit hold an entry the file could match (listed,
    voting elsewhere, or taken off by staff, which a re-import must not re-create)?"""
    cur.execute(
        """
        SELECT EXISTS (SELECT 1 FROM voters_voter v
                       WHERE v.election_id = %s
                         AND v.polling_area_id IN (SELECT area_id FROM voters_stg_scope))
        """,
        [election.pk],
    )
    return bool(cur.fetchone()[0])


# The voter columns that queries filter, join or group on: the ones whose statistics the
# planner needs. ANALYZE of these alone samples the same rows as a full ANALYZE but skips the
# wide text columns (names, addresses, occupation), a third of the cost (200 k rows: 0.11 vs
# 0.30 CPU-s); the other columns keep the statistics they had (autovacuum refreshes them).
PLANNED_COLUMNS = (
    "election_id", "polling_area_id", "stt", "status", "national_id", "search_key",
    "birth_date", "birth_year", "sex", "residence", "contest_scope", "household_code", "is_head",
)  # fmt: skip


def _analyze_if_grown(cur: Any, added: int) -> None:
    """Fresh statistics for the next imports' plans when this import grew the voter table by a
    fifth or more (autovacuum catches up on smaller changes; a first city import on a table the
    planner believes empty would otherwise be matched by nested loops). Small tables too: a
    first import of a few thousand voters left with the empty table's statistics made the
    print pre-flight's duplicate queries take half a minute per polling area (nested loops
    over the whole list), and ANALYZE samples a bounded number of rows, so it stays cheap."""
    if added <= 0:
        return
    cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'voters_voter'::regclass")
    (known,) = cur.fetchone()
    if known <= 0 or added >= 0.2 * known:
        cur.execute(f"ANALYZE voters_voter ({', '.join(PLANNED_COLUMNS)})")


def _durations(result: ImportResult) -> None:
    """Turn the phase start marks into seconds per phase."""
    marks = list(result.timings.items()) + [("end", _tick())]
    result.timings = {name: round(marks[i + 1][1] - t, 3) for i, (name, t) in enumerate(marks[:-1])}


def _reject_rows(
    cur: Any, row_nos: list[int], result: ImportResult, rejected_rows: set[int]
) -> None:
    """Take rows found bad by set-based checks out of staging (their IDs are protected)."""
    cur.execute("DELETE FROM voters_stg_rej")
    cur.executemany("INSERT INTO voters_stg_rej (row_no) VALUES (%s)", [(r,) for r in row_nos])
    cur.execute(
        f"SELECT row_no, {', '.join(rules.PARSED_FIELDS)} FROM voters_stg "
        "WHERE row_no IN (SELECT row_no FROM voters_stg_rej)"
    )
    for row in cur.fetchall():
        if len(result.bad_rows) < MAX_ERRORS_KEPT:
            result.bad_rows[row[0]] = ["__parsed__", *row[1:]]
    cur.execute(
        "INSERT INTO voters_stg_bad (national_id) SELECT national_id FROM voters_stg "
        "WHERE row_no IN (SELECT row_no FROM voters_stg_rej)"
    )
    cur.execute("DELETE FROM voters_stg WHERE row_no IN (SELECT row_no FROM voters_stg_rej)")
    rejected_rows.update(row_nos)
    if row_nos:
        result.stt_hints = False  # the numbers streamed with the rows would leave gaps


def _find_duplicates(
    cur: Any,
    election: Election,
    result: ImportResult,
    code_of: dict[int, str],
    area_summary: dict[str, AreaSummary],
) -> None:
    birth = "a.birth_date IS NOT DISTINCT FROM b.birth_date AND a.birth_year = b.birth_year"
    cur.execute(
        f"""
        SELECT a.row_no, a.national_id, a.full_name, a.polling_area_id,
               b.row_no, b.national_id, b.polling_area_id, NULL
        FROM voters_stg a JOIN voters_stg b
          ON a.search_key = b.search_key AND {birth} AND a.national_id <> b.national_id
        WHERE a.kind IN ('new', 'moved')
          AND (b.kind NOT IN ('new', 'moved') OR a.national_id < b.national_id)
        UNION ALL
        SELECT a.row_no, a.national_id, a.full_name, a.polling_area_id,
               NULL, b.national_id, b.polling_area_id, b.stt
        FROM voters_stg a JOIN voters_voter b
          ON b.election_id = %s AND b.status = 'listed' AND a.search_key = b.search_key
             AND {birth} AND a.national_id <> b.national_id
        WHERE a.kind = 'new'
        LIMIT {MAX_DUPLICATES_KEPT}
        """,
        [election.pk],
    )
    rows = cur.fetchall()
    counted: Counter[int] = Counter()
    for a_row, a_id, name, a_area, b_row, b_id, b_area, b_stt in rows:
        result.duplicates.append(
            {
                "row": a_row,
                "national_id": a_id,
                "full_name": name,
                "area": code_of.get(a_area, ""),
                "other_row": b_row,
                "other_national_id": b_id,
                "other_area": code_of.get(b_area, ""),
                "other_stt": b_stt,
            }
        )
        counted[a_area] += 1
    for area_id, n in counted.items():
        area_summary[code_of.get(area_id, "?")].duplicates += n
    result.duplicate_count = len(rows)


def _apply(
    cur: Any,
    *,
    election: Election,
    actor: Any,
    now: dt.datetime,
    source: str,
    result: ImportResult,
    progress: Callable[[int, str], None] | None = None,
) -> None:
    if not (result.created or result.updated or result.moved or result.removed):
        return  # nothing to write: re-importing the same file changes nothing
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    empty_json = "'{}'::jsonb" if _pg() else "'{}'"
    batch = result.batch
    event_cols = (
        "election_id, polling_area_id, voter_id, kind, reason, delta, note, source, batch, "
        "related_id, changes, actor_id, at"
    )

    # corrections: each event holds the fields that changed, {"field": [before, after]}, as the
    # single-voter edit writes them (read before the UPDATE; corrections are few)
    if result.updated:
        _correction_events(
            cur, election=election, actor_id=actor_id, now=now, source=source, batch=batch,
            event_cols=event_cols,
        )  # fmt: skip
        sets = ", ".join(f"{c} = voters_stg.{c}" for c in [*_COMPARED, "search_key"])
        cur.execute(
            f"""
            UPDATE voters_voter SET {sets}, updated_at = %s FROM voters_stg
            WHERE voters_voter.id = voters_stg.match_id AND voters_stg.kind = 'updated'
            """,
            [now],
        )

    # moves: the old entry keeps its STT, with a note; the new entry is added below
    if result.moved:
        cur.execute(
            f"""
            INSERT INTO voters_voterevent ({event_cols})
            SELECT %s, match_area, match_id, 'moved_out', 'source', -1, '', %s, %s, NULL,
                   {empty_json}, %s, %s
            FROM voters_stg WHERE kind = 'moved'
            """,
            [election.pk, source, batch, actor_id, now],
        )
        cur.execute(
            """
            UPDATE voters_voter SET status = 'removed', note = %s, updated_at = %s
            WHERE id IN (SELECT match_id FROM voters_stg WHERE kind = 'moved')
            """,
            ["Chuyển khu vực bỏ phiếu", now],
        )

    # removed from the source extract
    if result.removed:
        cur.execute(
            f"""
            INSERT INTO voters_voterevent ({event_cols})
            SELECT %s, polling_area_id, voter_id, 'removed', 'source', -1, '', %s, %s, NULL,
                   {empty_json}, %s, %s
            FROM voters_stg_gone
            """,
            [election.pk, source, batch, actor_id, now],
        )
        cur.execute(
            """
            UPDATE voters_voter SET status = 'removed', note = %s, updated_at = %s
            WHERE id IN (SELECT voter_id FROM voters_stg_gone)
            """,
            ["Không còn trong dữ liệu nguồn", now],
        )

    # new entries and the new side of moves: STT after the last number of the area,
    # household by household (households in order of first appearance), head first
    if result.created or result.moved:
        _insert_entries(cur, election=election, actor_id=actor_id, now=now, source=source,
                        result=result, event_cols=event_cols, empty_json=empty_json,
                        progress=progress)  # fmt: skip


def _person_value(field_name: str, value: Any) -> Any:
    """A person field as read by a raw query, the same on both databases (SQLite returns dates
    as text and booleans as 0/1)."""
    if value is None:
        return None
    if field_name == "is_head":
        return bool(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _correction_events(  # noqa: PLR0913
    cur: Any,
    *,
    election: Election,
    actor_id: int | None,
    now: dt.datetime,
    source: str,
    batch: str,
    event_cols: str,
) -> None:
    """The ledger events of the corrections, with the changed fields (common.audit.diff)."""
    from common.audit import diff

    fields = _COMPARED
    cur.execute(
        f"""
        SELECT s.polling_area_id, s.match_id, {", ".join(f"s.{f}" for f in fields)},
               {", ".join(f"v.{f}" for f in fields)}
        FROM voters_stg s JOIN voters_voter v ON v.id = s.match_id
        WHERE s.kind = 'updated' ORDER BY s.row_no
        """
    )
    n = len(fields)
    rows = []
    for area_id, voter_id, *values in cur.fetchall():
        after = {f: _person_value(f, v) for f, v in zip(fields, values[:n], strict=True)}
        before = {f: _person_value(f, v) for f, v in zip(fields, values[n:], strict=True)}
        changes = json.dumps(diff(before, after), ensure_ascii=False)
        rows.append((election.pk, area_id, voter_id, source, batch, changes, actor_id, now))
    cast = "::jsonb" if _pg() else ""
    cur.executemany(
        f"""
        INSERT INTO voters_voterevent ({event_cols})
        VALUES (%s, %s, %s, 'updated', 'import', 0, '', %s, %s, NULL, %s{cast}, %s, %s)
        """,
        rows,
    )


def _insert_entries(  # noqa: PLR0913
    cur: Any,
    *,
    election: Election,
    actor_id: int | None,
    now: dt.datetime,
    source: str,
    result: ImportResult,
    event_cols: str,
    empty_json: str,
    progress: Callable[[int, str], None] | None = None,
) -> None:
    """New entries and the new side of moves, numbered after the last STT of their area,
    household by household (households in order of first appearance), head first; and their
    ledger events: moved_in for the new side of a move, added for the rest."""
    fields = list(rules.STAGE_FIELDS)
    cols = ", ".join(fields)
    o_cols = ", ".join(f"o.{c}" for c in fields)
    insert = f"""
        INSERT INTO voters_voter ({cols}, election_id, stt, status, note, created_at, updated_at)
        SELECT {o_cols}, %s,
               COALESCE(mx.last_stt, 0)
               + ROW_NUMBER() OVER (PARTITION BY o.polling_area_id
                                    ORDER BY o.hh_first, o.head_rank, o.row_no),
               'listed', '', %s, %s
        FROM (
            SELECT s.*,
                   CASE WHEN s.household_code = '' THEN s.row_no
                        ELSE MIN(s.row_no) OVER (
                            PARTITION BY s.polling_area_id, s.household_code{_binary()}) END
                       AS hh_first,
                   CASE WHEN s.is_head THEN 0 ELSE 1 END AS head_rank
            FROM voters_stg s WHERE s.kind IN ('new', 'moved')
        ) o
        LEFT JOIN (
            SELECT v.polling_area_id, MAX(v.stt) AS last_stt FROM voters_voter v
            WHERE v.polling_area_id IN (SELECT DISTINCT polling_area_id FROM voters_stg)
            GROUP BY v.polling_area_id
        ) mx ON mx.polling_area_id = o.polling_area_id
    """
    args = [election.pk, now, now]
    ledger = [election.pk, source, result.batch, actor_id, now]
    if _pg():
        if result.stt_hints and result.first_import and not result.moved:
            # a grouped file into lists with no entry yet: the numbers came with the rows
            insert = f"""
                INSERT INTO voters_voter ({cols}, election_id, stt, status, note, created_at,
                                          updated_at)
                SELECT {", ".join(f"s.{c}" for c in fields)}, %s, s.stt_hint, 'listed', '', %s, %s
                FROM voters_stg s WHERE s.kind = 'new'
            """
        adding = result.created + result.moved
        with indexes_set_aside(cur, {"voters_voter": adding, "voters_voterevent": adding}) as t:
            result.indexes_rebuilt = t
            result.timings["write_entries"] = _tick()
            _insert_entries_pg(cur, insert, args, ledger, event_cols, empty_json)
            result.timings["rebuild_indexes" if t else "after_write"] = _tick()
            if t and progress:
                progress(result.rows, "Đang hoàn tất danh sách (sắp xếp lại chỉ mục tra cứu)")
        result.timings["analyze"] = _tick()
        _analyze_if_grown(cur, adding)
        return
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM voters_voter")
    (max_before,) = cur.fetchone()
    cur.execute(insert, args)
    if result.moved:  # few, joined by ID
        cur.execute(
            f"""
            INSERT INTO voters_voterevent ({event_cols})
            SELECT %s, v.polling_area_id, v.id, 'moved_in', 'source', 1, '', %s, %s,
                   s.match_id, {empty_json}, %s, %s
            FROM voters_stg s JOIN voters_voter v
              ON v.election_id = %s AND v.national_id = s.national_id AND v.status = 'listed'
            WHERE s.kind = 'moved'
            """,
            [*ledger, election.pk],
        )
    # the rest, found by the id range of this insert (no join over the whole table; the unary
    # + keeps SQLite on that range instead of the (election, search_key) index: 4× faster)
    cur.execute(
        f"""
        INSERT INTO voters_voterevent ({event_cols})
        SELECT %s, v.polling_area_id, v.id, 'added', 'import', 1, '', %s, %s, NULL,
               {empty_json}, %s, %s
        FROM voters_voter v
        WHERE v.id > %s AND +v.election_id = %s AND v.created_at = %s
          AND NOT EXISTS (SELECT 1 FROM voters_stg s
                          WHERE s.kind = 'moved' AND s.national_id = v.national_id)
        """,
        [*ledger, max_before, election.pk, now],
    )


def _insert_entries_pg(
    cur: Any, insert: str, args: list[Any], ledger: list[Any], event_cols: str, empty_json: str
) -> None:
    """PostgreSQL: the entries and their ledger events in one statement (the ledger reads the
    inserted entries from RETURNING)."""
    cur.execute(
        f"""
        WITH ins AS ({insert} RETURNING id, polling_area_id, national_id)
        INSERT INTO voters_voterevent ({event_cols})
        SELECT %s, ins.polling_area_id, ins.id,
               CASE WHEN m.match_id IS NULL THEN 'added' ELSE 'moved_in' END,
               CASE WHEN m.match_id IS NULL THEN 'import' ELSE 'source' END,
               1, '', %s, %s, m.match_id, {empty_json}, %s, %s
        FROM ins LEFT JOIN (SELECT national_id, match_id FROM voters_stg
                            WHERE kind = 'moved') m ON m.national_id = ins.national_id
        """,
        args + ledger,
    )


def voters_template_rows() -> list[str]:
    return list(rules.TEMPLATE_HEADERS)


def is_listed(election: Election, national_id: str) -> bool:
    return Voter.objects.filter(
        election=election, national_id=national_id, status=Voter.Status.LISTED
    ).exists()


def purge_stale_uploads(*, older_than: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """Delete uploaded files of imports checked but never confirmed (personal data must not
    linger on disk); their imports become cancelled. Returns the number of files removed."""
    from voters.models import VoterImport

    stale = VoterImport.objects.filter(
        created_at__lt=timezone.now() - older_than,
        status__in=[VoterImport.Status.PREVIEW, VoterImport.Status.READY],
    ).exclude(path="")
    n = 0
    for imp in stale:
        Path(imp.path).unlink(missing_ok=True)
        imp.path, imp.status = "", VoterImport.Status.CANCELLED
        imp.save(update_fields=["path", "status"])
        n += 1
    return n
