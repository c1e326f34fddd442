"""Web load: the pages staff use most, under N concurrent users, on the production stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python bench/web_load.py [--quick] [--users 200] [--seconds 90]

What it does, in one run:
1. A database of its own (`--db`, default baucu_bench_web) on the PostgreSQL server of
   DATABASE_URL: created, migrated and seeded with the demo election hcm-2021 and the demo voter
   lists of `--wards` wards (manage.py load_demo / load_demo_voters), once; later runs reuse it.
   Logged-in sessions are made for the demo roles: ward staff (voter lists, search), the team
   secretary (minutes entry), the district committee (turnout dashboard).
2. The production web stack: gunicorn with `--workers` uvicorn workers on `config.asgi`, the
   Redis channel layer, DEBUG off, on 127.0.0.1:`--port`.
3. Locust (as a library, FastHttpUser) with `--users` users, each a member of staff who opens a
   page, reads it for 2–5 s, opens the next: the voter list of their polling area (paged), a
   voter search in their ward, the minutes entry page of their area, the turnout dashboard of
   the district. Statistics are reset after the ramp-up; the measured window is `--seconds`.
   A baseline in the same run: a few users fetching the login page (no database work), so a
   loaded machine shows in the baseline as much as in the pages.

Prints per page p50/p95/p99 and failures; the last line is one JSON object with at least
p95_ms, errors, requests. Listens on 127.0.0.1 only; stops its server's process group at the end.
"""

from __future__ import annotations

# Locust patches the standard library (gevent) and must come first.
from gevent import monkey  # isort: skip

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit, urlunsplit  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, between, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLUG = "hcm-2021"

PREPARE = r"""
import json, os, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from election.models import Election, ElectionBody, PollingArea, Role
from voters.models import Voter

wards = int(sys.argv[1])
election = Election.objects.filter(slug="hcm-2021").first()
if election is None:
    call_command("load_demo", shape="hcm-2021", stdout=open(os.devnull, "w"))
    election = Election.objects.get(slug="hcm-2021")
if not Voter.objects.filter(polling_area__election=election).exists():
    call_command("load_demo_voters", election="hcm-2021", wards=wards,
                 stdout=open(os.devnull, "w"))
User = get_user_model()
ward_staff = User.objects.get(username="phuong-2021")
secretary = User.objects.get(username="thuky-2021")
district = User.objects.get(username="ubbc-quan-2021")
ward = Role.objects.get(user=ward_staff).unit
body = Role.objects.get(user=secretary).body
area = body.polling_area
areas = list(PollingArea.objects.filter(election=election, unit=ward).order_by("code")
             .values_list("code", flat=True))
contest = election.contests.filter(kind="national_assembly").first().code
names = list(
    Voter.objects.filter(polling_area__unit=ward).values_list("full_name", flat=True)[:400]
)
queries = sorted({n.split()[-1] for n in names} | {" ".join(n.split()[-2:]) for n in names[:50]})

def sessions(user, n):
    out = []
    for _ in range(n):
        c = Client()
        c.force_login(user)
        out.append(c.cookies["sessionid"].value)
    return out

print("@@" + json.dumps({
    "voters": Voter.objects.filter(polling_area__election=election).count(),
    "ward": ward.code, "district": Role.objects.get(user=district).unit.code, "area": area.code,
    "areas": areas, "contest": contest, "queries": queries[:200],
    "sessions": {"ward": sessions(ward_staff, 20), "secretary": sessions(secretary, 20),
                 "district": sessions(district, 20)},
}))
"""


def db_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


def ensure_database(base: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(base)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def server_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DJANGO_DEBUG="0",
        DATABASE_URL=database_url,
        REDIS_URL=args.redis,
        BAUCU_DEMO="1",
        BAUCU_VAR_DIR=str(ROOT / "var" / "bench-web"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def prepare(env: dict[str, str], wards: int) -> dict:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    out = subprocess.run(
        [sys.executable, "-c", PREPARE, str(wards)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit("preparing the database failed:\n" + out.stderr[-3000:])
    line = [x for x in out.stdout.splitlines() if x.startswith("@@")][-1]
    return json.loads(line[2:])


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"server not listening on {port}")


def start_server(args: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    log = (ROOT / "var" / "bench-web").joinpath("server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.asgi:application",
            "-k",
            "uvicorn_worker.UvicornWorker",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def user_classes(data: dict) -> list[type]:
    slug = SLUG
    s = data["sessions"]

    def cookie(role: str) -> dict[str, str]:
        return {"Cookie": "sessionid=" + random.choice(s[role])}

    class WardStaff(FastHttpUser):
        """Ward staff keeping the voter lists: a polling area's list, a search in the ward."""

        weight = 2
        wait_time = between(2, 5)

        def on_start(self) -> None:
            self.h = cookie("ward")

        @task(3)
        def area_list(self) -> None:
            code = random.choice(data["areas"])
            page = random.randint(1, 3)
            self.client.get(
                f"/e/{slug}/voters/pa/{code}/?page={page}", headers=self.h, name="voter list"
            )

        @task(2)
        def search(self) -> None:
            q = random.choice(data["queries"])
            self.client.get(
                f"/e/{slug}/voters/u/{data['ward']}/",
                params={"q": q},
                headers=self.h,
                name="voter search",
            )

    class Secretary(FastHttpUser):
        """The election team's secretary on the minutes entry page."""

        weight = 1
        wait_time = between(2, 5)

        def on_start(self) -> None:
            self.h = cookie("secretary")

        @task
        def minutes(self) -> None:
            self.client.get(
                f"/e/{slug}/results/pa/{data['area']}/{data['contest']}/main/",
                headers=self.h,
                name="minutes entry",
            )

    class Committee(FastHttpUser):
        """A district committee member opening the turnout dashboard."""

        weight = 1
        wait_time = between(2, 5)

        def on_start(self) -> None:
            self.h = cookie("district")

        @task
        def dashboard(self) -> None:
            self.client.get(
                f"/e/{slug}/turnout/u/{data['district']}/", headers=self.h, name="dashboard"
            )

    class Baseline(FastHttpUser):
        """The login page: no database work; how slow the machine is, same run."""

        fixed_count = 4
        wait_time = between(2, 5)

        @task
        def login_page(self) -> None:
            self.client.get("/login/", name="baseline: login page")

    return [WardStaff, Secretary, Committee, Baseline]


def check_pages(base: str, data: dict, repeat: int = 10) -> dict[str, float]:
    """Every page answers 200 before the load (a wrong URL would only measure errors), and its
    service time alone: the median of `repeat` requests one after the other."""
    import statistics
    import urllib.request

    paths = {
        "voter list": (f"/e/{SLUG}/voters/pa/{data['area']}/?page=2", "ward"),
        "voter search": (f"/e/{SLUG}/voters/u/{data['ward']}/?q=Nguy%E1%BB%85n", "ward"),
        "minutes entry": (
            f"/e/{SLUG}/results/pa/{data['area']}/{data['contest']}/main/",
            "secretary",
        ),
        "dashboard": (f"/e/{SLUG}/turnout/u/{data['district']}/", "district"),
        "baseline: login page": ("/login/", None),
    }
    alone = {}
    for name, (path, role) in paths.items():
        headers = {"Cookie": "sessionid=" + data["sessions"][role][0]} if role else {}
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            req = urllib.request.Request(base + path, headers=headers)
            with urllib.request.urlopen(req, timeout=60) as resp:
                body = resp.read()
            times.append((time.perf_counter() - started) * 1000)
            if resp.status != 200 or (role and b'id="id_username"' in body):
                raise SystemExit(f"{path}: not the page ({resp.status})")
        alone[name] = round(statistics.median(times), 1)
    return alone


def percentiles(entry) -> dict:  # noqa: ANN001
    return {
        "n": entry.num_requests,
        "failures": entry.num_failures,
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "avg_ms": round(entry.avg_response_time, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 40 s window (< 2 min in all)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=None, help="measured window (default 90)")
    parser.add_argument("--spawn-rate", type=float, default=40)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (uvicorn)")
    parser.add_argument("--port", type=int, default=8141)
    parser.add_argument("--db", default="baucu_bench_web")
    parser.add_argument("--wards", type=int, default=3, help="wards with demo voter lists")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4"))
    args = parser.parse_args()
    seconds = args.seconds or (40 if args.quick else 90)

    t0 = time.monotonic()
    ensure_database(args.database_url, args.db)
    env = server_env(args, db_url(args.database_url, args.db))
    data = prepare(env, args.wards)
    print(
        f"seeded: {data['voters']} voters; ward {data['ward']}, area {data['area']}, "
        f"district {data['district']} ({time.monotonic() - t0:.0f} s)",
        flush=True,
    )
    server = start_server(args, env)
    try:
        wait_port(args.port)
        base = f"http://127.0.0.1:{args.port}"
        alone = check_pages(base, data)
        environment = Environment(user_classes=user_classes(data), events=events, host=base)
        runner = environment.create_local_runner()
        runner.start(args.users, spawn_rate=args.spawn_rate)
        ramp = args.users / args.spawn_rate + 2
        gevent.sleep(ramp)
        environment.stats.reset_all()  # measure the steady state, not the ramp
        load_start = os.getloadavg()
        gevent.sleep(seconds)
        load_end = os.getloadavg()
        runner.quit()
        stats = environment.stats
    finally:
        stop_server(server)

    pages = {name: percentiles(stats.get(name, "GET")) for name, _method in stats.entries}
    staff = [n for n in pages if not n.startswith("baseline")]
    # the staff pages' aggregate: merge their entries
    from locust.stats import StatsEntry

    merged = StatsEntry(stats, "staff pages", "GET", use_response_times_cache=False)
    for name in staff:
        merged.extend(stats.get(name, "GET"))
    total = percentiles(merged)
    base_p95 = pages.get("baseline: login page", {}).get("p95_ms")
    for name, p in sorted(pages.items()):
        p["alone_ms"] = alone.get(name)
        print(
            f"{name:<22} alone={p['alone_ms']:>6} ms  n={p['n']:>6}  fail={p['failures']:>4}  "
            f"p50={p['p50_ms']:>5} ms  p95={p['p95_ms']:>5} ms  p99={p['p99_ms']:>5} ms"
        )
    result = {
        "bench": "web_load",
        "users": args.users,
        "workers": args.workers,
        "seconds": seconds,
        "requests": total["n"],
        "errors": total["failures"],
        "error_rate": round(total["failures"] / total["n"], 4) if total["n"] else None,
        "rps": round(total["n"] / seconds, 1),
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "p99_ms": total["p99_ms"],
        "baseline_p95_ms": base_p95,
        "ratio_p95_to_baseline": round(total["p95_ms"] / base_p95, 2) if base_p95 else None,
        "pages": pages,
        "voters": data["voters"],
        "load_avg": [round(x, 2) for x in (*load_start, *load_end)],
        "target_p95_ms": 300,
        "met": total["p95_ms"] < 300 and total["failures"] == 0,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
