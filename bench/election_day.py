"""Benchmark of a whole election day (issue 8). Not a test: prints figures, last line one JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baucu_drill \
    REDIS_URL=redis://127.0.0.1:6379/2 .venv/bin/python bench/election_day.py [--quick]
        [--scale small|city] [--per-area N] [--workers 2] [--port 8122]

The bench database is FLUSHED first. On PostgreSQL + Redis, with a real Celery worker and a
real ASGI server (uvicorn) started here as subprocesses (their process groups are stopped at
the end), it plays the day in the order it happens and times each phase:

1. voter import: demo voters (voters.demo) through the import service (parse, check, upsert);
2. card printing: one print job over the played unit (the city; --quick: its district), fanned
   out per polling area to the worker;
3. the drill (manage.py rehearse, drill/): turnout of every played area at every slot with
   dashboards on websockets (p50/p99 report → dashboard), count minutes keyed twice, the
   coordinator settling differences, the reconciliation board read and checked;
4. results of every constituency, and all committee minutes (a PDF per constituency and the
   city's XLSX).

--quick: the demo election hcm-2021 (small definition), voters in the 20 polling areas of one
urban district (300 each), the drill at small scale, committee minutes of the constituencies it
touched: under 2 minutes on an idle machine. --scale city: every polling area of the
city definition, `--per-area` voters each (default: each area's estimate), the drill at city
scale. The critical path is the sum of the phases in the order they depend on each other;
`after_close_s` is the part after polls close (minutes, settlement, board, results, minutes
documents). Baseline, same run: a bare authenticated API round trip (p50) to the same server.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REHEARSAL_TIME = "21:00"
QUICK_DISTRICT = "765"  # Bình Thạnh: 20 polling areas in the demo's small definition


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ["BAUCU_REHEARSAL_TIME"] = REHEARSAL_TIME
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped with its children
    )


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"no server on {port}")


def load_structure(definition_scale: str):  # noqa: ANN201
    from election.demo import build_definition
    from election.services.definition_import import import_definition

    definition = build_definition("hcm-2021", scale=definition_scale)
    election = import_definition(data=definition, source="bench").election
    election.is_rehearsal = True
    election.save(update_fields=["is_rehearsal"])
    return election


def distinct_namesakes(rows: Iterator[dict[str, str]]) -> Iterator[dict[str, str]]:
    """Synthetic people may share a name, a birth date and a sex, which printing rightly
    refuses until someone settles it: give such a namesake the next unused birth day of its
    name (a year-only birth too). Streams: it keeps one 64-bit hash per person and a counter
    per name, not the rows (5.4 M voters at city scale would not fit). The days run over 63
    years (1940-2002, of age on any polling day from 2021): an earlier version cycled through
    1,680 dates and looped for ever on a name borne by more people than that (the demo's
    generator names 23,000 of 5.4 M people Nguyễn Thị Anh: past the span, year-only births)."""
    import datetime as dt

    from common.text import fold

    first = dt.date(1940, 1, 1)
    span = (dt.date(2002, 12, 31) - first).days
    seen: set[int] = set()
    tried: dict[tuple[str, str], int] = {}  # (name, sex): days handed out so far
    for row in rows:
        name, sex = fold(row["Họ và tên"]), row["Giới tính"]
        key = hash((name, row["Ngày sinh"], sex))
        while key in seen:
            day = tried.get((name, sex), 0)
            tried[(name, sex)] = day + 1
            if day >= span:  # more people of this name than days: a year-only birth, which
                row["Ngày sinh"] = str(first.year + day % 63)  # printing does not compare
                break
            row["Ngày sinh"] = (first + dt.timedelta(days=day)).strftime("%d/%m/%Y")
            key = hash((name, row["Ngày sinh"], sex))
        seen.add(key)
        yield row


def import_voters_phase(election, areas: list, per_area: int) -> dict:  # noqa: ANN001
    from voters.demo import generate_rows, write_csv
    from voters.services.import_list import import_voters

    rows = generate_rows(  # one call: synthetic people never repeat across areas
        area_codes=[a.code for a in areas],
        per_area=per_area,
        election_day=election.date,
        ward_name={a.code: a.unit.name for a in areas},
        seed=2021,
        id_start=election.pk * 10_000_000,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "voters.csv"
        t = time.perf_counter()
        n = write_csv(distinct_namesakes(rows), path)  # streamed to disk, row by row
        print(f"voter file: {n} rows written in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        result = import_voters(
            election=election, path=path, actor=None, mode="valid", source="bench",
            enforce_cutoff=False,
        )  # fmt: skip
        s = time.perf_counter() - t
    return {"s": round(s, 2), "voters": result.created, "per_s": round(result.created / s, 1)}


def print_phase(election, unit) -> dict:  # noqa: ANN001
    from django.contrib.auth import get_user_model

    from common.models import Job
    from printing.services.documents import CARDS
    from printing.services.print_jobs import print_job_create
    from voters.models import Voter

    admin = get_user_model().objects.create_superuser("bench-admin", password=None)
    t = time.perf_counter()
    job = print_job_create(actor=admin, election=election, unit=unit, kind=CARDS)
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
            break
        time.sleep(0.2)
    s = time.perf_counter() - t
    cards = Voter.objects.filter(election=election).count()
    return {
        "s": round(s, 2),
        "cards": cards,
        "per_s": round(cards / s, 1),
        "status": job.status,
        "areas": job.total,
    }


def api_baseline(base_url: str, token: str, n: int = 100) -> float:
    import httpx

    times = []
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Token {token}"}) as c:
        for _ in range(n):
            t = time.perf_counter()
            c.get("/api/elections/")
            times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def results_phase(election, out: Path, *, played_only: bool) -> dict:  # noqa: ANN001
    """Every constituency's result, the committees' totals and the roll-up of the tree; then
    the committee minutes (one PDF per constituency, the city's XLSX): of every constituency,
    or (quick) of those where the drill made minutes definitive."""
    from django.utils import translation

    from results import documents, selectors
    from results.models import CountMinutes

    t = time.perf_counter()
    results = selectors.compute_results(election=election)
    selectors.contest_summaries(results)
    selectors.rollup_tree(election=election)
    compute_s = time.perf_counter() - t
    if played_only:
        touched = set(
            CountMinutes.objects.filter(
                polling_area__election=election, status=CountMinutes.Status.DEFINITIVE
            ).values_list("constituency_id", flat=True)
        )
        results = [r for r in results if r.constituency.id in touched]
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with translation.override("vi"):
        for r in results:
            (out / f"{r.contest.code}-{r.constituency.number}.pdf").write_bytes(
                documents.board_minutes_pdf(r, election)
            )
        (out / "city.xlsx").write_bytes(
            documents.results_xlsx(selectors.contest_summaries(results), election)
        )
    docs_s = time.perf_counter() - t
    return {
        "results_s": round(compute_s, 2),
        "constituencies": len(results),
        "committee_minutes_s": round(docs_s, 2),
        "committee_minutes_per_s": round(len(results) / docs_s, 1) if docs_s else None,
    }


def main() -> int:
    import functools

    global print
    print = functools.partial(print, flush=True)  # noqa: A001
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally: stop subprocesses
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--scale", choices=["small", "city"], default="city")
    p.add_argument("--per-area", type=int, default=None, help="voters per area (300; city 1700)")
    p.add_argument(
        "--definition",
        choices=["small", "city"],
        default=None,
        help="the demo definition (617 or 3,196 polling areas); default: small for --quick",
    )
    p.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    p.add_argument("--port", type=int, default=8122)
    p.add_argument("--concurrency", type=int, default=8)
    args = p.parse_args()
    if not (8120 <= args.port <= 8129):
        p.error("--port must be in 8120-8129")
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        p.error("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
    setup_django()
    from django.db import connections

    from drill.run import DrillOptions, run_drill
    from realtime import live

    store = live.store()
    for key in store._r.scan_iter("baucu*"):  # our own Redis DB: stale snapshots and groups
        store._r.delete(key)
    scale = "quick" if args.quick else args.scale
    load1 = os.getloadavg()[0]
    t_all = time.perf_counter()
    definition = args.definition or ("small" if scale == "quick" else "city")
    election = load_structure(definition)
    areas = list(election.polling_areas.select_related("unit__parent").order_by("code"))
    scope = election.root
    if scale != "city":  # one urban district of the demo (20 polling areas, 2 contests)
        areas = [a for a in areas if a.unit.parent and a.unit.parent.code == QUICK_DISTRICT]
        scope = areas[0].unit.parent
    per_area = args.per_area or (300 if scale != "city" else 1700)  # city: 5.4 M / 3,196
    figures: dict = {"scale": scale, "definition": definition, "areas": len(areas)}
    figures["voter_import"] = import_voters_phase(election, areas, per_area)
    print("voter import:", figures["voter_import"])
    connections.close_all()
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_DEBUG": "0"}
    logs = Path(tempfile.mkdtemp(prefix="bench-election-day-"))
    worker = start(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "WARNING"]
        + ["--concurrency", str(args.workers), "--without-gossip", "--without-mingle"],
        env,
        logs / "worker.log",
    )
    server = None
    try:
        figures["card_printing"] = print_phase(election, scope)
        print("card printing:", figures["card_printing"])
        server = start(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
            + ["--port", str(args.port), "--log-level", "warning"],
            env,
            logs / "server.log",
        )
        wait_port(args.port, server)
        base_url = f"http://127.0.0.1:{args.port}"
        outcome = run_drill(
            DrillOptions(
                slug=election.slug,
                scale="small" if scale != "city" else "city",
                base_url=base_url,
                concurrency=args.concurrency,
            ),
            out=print,
        )
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        # the drill's accounts are retired when it ends: the baseline uses the bench's admin
        admin = get_user_model().objects.get(username="bench-admin")
        token = Token.objects.get_or_create(user=admin)[0].key
        figures["baseline_api_p50_s"] = round(api_baseline(base_url, token), 4)
    finally:
        if server is not None:
            stop(server)
        stop(worker)
    phases = {p.name: p.as_dict() for p in outcome.phases}
    figures["drill"] = {"ok": outcome.ok, **outcome.verdict.as_dict(), "phases": phases}
    figures["results"] = results_phase(election, logs / "documents", played_only=scale != "city")
    print("results:", figures["results"])
    turnout = phases["turnout"]
    order = [
        figures["voter_import"]["s"],
        figures["card_printing"]["s"],
        turnout["s"],
        phases["minutes_entry"]["s"],
        phases["settle"]["s"],
        phases["board"]["s"],
        figures["results"]["results_s"],
        figures["results"]["committee_minutes_s"],
    ]
    after_close = sum(order[3:])
    summary = {
        "scale": scale,
        "definition": definition,
        "areas": len(areas),
        "voters": figures["voter_import"]["voters"],
        "import_s": figures["voter_import"]["s"],
        "import_per_s": figures["voter_import"]["per_s"],
        "print_s": figures["card_printing"]["s"],
        "cards_per_s": figures["card_printing"]["per_s"],
        "turnout_s": turnout["s"],
        "reports_per_s": turnout["per_s"],
        "p50_report_to_dashboard_s": turnout["p50_report_to_dashboard_s"],
        "p99_report_to_dashboard_s": turnout["p99_report_to_dashboard_s"],
        "minutes_entry_s": phases["minutes_entry"]["s"],
        "minutes_requests_per_s": phases["minutes_entry"]["per_s"],
        "settle_s": phases["settle"]["s"],
        "board_s": phases["board"]["s"],
        "results_s": figures["results"]["results_s"],
        "committee_minutes_s": figures["results"]["committee_minutes_s"],
        "constituencies": figures["results"]["constituencies"],
        "critical_path_s": round(sum(order), 2),
        "after_close_s": round(after_close, 2),
        "drill_ok": outcome.ok,
        "faults_injected": outcome.verdict.injected,
        "faults_caught": outcome.verdict.caught,
        "false_alarms": len(outcome.verdict.false_alarms),
        "baseline_api_p50_s": figures["baseline_api_p50_s"],
        "ratio_report_to_baseline": round(
            (turnout["s"] / max(turnout["requests"], 1))
            * args.concurrency
            / figures["baseline_api_p50_s"],
            1,
        ),  # fmt: skip
        "wall_s": round(time.perf_counter() - t_all, 1),
        "load_avg_1m_start": round(load1, 2),
        "load_avg_1m_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(summary))
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
