"""Benchmark of the voter-list import (issue 4). Not a test: prints figures, last line JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baucu_voters .venv/bin/python \
        bench/import_voters.py [--n 1000000] [--quick]

Builds a synthetic file of N voters (Vietnamese names, households; voters.demo), then on
PostgreSQL: the full import (parse, validate, stage with COPY, diff, write, ledger, audit), the
same file re-imported unchanged, and a raw COPY of the same rows into a bare copy of the table
(the baseline, same run). Then the same import on SQLite (a child process, temp database), the
list page of a 4,000-voter polling area and the city roll-up. Peak memory is the max RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PER_AREA = 4000


def setup_django(sqlite_dir: str | None = None) -> None:
    if sqlite_dir:
        os.environ.pop("DATABASE_URL", None)
        os.environ["BAUCU_VAR_DIR"] = sqlite_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def make_election(n: int):  # noqa: ANN201
    """The mini election (tests/fixtures) with enough polling areas for N voters."""
    import datetime as dt

    from election.models import Election, PollingArea
    from election.services.definition_import import import_definition
    from voters.models import (
        DistinctPersons,
        DistinctPersonsMember,
        Voter,
        VoterAreaCount,
        VoterEvent,
        VoterImport,
    )

    doc = json.loads((ROOT / "tests/fixtures/mini_election.json").read_text(encoding="utf-8"))
    doc["election"]["slug"] = "bench-voters"
    doc["election"]["date"] = "2031-05-25"
    old = Election.objects.filter(slug="bench-voters").first()
    if old is not None:
        from django.db import connection

        others = Voter.objects.exclude(election=old).exists()
        if connection.vendor == "postgresql" and not others:
            with connection.cursor() as cur:  # only bench data here: empty the tables at once
                cur.execute(
                    "TRUNCATE voters_distinctpersonsmember, voters_distinctpersons, "
                    "voters_voterevent, voters_voterareacount, voters_voter, voters_voterimport"
                )
        else:  # raw deletes: the ORM would load every row to cascade
            DistinctPersonsMember.objects.filter(decision__election=old).delete()
            DistinctPersons.objects.filter(election=old).delete()
            for model in (VoterEvent, VoterAreaCount, Voter, VoterImport):
                model.objects.filter(election=old)._raw_delete(model.objects.db)
    election = import_definition(data=doc, source="bench").election
    wards = ["26734", "26737", "27496", "27499"]
    need = max(1, -(-n // PER_AREA))
    have = {a.code for a in election.polling_areas.all()}
    template = {a.unit.code: a for a in election.polling_areas.select_related("unit")}
    new = []
    for i in range(need):
        ward = wards[i % len(wards)]
        code = f"{ward}-B{i:05d}"
        if code in have:
            continue
        base = template[ward]
        new.append(
            PollingArea(election=election, code=code, unit=base.unit, number=100 + i,
                        name=f"Khu vực bỏ phiếu B{i}", kind="residential")
        )  # fmt: skip
    PollingArea.objects.bulk_create(new, batch_size=2000)
    from election.models import PollingAreaConstituency

    links = []
    for area in election.polling_areas.filter(code__contains="-B"):
        for a in template[area.unit.code].assignments.all():
            links.append(
                PollingAreaConstituency(
                    polling_area=area, contest_id=a.contest_id, constituency_id=a.constituency_id
                )
            )
    PollingAreaConstituency.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    codes = sorted(
        election.polling_areas.filter(code__contains="-B").values_list("code", flat=True)
    )
    del dt
    return election, codes


def build_file(codes: list[str], n: int, path: Path, election_day) -> None:  # noqa: ANN001
    from voters.demo import generate_rows

    per_area = PER_AREA
    rows = generate_rows(area_codes=codes, per_area=per_area, election_day=election_day, seed=7)
    from voters.rules import TEMPLATE_HEADERS

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(TEMPLATE_HEADERS)
        for i, r in enumerate(rows):
            if i >= n:
                break
            w.writerow([r[h] for h in TEMPLATE_HEADERS])


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (the server runs on
    this machine: /proc); 0 on SQLite or when the backend is not visible."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        (pid,) = cur.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Timed:
    """Wall time and CPU time (this process + the database backend) of a block: the machine is
    shared, so wall time moves with other people's load; CPU time much less."""

    def __enter__(self) -> Timed:
        self.b0, self.p0, self.t0 = backend_cpu(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.python_cpu = time.process_time() - self.p0
        self.db_cpu = backend_cpu() - self.b0
        self.cpu = self.python_cpu + self.db_cpu


def timed_import(election, path: Path) -> tuple[Timed, object]:  # noqa: ANN001
    from voters.services.import_list import import_voters

    with Timed() as t:
        result = import_voters(
            election=election, path=path, actor=None, mode="valid", source="bench"
        )
    return t, result


def raw_copy(path: Path, *, indexed: bool = False) -> Timed:
    """Baseline: COPY the same rows (already in table form) into a copy of the voter table,
    bare, or `indexed` with the voter table's indexes and constraints (the indexes the system
    needs: how much of the import's gap they explain)."""
    from django.db import connection

    like = "INCLUDING ALL" if indexed else "INCLUDING DEFAULTS"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_voter_copy")
        cur.execute(f"CREATE TABLE bench_voter_copy (LIKE voters_voter {like})")
        buf = tempfile.TemporaryFile("w+")
        cur.cursor.copy_expert(
            "COPY (SELECT v.* FROM voters_voter v JOIN election_election e ON e.id = v.election_id "
            "WHERE e.slug = 'bench-voters' AND v.status = 'listed' ORDER BY v.id) TO STDOUT",
            buf,
        )
        buf.seek(0)
        with Timed() as t:
            cur.cursor.copy_expert("COPY bench_voter_copy FROM STDIN", buf)
        cur.execute("DROP TABLE bench_voter_copy")
    return t


def write_floor(election_id: int) -> Timed:
    """The least any import that keeps this system's contract must write, with no parsing,
    validation, numbering or checks: the same rows COPYed into a copy of the voter table with
    its primary key, one ledger row each (INSERT … SELECT) into a copy of the ledger with its
    primary key, then the secondary indexes of both built from the sorted data, as a large
    import does (voters/services/index_rebuild.py). `copy.wall / floor.wall` bounds the
    ratio_vs_copy that any implementation could reach on this machine."""
    from django.db import connection

    from voters.services.index_rebuild import secondary_indexes

    tables = {"voters_voter": "bench_voter_floor", "voters_voterevent": "bench_event_floor"}
    with connection.cursor() as cur:
        creates = []
        for real, copy in tables.items():
            cur.execute(f"DROP TABLE IF EXISTS {copy}")
            cur.execute(f"CREATE TABLE {copy} (LIKE {real} INCLUDING DEFAULTS INCLUDING IDENTITY)")
            cur.execute(f"ALTER TABLE {copy} ADD PRIMARY KEY (id)")
            for index in secondary_indexes(cur, real):
                creates.append(
                    index.definition.replace(f"INDEX {index.name} ON", f"INDEX {index.name}_f ON")
                    .replace(f"public.{real} ", f"public.{copy} ")
                )  # fmt: skip
        buf = tempfile.TemporaryFile("w+")
        cur.cursor.copy_expert(
            "COPY (SELECT v.* FROM voters_voter v WHERE v.election_id = "
            f"{int(election_id)} AND v.status = 'listed' ORDER BY v.id) TO STDOUT",
            buf,
        )
        buf.seek(0)
        with Timed() as t:
            cur.cursor.copy_expert("COPY bench_voter_floor FROM STDIN", buf)
            cur.execute(
                "INSERT INTO bench_event_floor (election_id, polling_area_id, voter_id, kind, "
                "reason, delta, note, source, batch, related_id, changes, actor_id, at) "
                "SELECT election_id, polling_area_id, id, 'added', 'import', 1, '', 'bench', "
                "'0123456789abcdef', NULL, '{}'::jsonb, NULL, now() FROM bench_voter_floor"
            )
            cur.execute("SET maintenance_work_mem = '256MB'")
            for sql in creates:
                cur.execute(sql)
            cur.execute("RESET maintenance_work_mem")
        for copy in tables.values():
            cur.execute(f"DROP TABLE {copy}")
    return t


def page_times(election) -> tuple[float, float]:  # noqa: ANN001
    from django.contrib.auth import get_user_model
    from django.test import Client

    from voters import selectors

    user, _ = get_user_model().objects.get_or_create(username="bench-admin", is_superuser=True)
    client = Client()
    client.force_login(user)
    area = election.polling_areas.filter(code__contains="-B").order_by("code").first()
    client.get(f"/e/{election.slug}/voters/pa/{area.code}/")  # warm
    t0 = time.perf_counter()
    resp = client.get(f"/e/{election.slug}/voters/pa/{area.code}/")
    page = time.perf_counter() - t0
    assert resp.status_code == 200, resp.status_code
    selectors.rollup(election=election, unit=election.root)
    t0 = time.perf_counter()
    selectors.rollup(election=election, unit=election.root)
    rollup = time.perf_counter() - t0
    return page, rollup


def sqlite_child(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(sqlite_dir=tmp)
        election, codes = make_election(n)
        path = Path(tmp) / "voters.csv"
        build_file(codes, n, path, election.date)
        t, result = timed_import(election, path)
        print(
            json.dumps(
                {
                    "sqlite_rows_per_s": round(result.rows / t.wall),
                    "sqlite_cpu_rows_per_s": round(result.rows / t.cpu),
                    "rows": result.rows,
                    "timings": result.timings,
                }
            )
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="20,000 voters")
    ap.add_argument("--sqlite-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sqlite-n", type=int, default=None)
    args = ap.parse_args()
    n = 20_000 if args.quick else args.n
    if args.sqlite_child:
        sqlite_child(n)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (e.g. .../baucu_voters)")
    setup_django()
    load_start = os.getloadavg()
    print(f"load average at start: {load_start[0]:.1f} {load_start[1]:.1f} {load_start[2]:.1f}")
    election, codes = make_election(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "voters.csv"
        t0 = time.perf_counter()
        build_file(codes, n, path, election.date)
        print(
            f"file: {n:,} voters, {path.stat().st_size / 1e6:.0f} MB, "
            f"{time.perf_counter() - t0:.1f}s"
        )
        first, r1 = timed_import(election, path)
        rows = r1.rows
        print(
            f"full import: {rows:,} rows in {first.wall:.1f}s = {rows / first.wall:,.0f} rows/s "
            f"(CPU: Python {first.python_cpu:.1f}s + PostgreSQL {first.db_cpu:.1f}s = "
            f"{rows / first.cpu:,.0f} rows per CPU-second; created {r1.created:,}, "
            f"rejected {r1.rejected}, first-import path {r1.first_import}, "
            f"indexes rebuilt {r1.indexes_rebuilt or 'no'}) phases {r1.timings}"
        )
        peak_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS after the first import: {peak_import:.0f} MB")
        again, r2 = timed_import(election, path)
        print(
            f"re-import unchanged: {again.wall:.1f}s = {r2.rows / again.wall:,.0f} rows/s "
            f"(CPU {r2.rows / again.cpu:,.0f} rows per CPU-second; created {r2.created}, "
            f"updated {r2.updated}, unchanged {r2.unchanged:,}) phases {r2.timings}"
        )
        copy = raw_copy(path)
        print(
            f"raw COPY baseline: {copy.wall:.1f}s = {rows / copy.wall:,.0f} rows/s "
            f"(CPU {rows / copy.cpu:,.0f} rows per CPU-second)"
        )
        copy_ix = raw_copy(path, indexed=True)
        print(
            f"COPY into a copy with the voter table's indexes: {copy_ix.wall:.1f}s = "
            f"{rows / copy_ix.wall:,.0f} rows/s (CPU {rows / copy_ix.cpu:,.0f} rows per CPU-second)"
        )
        floor = write_floor(election.pk)
        print(
            f"write floor (COPY + a ledger row each + index builds, no parsing or checks): "
            f"{floor.wall:.1f}s = {rows / floor.wall:,.0f} rows/s; the best ratio_vs_copy "
            f"any import writing these could reach here: {copy.wall / floor.wall:.2f}"
        )
    page, rollup = page_times(election)
    print(
        f"list page of a {PER_AREA:,}-voter polling area: {page * 1000:.0f} ms; "
        f"city roll-up: {rollup * 1000:.0f} ms"
    )
    sqlite_n = args.sqlite_n or min(n, 200_000)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = (
        subprocess.run(
            [sys.executable, __file__, "--sqlite-child", "--n", str(sqlite_n)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    sqlite = json.loads(out)
    print(
        f"SQLite ({sqlite['rows']:,} rows): {sqlite['sqlite_rows_per_s']:,} rows/s "
        f"({sqlite['sqlite_cpu_rows_per_s']:,} rows per CPU-second) phases {sqlite['timings']}"
    )
    load_end = os.getloadavg()
    print(f"load average at the end: {load_end[0]:.1f} {load_end[1]:.1f} {load_end[2]:.1f}")
    peak = peak_import  # the import's peak (the COPY baseline below holds its rows in memory)
    print(
        json.dumps(
            {
                "n": n,
                "rows_per_s": round(rows / first.wall),
                "copy_rows_per_s": round(rows / copy.wall),
                "ratio_vs_copy": round(copy.wall / first.wall, 3),
                "cpu_rows_per_s": round(rows / first.cpu),
                "copy_cpu_rows_per_s": round(rows / copy.cpu),
                "ratio_vs_copy_cpu": round(copy.cpu / first.cpu, 3),
                "copy_indexed_rows_per_s": round(rows / copy_ix.wall),
                "ratio_vs_copy_indexed": round(copy_ix.wall / first.wall, 3),
                "ratio_vs_copy_indexed_cpu": round(copy_ix.cpu / first.cpu, 3),
                "floor_rows_per_s": round(rows / floor.wall),
                "ratio_copy_vs_floor": round(copy.wall / floor.wall, 3),
                "reimport_rows_per_s": round(r2.rows / again.wall),
                "sqlite_rows_per_s": sqlite["sqlite_rows_per_s"],
                "sqlite_cpu_rows_per_s": sqlite["sqlite_cpu_rows_per_s"],
                "list_page_ms": round(page * 1000),
                "city_rollup_ms": round(rollup * 1000),
                "peak_mb": round(peak),
                "load_avg": [round(load_start[0], 1), round(load_end[0], 1)],
            }
        )
    )


if __name__ == "__main__":
    main()
