"""The drill day against the running system: turnout reports over the API while dashboards
watch over websockets, then count minutes keyed twice, then a coordinator settles the
differences. Only HTTP and websockets here (no ORM: this runs in an event loop)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from drill import figures as fig
from drill.faults import Fault
from drill.prepare import AreaPlan, Setup
from drill.verdict import Flag, board_flags


@dataclass
class Phase:
    name: str
    seconds: float
    requests: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "s": round(self.seconds, 2),
            "requests": self.requests,
            "per_s": round(self.per_s, 1),
            **self.extra,
        }


@dataclass
class Day:
    phases: list[Phase] = field(default_factory=list)
    entry_caught: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unexpected: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    never_seen: int = 0
    flags: list[Flag] = field(default_factory=list)

    def odd(self, what: str) -> None:
        self.unexpected.append(what)


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- dashboards ----------------------------------------------------------------------------


@dataclass
class Dashboard:
    unit: str
    messages: list[tuple[float, int]] = field(default_factory=list)  # (time, version)
    start_version: int | None = None

    def best(self) -> int:
        return max((v for _, v in self.messages), default=-1)


async def watch(
    base_url: str, slug: str, board: Dashboard, cookie: str, stop: asyncio.Event
) -> None:
    import websockets

    ws_url = base_url.replace("http", "ws", 1) + f"/ws/turnout/{slug}/{board.unit}/"
    async with websockets.connect(
        ws_url,
        additional_headers={"Cookie": cookie},
        origin=base_url,
        open_timeout=30,
        max_size=None,
        ping_interval=None,
    ) as ws:
        first = json.loads(await ws.recv())
        board.start_version = first["version"]
        board.messages.append((time.perf_counter(), first["version"]))
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.25)
            except TimeoutError:
                continue
            message = json.loads(raw)
            if message.get("type") == "heartbeat":  # the coalescer's proof of a live path
                continue
            board.messages.append((time.perf_counter(), message["version"]))


def dashboard_delays(board: Dashboard, accepted: list[float]) -> tuple[list[float], int]:
    """Delay from each accepted write under the unit (in acceptance order) to the first
    snapshot whose version includes it; and how many were never seen."""
    base = board.start_version or 0
    msgs = sorted(board.messages)
    out: list[float] = []
    missing = 0
    j = 0
    for k, t in enumerate(sorted(accepted), start=1):
        while j < len(msgs) and msgs[j][1] < base + k:
            j += 1
        if j == len(msgs):
            missing += 1
            continue
        out.append(max(0.0, msgs[j][0] - t))
    return out, missing


# --- the day -------------------------------------------------------------------------------


class Drill:
    def __init__(
        self,
        *,
        setup: Setup,
        faults: dict[str, Fault],
        base_url: str,
        concurrency: int,
        rng: random.Random,
        board_at: str,
        dashboards: int = 4,
        slot_seconds: float = 0.0,
    ) -> None:
        self.s = setup
        self.slug = setup.election.slug
        self.faults = faults
        self.base_url = base_url.rstrip("/")
        self.k = max(1, concurrency)
        self.rng = rng
        self.n_dashboards = dashboards
        self.slot_seconds = slot_seconds
        self.board_at = board_at
        self.day = Day()
        self.series: dict[str, list[int]] = {
            a.code: fig.turnout_series(a.listed, len(setup.slots), rng) for a in setup.areas
        }

    async def _post(
        self, client: httpx.AsyncClient, token: str, path: str, body: dict[str, Any]
    ) -> tuple[int, Any]:
        try:
            r = await client.post(path, json=body, headers={"Authorization": f"Token {token}"})
        except httpx.HTTPError as exc:  # the system did not answer: an odd answer, not a crash
            return 0, f"{type(exc).__name__}: {exc}"
        try:
            data = r.json()
        except ValueError:
            data = r.text[:300]
        return r.status_code, data

    async def _pool(self, jobs: list[Any], run: Any) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        for j in jobs:
            queue.put_nowait(j)

        async def worker() -> None:
            while not queue.empty():
                await run(queue.get_nowait())

        await asyncio.gather(*(worker() for _ in range(self.k)))

    # turnout ------------------------------------------------------------------------------

    def turnout_events(self) -> list[tuple[float, AreaPlan, int]]:
        """(when, area, slot index) in the order reports arrive: each slot's reports come
        with a realistic lateness (most within the slot, a few after the next one opens);
        an area's own reports keep their order."""
        events = []
        for a in self.s.areas:
            fault = self.faults.get(a.code)
            last = -1.0
            if fault and fault.kind == "area_silent":
                continue  # the Team never reports: only the board can tell the committee
            for i, slot in enumerate(self.s.slots):
                if fault and fault.kind == "slot_missing" and fault.slot == slot:
                    continue
                when = max(i + self.rng.expovariate(6.0), last + 1e-6)
                last = when
                events.append((when, a, i))
        events.sort(key=lambda e: e[0])
        return events

    async def turnout(self, client: httpx.AsyncClient) -> dict[str, list[float]]:
        """Every area at every slot; returns {unit code: acceptance times of writes}."""
        accepted: dict[str, list[float]] = defaultdict(list)
        events = self.turnout_events()
        t0 = time.perf_counter()
        counts = {"sent": 0, "accepted": 0}

        async def report(event: tuple[float, AreaPlan, int]) -> None:
            when, a, i = event
            if self.slot_seconds:
                await asyncio.sleep(max(0.0, t0 + when * self.slot_seconds - time.perf_counter()))
            slot = self.s.slots[i]
            fault = self.faults.get(a.code)
            body = {"polling_area": a.code, "election": self.slug, "slot": slot}
            if fault and fault.kind == "turnout_above_list" and fault.slot == slot:
                code, data = await self._post(
                    client, a.token, "/api/turnout/", {**body, "voted": a.listed + 3}
                )
                counts["sent"] += 1
                codes = {e.get("code") for e in data.get("errors", [])} if code == 400 else set()
                if code == 400:
                    self.day.entry_caught[a.code] |= codes
                else:
                    self.day.odd(f"turnout above the list accepted: {a.code} {slot} ({code})")
                    if code == 201:
                        for unit in a.ancestors:
                            accepted[unit].append(time.perf_counter())
            code, data = await self._post(
                client, a.token, "/api/turnout/", {**body, "voted": self.series[a.code][i]}
            )
            counts["sent"] += 1
            if code in (200, 201):
                counts["accepted"] += 1
                if code == 201:
                    now = time.perf_counter()
                    for unit in a.ancestors:
                        accepted[unit].append(now)
            else:
                self.day.odd(f"turnout {a.code} {slot}: {code} {data}")

        await self._pool(events, report)
        self.day.phases.append(
            Phase(
                "turnout",
                time.perf_counter() - t0,
                counts["sent"],
                {"reports_accepted": counts["accepted"], "slots": len(self.s.slots)},
            )
        )
        return accepted

    # count minutes ------------------------------------------------------------------------

    def minutes_jobs(self) -> list[tuple[AreaPlan, fig.ContestSheet, fig.Minutes, fig.Minutes]]:
        """(area, contest, clean minutes, minutes with voters who voted off the turnout): the
        figures drawn here, in order, so that a seed gives the same day whatever the timing."""
        jobs = []
        for a in self.s.areas:
            final = self.series[a.code][-1]
            for sheet in a.sheets:
                clean = fig.clean_minutes(sheet, listed_total=a.listed, final=final, rng=self.rng)
                off = (
                    fig.voted_off_turnout(sheet, clean, self.rng)
                    if clean.voters_voted > 2
                    else clean
                )
                jobs.append((a, sheet, clean, off))
        return jobs

    async def minutes(self, client: httpx.AsyncClient) -> None:
        path = f"/api/elections/{self.slug}/minutes/"
        t0 = time.perf_counter()
        counts = {"requests": 0, "definitive": 0}
        clerk1, clerk2 = self.s.clerks

        async def enter(token: str, m: fig.Minutes, area: str) -> tuple[int, Any]:
            counts["requests"] += 1
            doc: dict[str, Any] = {"format": "baucu.count/1", "minutes": [m.as_document(area)]}
            code, data = await self._post(client, token, path, doc)
            if code == 400 and data.get("warnings") and not data.get("errors"):
                # like the paper form: the clerk checks each warning against the signed
                # minutes, acknowledges it and saves again
                counts["requests"] += 1
                doc["acknowledged"] = sorted({w["code"] for w in data["warnings"]})
                code, data = await self._post(client, token, path, doc)
            return code, data

        async def one(job: tuple[AreaPlan, fig.ContestSheet, fig.Minutes, fig.Minutes]) -> None:
            a, sheet, clean, off_turnout = job
            fault = self.faults.get(a.code)
            kind = fault.kind if fault and fault.contest == sheet.code else None
            if kind == "minutes_missing":
                return
            first, second = clean, clean
            if kind == "turnout_ne_minutes":
                first = second = off_turnout
            elif kind == "list_ne_minutes":
                first = second = fig.listed_off_list(clean)
            elif kind == "keying_difference":
                second = fig.keyed_differently(clean)
            refused = {
                "minutes_sum_mismatch": fig.invalid_off_received,
                "minutes_list_no_reason": fig.listed_off_list_no_reason,
            }.get(kind or "")
            if refused is not None:
                code, data = await enter(clerk1, refused(clean), a.code)
                if code == 400:
                    self.day.entry_caught[a.code] |= {e.get("code") for e in data["errors"]}
                else:
                    self.day.odd(f"inconsistent minutes accepted: {a.code} {sheet.code} {data}")
                    return
            code, data = await enter(clerk1, first, a.code)
            if code != 200:
                self.day.odd(f"minutes entry 1 {a.code} {sheet.code}: {code} {data}")
                return
            if kind == "minutes_not_definitive":
                return
            code, data = await enter(clerk2, second, a.code)
            if code != 200:
                self.day.odd(f"minutes entry 2 {a.code} {sheet.code}: {code} {data}")
                return
            states = data.get("states", {})
            if "different" in states:
                self.day.entry_caught[a.code].add("different")
                if kind != "keying_difference":
                    self.day.odd(f"entries differ where none was planted: {a.code} {sheet.code}")
            elif "definitive" in states:
                counts["definitive"] += 1

        await self._pool(self.minutes_jobs(), one)
        self.day.phases.append(
            Phase(
                "minutes_entry",
                time.perf_counter() - t0,
                counts["requests"],
                {"definitive_after_two_entries": counts["definitive"]},
            )
        )

    async def settle(self, client: httpx.AsyncClient) -> None:
        """The coordinator lists the differing minutes and keeps the first entry where the
        drill planted the slip in the second (the paper shows the first was right)."""
        path = f"/api/elections/{self.slug}/minutes/resolve/"
        t0 = time.perf_counter()
        token = self.s.coordinator
        r = await client.get(path, headers={"Authorization": f"Token {token}"})
        listed = r.json().get("minutes", []) if r.status_code == 200 else []
        if r.status_code != 200:
            self.day.odd(f"differing minutes list: {r.status_code}")
        planted = {
            (f.area, f.contest) for f in self.faults.values() if f.kind == "keying_difference"
        }
        seen = set()
        for m in listed:
            key = (m["polling_area"], m["contest"])
            if key not in planted:
                continue  # not ours (another area of the election): leave it to its people
            seen.add(key)
            body = {
                "polling_area": m["polling_area"],
                "contest": m["contest"],
                "round": m["round"],
                "action": "keep_first",
                "version": m["version"],
            }
            code, data = await self._post(client, token, path, body)
            if code != 200 or data.get("status") != "definitive":
                self.day.odd(f"settle {key}: {code} {data}")
        for key in sorted(planted - seen):
            self.day.odd(f"differing minutes not offered to the coordinator: {key}")
        self.day.phases.append(Phase("settle", time.perf_counter() - t0, 1 + len(seen)))

    async def board(self, client: httpx.AsyncClient) -> None:
        """The coordinator reads the reconciliation board of the whole election over the API,
        as it stands at the end of the played day."""
        root = self.s.election.root.code
        t0 = time.perf_counter()
        r = await client.get(
            f"/api/reconciliation/{self.slug}/{root}/",
            params={"at": self.board_at} if self.board_at else None,
            headers={"Authorization": f"Token {self.s.coordinator}"},
        )
        if r.status_code == 200:
            self.day.flags = board_flags(r.json())
        else:
            self.day.odd(f"reconciliation board: {r.status_code} {r.text[:300]}")
        self.day.phases.append(
            Phase("board", time.perf_counter() - t0, 1, {"rows": len(self.day.flags)})
        )

    # the whole day ------------------------------------------------------------------------

    def dashboard_units(self) -> list[str]:
        root = self.s.election.root.code
        units = [root]
        for a in self.s.areas:
            for unit in a.ancestors[:1]:  # the area's own unit (ward)
                if unit not in units:
                    units.append(unit)
        return units[: max(1, self.n_dashboards)]

    async def run(self) -> Day:
        limits = httpx.Limits(max_connections=self.k, max_keepalive_connections=self.k)
        stop = asyncio.Event()
        boards = [Dashboard(u) for u in self.dashboard_units()]
        async with httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=120) as client:
            watchers = [
                asyncio.create_task(watch(self.base_url, self.slug, b, self.s.session_cookie, stop))
                for b in boards
            ]
            deadline = time.perf_counter() + 30
            while any(b.start_version is None for b in boards):
                failed = [w for w in watchers if w.done()]
                if failed or time.perf_counter() > deadline:
                    for w in failed:
                        self.day.odd(f"dashboard socket: {w.exception()!r}")
                    break
                await asyncio.sleep(0.05)
            accepted = await self.turnout(client)
            # let the dashboards catch up (bounded), then measure
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and any(
                b.start_version is not None
                and b.best() < b.start_version + len(accepted.get(b.unit, []))
                for b in boards
            ):
                await asyncio.sleep(0.1)
            stop.set()
            await asyncio.gather(*watchers, return_exceptions=True)
            for b in boards:
                if b.start_version is None:
                    continue
                delays, missing = dashboard_delays(b, accepted.get(b.unit, []))
                self.day.delays += delays
                self.day.never_seen += missing
            turnout = self.day.phases[-1]
            turnout.extra.update(
                {
                    "dashboards": sum(b.start_version is not None for b in boards),
                    "p50_report_to_dashboard_s": _round(quantile(self.day.delays, 0.5)),
                    "p99_report_to_dashboard_s": _round(quantile(self.day.delays, 0.99)),
                    "never_seen": self.day.never_seen,
                }
            )
            await self.minutes(client)
            await self.settle(client)
            await self.board(client)
        return self.day


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
