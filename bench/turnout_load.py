"""Benchmark of live turnout (issue 6). Not a test: prints figures, last line one JSON object.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baucu_turnout \
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/turnout_load.py [--quick]
        [--dashboards 1000] [--areas 5000] [--workers 2] [--soak SECONDS] [--port 8150]
        [--coalescer process|auto]

Builds a synthetic city (1 city, 22 districts, ~15 wards each, P polling areas, a small voter
list per area, one Team secretary with an API token per area) in the bench database (flushed
first), starts the real ASGI server (uvicorn, N worker processes, Redis channel layer) and the
coalescer as its own process (`manage.py turnout_coalescer`; the web workers run with
BAUCU_TURNOUT_COALESCER=external, as in production; `--coalescer auto` lets a web worker win the
lock instead), opens D dashboard websockets spread over every unit (client: the `websockets`
package), then every polling area POSTs one slot to /api/turnout/, 32 reports in flight
(`--streams`), each on a connection of its own as 5,000 phones send them (`--keep-alive`: the
streams keep their connections instead; the kernel pins each to whichever worker accepted it,
often most of them on one). It measures:

- reports_per_s: accepted reports per second over the burst;
- report_connections_per_worker (with --keep-alive): how the kept connections were spread
  over the web workers (the busier worker limits reports_per_s);
- p50_s / p99_s: delay from a report's HTTP response (it is committed then) to the first
  snapshot on each dashboard of each of its ancestor units that includes it (a snapshot
  "includes" a report when its voted figure reaches the unit's sum of all reports accepted up
  to that one: conservative, a snapshot that has this report but not an earlier-accepted one
  is not counted);
- lost_updates: dashboards whose last snapshot, after the final tick, differs from the truth;
- baseline_p99_s: a bare Redis PUBLISH → SUBSCRIBE round trip, same run, same Redis;
- with --soak S: S more seconds of corrections at ~50/s with the dashboards still open, sampling
  the RSS of the web workers and of the coalescer every 10 s, then the final state again.

Every loop is bounded; everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "bench-turnout"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


def build(areas: int, per_area: int) -> dict:
    """The synthetic election, its voters, secretaries with tokens, and a watcher session."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from election.models import ElectionBody, Role
    from election.services.definition_import import import_definition
    from voters.models import Voter

    districts = 22
    wards_per = 15
    units = [{"code": "C", "name": "Thành phố Thử", "kind": "city", "parent": None}]
    wards = []
    for d in range(1, districts + 1):
        units.append({"code": f"D{d}", "name": f"Quận {d}", "kind": "district", "parent": "C"})
        for w in range(1, wards_per + 1):
            code = f"W{d}-{w}"
            wards.append(code)
            units.append(
                {"code": code, "name": f"Phường {w} Q{d}", "kind": "ward", "parent": f"D{d}"}
            )
    polling = []
    for i in range(areas):
        ward = wards[i % len(wards)]
        n = i // len(wards) + 1
        polling.append(
            {
                "code": f"{ward}-{n:02d}",
                "unit": ward,
                "number": n,
                "name": f"Khu vực bỏ phiếu số {n}",
                "kind": "residential",
                "constituencies": {"QH": 1},
            }
        )
    doc = {
        "format": "baucu.election/1",
        "units": units,
        "election": {
            "slug": SLUG,
            "name": "Bench turnout",
            "date": dt.date.today().isoformat(),
            "root": "C",
            "turnout_slots": ["00:00"],
        },
        "contests": [{"code": "QH", "kind": "national_assembly", "unit": "C", "name": "QH"}],
        "constituencies": [
            {
                "contest": "QH",
                "number": 1,
                "seats": 3,
                "name": "ĐV 1",
                "units": [f"D{d}" for d in range(1, districts + 1)],
            }
        ],
        "polling_areas": polling,
        "candidates": [
            {"contest": "QH", "constituency": 1, "full_name": name, "sex": sex, "birth_date": bd}
            for name, sex, bd in [
                ("Nguyễn Văn An", "M", "1970-01-01"),
                ("Trần Thị Bình", "F", "1971-02-02"),
                ("Lê Văn Cường", "M", "1972-03-03"),
                ("Phạm Thị Dung", "F", "1973-04-04"),
                ("Hoàng Văn Em", "M", "1974-05-05"),
            ]
        ],
    }
    t = time.perf_counter()
    election = import_definition(data=doc, source="bench").election
    election.is_rehearsal = True  # any day; the "00:00" slot has always started
    election.save()
    area_objs = list(election.polling_areas.order_by("id"))
    rows = []
    serial = 0
    for area in area_objs:
        for i in range(per_area):
            serial += 1
            rows.append(
                Voter(
                    election=election,
                    polling_area=area,
                    stt=i + 1,
                    national_id=f"{serial:012d}",
                    full_name="Nguyễn Văn A",
                    search_key="nguyen van a",
                    birth_year=1980,
                    sex="F" if i % 2 else "M",
                    residence="permanent",
                )
            )
    Voter.objects.bulk_create(rows, batch_size=10000)
    from voters.services.counts import refresh_area_counts

    refresh_area_counts(election_id=election.id)  # rows written directly: recount the summary
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"sec-{a.code}", password="!") for a in area_objs], batch_size=2000
    )
    teams = {
        b.polling_area_id: b for b in ElectionBody.objects.filter(election=election, kind="team")
    }
    Role.objects.bulk_create(
        [
            Role(user=u, kind="team_secretary", unit_id=a.unit_id, body=teams[a.id])
            for u, a in zip(users, area_objs, strict=True)
        ],
        batch_size=2000,
    )
    tokens = Token.objects.bulk_create(
        [Token(user=u, key=Token.generate_key()) for u in users], batch_size=2000
    )
    watcher = User.objects.create_superuser("bench-watcher", password="bench-password-123")
    client = Client()
    client.force_login(watcher)
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    from election.models import UnitAncestry

    unit_codes = {u.id: u.code for u in election.tree.units.all()}
    ancestors = defaultdict(list)
    for anc, desc in UnitAncestry.objects.filter(ancestor__tree=election.tree).values_list(
        "ancestor_id", "descendant_id"
    ):
        ancestors[desc].append(unit_codes[anc])
    return {
        "setup_s": time.perf_counter() - t,
        "units": sorted(unit_codes.values(), key=lambda c: (len(c.split("-")), c)),
        "areas": [
            {"code": a.code, "token": tok.key, "units": ancestors[a.unit_id], "listed": per_area}
            for a, tok in zip(area_objs, tokens, strict=True)
        ],
        "cookie": cookie,
    }


# --- a minimal keep-alive HTTP/1.1 client (stdlib only) ----------------------------------------
class Http:
    def __init__(self, port: int, keep_alive: bool = True) -> None:
        self.port = port
        self.keep_alive = keep_alive
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        connection = "keep-alive" if self.keep_alive else "close"
        head += [f"Content-Length: {len(body)}", f"Connection: {connection}", "", ""]
        self.writer.write("\r\n".join(head).encode() + body)
        await self.writer.drain()
        status_line = await asyncio.wait_for(self.reader.readline(), 30)
        status = int(status_line.split()[1])
        length = 0
        close = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
            if k.lower() == "connection" and "close" in v.lower():
                close = True
        data = await self.reader.readexactly(length)
        if close or not self.keep_alive:
            self.writer.close()
            self.writer = None
        return status, data


async def run(args: argparse.Namespace, setup: dict, pids: dict[str, list[int]]) -> dict:
    import websockets

    port = args.port
    units = setup["units"]
    dashboards: list[dict] = []

    opening = asyncio.Semaphore(50)  # handshakes in flight at once (browsers open over time)
    failed: list[str] = []

    async def dashboard(i: int) -> None:
        code = units[i % len(units)]
        d = {"unit": code, "msgs": [], "ok": False}
        dashboards.append(d)
        url = f"ws://127.0.0.1:{port}/ws/turnout/{SLUG}/{code}/"
        try:
            async with opening:
                ws = await websockets.connect(
                    url,
                    additional_headers={"Cookie": setup["cookie"]},
                    origin=f"http://127.0.0.1:{port}",
                    open_timeout=120,
                    max_size=None,
                    ping_interval=None,
                )
                first = json.loads(await asyncio.wait_for(ws.recv(), 120))
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            failed.append(f"{type(exc).__name__}: {exc}")
            return
        d["msgs"].append((time.perf_counter(), first["version"], first["voted"]))
        d["ok"] = True
        try:
            async for raw in ws:  # until the socket closes or the task is cancelled
                m = json.loads(raw)
                now = time.perf_counter()
                d["gap"] = max(d.get("gap", 0.0), now - d.get("heard", now))
                d["heard"] = now
                if m.get("type") == "heartbeat":  # the coalescer's proof of a live path
                    d["beats"] = d.get("beats", 0) + 1
                    continue
                d["msgs"].append((now, m["version"], m["voted"]))
        finally:
            await ws.close()

    tasks = []
    t0 = time.perf_counter()
    for i in range(args.dashboards):
        tasks.append(asyncio.create_task(dashboard(i)))
    deadline = time.perf_counter() + 300
    while (
        sum(d["ok"] for d in dashboards) + len(failed) < args.dashboards
        and time.perf_counter() < deadline
    ):
        await asyncio.sleep(0.2)
    connect_s = time.perf_counter() - t0
    print(f"dashboards connected: {sum(d['ok'] for d in dashboards)} in {connect_s:.1f} s")
    if failed:
        print(f"dashboards failed: {len(failed)}, e.g. {failed[0]}")
    dashboards[:] = [d for d in dashboards if d["ok"]]  # measured: the ones that opened

    # the burst: every polling area reports one slot
    queue: asyncio.Queue = asyncio.Queue()
    for a in setup["areas"]:
        queue.put_nowait(a)
    accepted: list[tuple[float, dict, int]] = []
    errors = 0
    clients: list[Http] = []

    async def reporter() -> None:
        nonlocal errors
        http = Http(port, keep_alive=args.keep_alive)
        clients.append(http)
        while not queue.empty() and time.perf_counter() < burst_deadline:
            a = queue.get_nowait()
            voted = 1 + hash(a["code"]) % a["listed"]
            body = json.dumps({"polling_area": a["code"], "slot": "00:00", "voted": voted}).encode()
            status, data = await http.post(
                "/api/turnout/",
                body,
                {"Authorization": f"Token {a['token']}", "Content-Type": "application/json"},
            )
            if status == 201:
                accepted.append((time.perf_counter(), a, voted))
            else:
                errors += 1
                if errors <= 3:
                    print("refused:", status, data[:300])

    t1 = time.perf_counter()
    burst_deadline = t1 + args.burst_limit
    workers = [asyncio.create_task(reporter()) for _ in range(args.streams)]
    # bounded: after --burst-limit no new report is sent (the rest is reported as not sent);
    # the ones in flight are awaited, so that every report the server saved is counted
    done, pending = await asyncio.wait(workers, timeout=args.burst_limit + 60)
    for task in pending:
        task.cancel()
    burst_s = time.perf_counter() - t1
    print(f"reports: {len(accepted)} accepted, {errors} refused, in {burst_s:.1f} s")
    spread = connections_per_worker(port, clients) if args.keep_alive else None
    print(f"report connections per web worker: {spread or 'one connection per report'}")

    # the final state: every dashboard shows its unit's true total (bounded at 60 s)
    truth: dict[str, int] = defaultdict(int)
    for _, a, voted in accepted:
        for code in a["units"]:
            truth[code] += voted

    def shown_voted(d: dict) -> int | None:
        """What the page shows: the message with the highest version (ties: the later)."""
        best = None
        for _, version, voted in d["msgs"]:
            if best is None or version >= best[0]:
                best = (version, voted)
        return best[1] if best else None

    def converged() -> bool:
        return all(shown_voted(d) == truth.get(d["unit"], 0) for d in dashboards)

    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and not converged():
        await asyncio.sleep(0.25)
    settle_s = time.perf_counter() - t1 - burst_s
    await asyncio.sleep(2)  # anything after the final state would be a stale overwrite

    # delays: per unit, cumulative sums in acceptance order
    per_unit: dict[str, list[tuple[float, int]]] = defaultdict(list)
    sums: dict[str, int] = defaultdict(int)
    for t, a, voted in sorted(accepted, key=lambda x: x[0]):
        for code in a["units"]:
            sums[code] += voted
            per_unit[code].append((t, sums[code]))
    delays: list[float] = []
    dump: list[tuple] = []
    lost = 0
    for d in dashboards:
        shown: list[tuple[float, int]] = []
        held = -1
        for t, version, voted in d["msgs"]:
            if version < held:
                continue
            held = version
            shown.append((t, voted))
        j = 0
        for t_acc, needed in per_unit.get(d["unit"], []):
            while j < len(shown) and shown[j][1] < needed:
                j += 1
            if j == len(shown):
                delays.append(float("inf"))
                continue
            delays.append(max(0.0, shown[j][0] - t_acc))
            if args.dump:
                dump.append((round(t_acc - t1, 3), d["unit"], round(delays[-1], 3)))
        final = shown[-1][1] if shown else None
        if final != sums.get(d["unit"], 0):
            lost += 1
            if lost <= 3:
                print("not final:", d["unit"], sums.get(d["unit"], 0), d["msgs"][-4:])
    if args.dump:
        Path(args.dump).write_text("\n".join(json.dumps(x) for x in dump))
    finite = sorted(x for x in delays if x != float("inf"))
    missing = len(delays) - len(finite)

    def q(values: list[float], p: float) -> float | None:
        if not values:
            return None
        return values[min(len(values) - 1, int(p * len(values)))]

    messages = sum(len(d["msgs"]) for d in dashboards)
    result = {
        "dashboards": args.dashboards,
        "dashboards_open": len(dashboards),
        "dashboards_failed": len(failed),
        "connect_s": round(connect_s, 1),
        "areas": len(setup["areas"]),
        "reports_accepted": len(accepted),
        "reports_refused": errors,
        "reports_not_sent": len(setup["areas"]) - len(accepted) - errors,
        "burst_s": round(burst_s, 2),
        "reports_per_s": round(len(accepted) / burst_s, 1),
        "report_connections_per_worker": spread,
        "report_connections": f"kept, {args.streams}" if args.keep_alive else "one per report",
        "report_streams": args.streams,
        "p50_s": round(q(finite, 0.50) or 0, 3),
        "p99_s": round(q(finite, 0.99) or 0, 3),
        "max_s": round(finite[-1], 3) if finite else None,
        "delay_pairs": len(delays),
        "never_seen": missing,
        "lost_updates": lost,
        "final_state_after_burst_s": round(settle_s, 2),
        "messages_received": messages,
        "messages_per_dashboard": round(messages / max(args.dashboards, 1), 1),
        "mean_delay_s": round(statistics.fmean(finite), 3) if finite else None,
        # heartbeats: a dashboard silent for 3 of them (+2 s) would say "offline"
        "heartbeats_per_dashboard": round(
            sum(d.get("beats", 0) for d in dashboards) / max(len(dashboards), 1), 1
        ),
        "max_silence_s": round(max((d.get("gap", 0.0) for d in dashboards), default=0.0), 2),
    }
    if args.soak:
        last = {a["code"]: voted for _, a, voted in accepted}
        result.update(await soak(args, setup, pids, last))
        truth.clear()
        by_code = {a["code"]: a for a in setup["areas"]}
        for code, voted in last.items():
            for unit in by_code[code]["units"]:
                truth[unit] += voted
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and not converged():
            await asyncio.sleep(0.25)
        await asyncio.sleep(2)
        result["lost_updates_after_soak"] = sum(
            shown_voted(d) != truth.get(d["unit"], 0) for d in dashboards
        )
        result["dashboards_open_after_soak"] = sum(1 for t in tasks if not t.done())
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


async def soak(
    args: argparse.Namespace, setup: dict, pids: dict[str, list[int]], last: dict[str, int]
) -> dict:
    """Corrections (up to 50/s) for args.soak seconds with the dashboards open, sampling the RSS of
    the web workers and of the coalescer every 10 s; `last` gets each area's accepted figure."""
    http = [Http(args.port) for _ in range(4)]
    samples: list[tuple[float, dict[str, int]]] = []
    t0 = time.perf_counter()
    t_end = t0 + args.soak
    n = changed = refused = 0
    areas = setup["areas"]

    def sample() -> None:
        samples.append(
            (time.perf_counter() - t0, {k: sum(rss_kb(p) for p in v) for k, v in pids.items()})
        )

    async def corrector(k: int) -> None:
        """One of 4 keep-alive streams, each at most 12.5 reports/s (50/s in all)."""
        nonlocal n, changed, refused
        while time.perf_counter() < t_end:
            a = areas[n % len(areas)]
            n += 1
            voted = min(a["listed"], 1 + hash(a["code"]) % a["listed"] + n // len(areas) + 1)
            body = json.dumps(
                {"polling_area": a["code"], "slot": "00:00", "voted": voted, "reason": "soak"}
            ).encode()
            started = time.perf_counter()
            status, _ = await http[k].post(
                "/api/turnout/",
                body,
                {"Authorization": f"Token {a['token']}", "Content-Type": "application/json"},
            )
            if status == 201:
                changed += 1
                last[a["code"]] = max(voted, last.get(a["code"], 0))
            elif status != 200:
                refused += 1
            await asyncio.sleep(max(0.0, 0.08 - (time.perf_counter() - started)))

    async def sampler() -> None:
        while time.perf_counter() < t_end:
            sample()
            await asyncio.sleep(10)

    await asyncio.gather(sampler(), *(corrector(k) for k in range(4)))
    sample()
    for label in pids:
        series = [(t, kb[label] / 1024) for t, kb in samples]
        print(f"rss {label} (s, MB): " + " ".join(f"{t:.0f}:{mb:.0f}" for t, mb in series))
    out: dict = {"soak_s": args.soak, "soak_reports": n, "soak_changed": changed}
    out["soak_refused"] = refused
    for label in pids:
        mbs = [kb[label] / 1024 for _, kb in samples]
        half = mbs[len(mbs) // 2 :]
        out[f"rss_{label}_start_mb"] = round(mbs[0], 1)
        out[f"rss_{label}_end_mb"] = round(mbs[-1], 1)
        out[f"rss_{label}_max_mb"] = round(max(mbs), 1)
        out[f"rss_{label}_second_half_growth_mb"] = round(half[-1] - half[0], 1)
    return out


TICK_LOG = Path("/tmp") / f"baucu-turnout-coalescer-{os.getpid()}.log"
TICK = re.compile(r"turnout tick: (\d+) snapshots, computed in ([\d.]+) s, sent in ([\d.]+) s")


def tick_figures(path: Path) -> dict:
    """The coalescer's own cost per tick, from its log (-v 2): units sent, compute, send."""
    ticks = [tuple(float(x) for x in m.groups()) for m in TICK.finditer(path.read_text())]
    path.unlink(missing_ok=True)
    if not ticks:
        return {"coalescer_ticks": 0}
    steady = ticks[1:] or ticks  # the first one after loading sends every unit

    def p(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 3)

    return {
        "coalescer_ticks": len(ticks),
        "coalescer_units_per_tick_p50": p([t[0] for t in steady], 0.5),
        "coalescer_units_per_tick_max": max(t[0] for t in steady),
        "coalescer_compute_p50_s": p([t[1] for t in steady], 0.5),
        "coalescer_compute_p99_s": p([t[1] for t in steady], 0.99),
        "coalescer_send_p50_s": p([t[2] for t in steady], 0.5),
        "coalescer_send_p99_s": p([t[2] for t in steady], 0.99),
    }


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


def connections_per_worker(port: int, clients: list[Http]) -> list[int]:
    """How the report connections (still open) were spread over the web workers, most first:
    the kernel hands each new connection to whichever worker accepts first, and a keep-alive
    connection stays with it, so 16 connections may split 8/8 or 12/4 — the busier worker
    then limits the rate."""
    ports = {c.writer.get_extra_info("sockname")[1] for c in clients if c.writer is not None}
    try:
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    per_pid: dict[str, int] = defaultdict(int)
    for line in out.splitlines():
        fields = line.split()
        pid = re.search(r"pid=(\d+)", line)
        if len(fields) >= 4 and pid and int(fields[3].rpartition(":")[2]) in ports:
            per_pid[pid.group(1)] += 1
    return sorted(per_pid.values(), reverse=True)


def children(pid: int) -> list[int]:
    out = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            kids = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            for k in kids:
                out += children(int(k))
    except OSError:
        pass
    return out


async def baseline(n: int = 2000) -> dict:
    """Bare Redis PUBLISH → SUBSCRIBE round trip."""
    import redis.asyncio as aioredis

    r = aioredis.Redis.from_url(os.environ["REDIS_URL"])
    pubsub = r.pubsub()
    await pubsub.subscribe("bench-turnout-baseline")
    await pubsub.get_message(timeout=1)
    rtts = []
    for _ in range(n):
        t = time.perf_counter()
        await r.publish("bench-turnout-baseline", b"x" * 200)
        while True:
            m = await pubsub.get_message(timeout=5)
            if m and m["type"] == "message":
                break
        rtts.append(time.perf_counter() - t)
    await pubsub.aclose()
    await r.aclose()
    rtts.sort()
    return {
        "baseline_p50_s": round(rtts[len(rtts) // 2], 5),
        "baseline_p99_s": round(rtts[int(len(rtts) * 0.99)], 5),
    }


def stop_server(server: subprocess.Popen) -> None:
    """Stop uvicorn and its worker processes (the process group it leads), bounded."""
    import signal

    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass
    time.sleep(0.5)
    try:
        os.killpg(server.pid, signal.SIGKILL)  # any worker left behind
    except ProcessLookupError:
        pass


def main() -> int:
    import functools
    import signal

    global print
    print = functools.partial(print, flush=True)  # noqa: A001 - progress lines as they come
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally: stop the server
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="200 dashboards, 1,000 areas")
    p.add_argument("--dashboards", type=int, default=1000)
    p.add_argument("--areas", type=int, default=5000)
    p.add_argument("--voters-per-area", type=int, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--port", type=int, default=8150)
    p.add_argument(
        "--coalescer",
        choices=["process", "auto"],
        default="process",
        help="process: manage.py turnout_coalescer; auto: a web worker wins the lock",
    )
    p.add_argument("--burst-limit", type=int, default=300, help="seconds; the rest is not sent")
    p.add_argument("--dump", default="", help="write (accepted at, unit, delay) lines here")
    p.add_argument("--soak", type=int, default=0, help="seconds of soak after the burst")
    p.add_argument("--streams", type=int, default=32, help="reports in flight at once")
    p.add_argument(
        "--keep-alive",
        action="store_true",
        help="each stream keeps its connection instead of one connection per report",
    )
    args = p.parse_args()
    if not (8150 <= args.port <= 8159 or 18100 <= args.port <= 18199):
        p.error("--port must be in 8150-8159 or 18100-18199")
    if args.quick:
        args.dashboards, args.areas = min(args.dashboards, 200), min(args.areas, 1000)
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        p.error("needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    load_start = [round(x, 2) for x in os.getloadavg()]
    setup_django()
    from realtime import live

    store = live.store()
    for key in store._r.scan_iter("baucu*"):  # our keys and stale channel-layer groups
        store._r.delete(key)
    t = time.perf_counter()
    setup = build(args.areas, args.voters_per_area)
    print(
        f"setup: {args.areas} areas, {len(setup['units'])} units in {time.perf_counter() - t:.1f} s"
    )
    from django.db import connections

    connections.close_all()
    env = {**os.environ, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_DEBUG": "0"}
    env["BAUCU_TURNOUT_COALESCER"] = "external" if args.coalescer == "process" else "auto"
    coalescer = None
    if args.coalescer == "process":
        coalescer_log = open(TICK_LOG, "w")  # noqa: SIM115 - closed with the process
        coalescer = subprocess.Popen(
            [sys.executable, "manage.py", "turnout_coalescer", "-v", "2"],
            cwd=ROOT,
            env=env,
            stdout=coalescer_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        + ["--port", str(args.port), "--workers", str(args.workers), "--log-level", "warning"]
        + ["--ws-max-size", "16777216"],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: the workers are stopped with it
    )
    try:
        import socket

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", args.port)) == 0:
                    break
            time.sleep(0.2)
        time.sleep(1.5 if args.workers > 1 else 0.2)  # let every worker boot
        pids = {"web": children(server.pid)}
        if coalescer is not None:
            pids["coalescer"] = [coalescer.pid]
        result = asyncio.run(run(args, setup, pids))
        result.update(asyncio.run(baseline()))
        if coalescer is not None and coalescer.poll() is not None:
            result["coalescer_exit"] = coalescer.returncode
    finally:
        stop_server(server)
        if coalescer is not None:
            stop_server(coalescer)
            coalescer_log.close()
    if coalescer is not None:
        result.update(tick_figures(TICK_LOG))
    result["coalescer"] = args.coalescer
    result["load_average_start"] = load_start
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    result["p99_target_s"] = 2.0
    result["ratio_p99_to_baseline"] = (
        round(result["p99_s"] / result["baseline_p99_s"], 1) if result["baseline_p99_s"] else None
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
