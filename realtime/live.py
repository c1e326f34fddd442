"""Live push of turnout: dirty marks, the coalescer and the last snapshots.

A saved report marks its unit and every ancestor dirty (after commit). A coalescer runs in every
ASGI server process that holds a turnout socket; each tick it *takes* the whole dirty set
atomically, computes one snapshot per dirty unit from one roll-up and sends it to the unit's
group. Messages per tick are bounded by the number of dirty units, not by the report rate, and
each snapshot is the full state: a lost message is repaired by the next one.

Stores: in one process (embedded default) a set in memory; with REDIS_URL a Redis set, so that a
report accepted by any process (web worker, API, command) reaches the coalescer of whichever
server process takes the set first; the channel layer then fans out to every process.
A snapshot's version is derived from the data (the number of report writes under its unit,
selectors.snapshot_from), so snapshots computed by different processes and delivered in any
order are ordered correctly: clients ignore one whose version is lower than the one they hold.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)


def group_name(election_id: int, unit_id: int) -> str:
    """One group per (election, unit): a tree generation can serve several elections."""
    return f"turnout.e{election_id}.u{unit_id}"


SNAPSHOT_TTL = 20  # seconds a computed snapshot may serve a newly joined socket


def tick_seconds() -> float:
    return float(getattr(settings, "BAUCU_TURNOUT_TICK", 0.5))


class _MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dirty: set[tuple[int, int]] = set()
        self._snaps: dict[tuple[int, int], tuple[float, dict[str, Any]]] = {}

    def mark(self, items: Iterable[tuple[int, int]]) -> None:
        with self._lock:
            self._dirty.update(items)

    def take(self) -> set[tuple[int, int]]:
        with self._lock:
            out, self._dirty = self._dirty, set()
        return out

    def is_dirty(self, election_id: int, unit_id: int) -> bool:
        with self._lock:
            return (election_id, unit_id) in self._dirty

    def save_snapshots(self, election_id: int, snaps: dict[int, dict[str, Any]]) -> None:
        until = time.monotonic() + SNAPSHOT_TTL
        with self._lock:
            for unit_id, snap in snaps.items():
                self._snaps[(election_id, unit_id)] = (until, snap)

    def get_snapshot(self, election_id: int, unit_id: int) -> dict[str, Any] | None:
        with self._lock:
            hit = self._snaps.get((election_id, unit_id))
        return hit[1] if hit and hit[0] > time.monotonic() else None


class _RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._r = redis.Redis.from_url(url)
        self._dirty = f"{prefix}:turnout:dirty"
        self._prefix = prefix

    def mark(self, items: Iterable[tuple[int, int]]) -> None:
        members = [f"{e}:{u}" for e, u in items]
        if members:
            self._r.sadd(self._dirty, *members)

    def take(self) -> set[tuple[int, int]]:
        pipe = self._r.pipeline(transaction=True)
        pipe.smembers(self._dirty)
        pipe.delete(self._dirty)
        members, _ = pipe.execute()
        out = set()
        for m in members:
            e, u = m.decode().split(":")
            out.add((int(e), int(u)))
        return out

    def is_dirty(self, election_id: int, unit_id: int) -> bool:
        return bool(self._r.sismember(self._dirty, f"{election_id}:{unit_id}"))

    def _snap_key(self, election_id: int, unit_id: int) -> str:
        return f"{self._prefix}:turnout:snap:{election_id}:{unit_id}"

    def save_snapshots(self, election_id: int, snaps: dict[int, dict[str, Any]]) -> None:
        pipe = self._r.pipeline(transaction=False)
        for unit_id, snap in snaps.items():
            pipe.set(self._snap_key(election_id, unit_id), json.dumps(snap), ex=SNAPSHOT_TTL)
        pipe.execute()

    def get_snapshot(self, election_id: int, unit_id: int) -> dict[str, Any] | None:
        raw = self._r.get(self._snap_key(election_id, unit_id))
        return json.loads(raw) if raw else None


_store: _MemoryStore | _RedisStore | None = None
_store_lock = threading.Lock()


def store() -> _MemoryStore | _RedisStore:
    global _store
    with _store_lock:
        if _store is None:
            url = getattr(settings, "REDIS_URL", "")
            prefix = getattr(settings, "BAUCU_TURNOUT_PREFIX", "baucu")
            _store = _RedisStore(url, prefix) if url else _MemoryStore()
        return _store


def reset_store() -> None:
    """Forget the store (tests switch settings)."""
    global _store
    with _store_lock:
        _store = None


_unsent: set[tuple[int, int]] = set()  # marks that could not reach Redis (it was down)
_unsent_lock = threading.Lock()


def mark_dirty(election_id: int, unit_ids: Iterable[int]) -> None:
    """After a report's commit. Never fails the report: if Redis is down the marks are kept in
    this process and sent with the next report it saves, so dashboards catch up."""
    items = {(election_id, u) for u in unit_ids}
    with _unsent_lock:
        items |= _unsent
        _unsent.clear()
    try:
        store().mark(items)
    except Exception:  # noqa: BLE001 - the report is saved (the database is the truth)
        with _unsent_lock:
            _unsent.update(items)
        log.warning("turnout: Redis unavailable, %d dirty marks kept for later", len(items))


def _slot_passed(snapshot: dict[str, Any]) -> bool:
    """A new slot started since the snapshot was made (its late list is out of date)."""
    from realtime import clock

    nxt = snapshot.get("next_slot_at")
    return bool(nxt) and dt.datetime.fromisoformat(nxt) <= clock.now()


def current_snapshot(election: Any, unit: Any) -> dict[str, Any]:
    """The unit's current snapshot: the last one computed when nothing under the unit changed
    since (many dashboards join at once at opening time), else computed now. A change racing
    with this is marked dirty, and the next tick sends it to sockets already joined."""
    from realtime.selectors import turnout_snapshot

    try:
        if not store().is_dirty(election.id, unit.id):
            cached = store().get_snapshot(election.id, unit.id)
            if cached is not None and not _slot_passed(cached):
                return cached
    except Exception:  # noqa: BLE001 - Redis down: the database is the truth, compute it
        log.warning("turnout: Redis unavailable, snapshot computed without the cache")
        return turnout_snapshot(election=election, unit=unit)
    snap = turnout_snapshot(election=election, unit=unit)
    try:
        store().save_snapshots(election.id, {unit.id: snap})
    except Exception:  # noqa: BLE001 - as above
        log.warning("turnout: Redis unavailable, snapshot not cached")
    return snap


def collect() -> list[tuple[str, dict[str, Any]]]:
    """Take the dirty set and build one message per dirty unit (sync: runs in a thread)."""
    from election.models import Election
    from realtime.selectors import turnout_snapshots

    dirty = store().take()
    if not dirty:
        return []
    by_election: dict[int, list[int]] = defaultdict(list)
    for e, u in dirty:
        by_election[e].append(u)
    out: list[tuple[str, dict[str, Any]]] = []
    try:
        for election_id, unit_ids in by_election.items():
            election = Election.objects.filter(pk=election_id).first()
            if election is None:
                continue
            snaps = turnout_snapshots(election=election, unit_ids=unit_ids)
            store().save_snapshots(election_id, snaps)
            for unit_id, snap in snaps.items():
                message = {"type": "turnout.snapshot", "snapshot": snap}
                out.append((group_name(election_id, unit_id), message))
    except Exception:
        store().mark(dirty)  # retried next tick
        raise
    return out


async def tick() -> int:
    """One round: collect and send; returns the number of messages sent."""
    started = time.perf_counter()
    batch = await database_sync_to_async(collect)()
    computed = time.perf_counter()
    layer = get_channel_layer()
    # concurrently: one round trip's latency for the whole tick, not one per unit
    await asyncio.gather(*(layer.group_send(group, message) for group, message in batch))
    if batch:
        log.info(
            "turnout tick: %d snapshots, computed in %.3f s, sent in %.3f s",
            len(batch),
            computed - started,
            time.perf_counter() - computed,
        )
    return len(batch)


async def _run() -> None:
    while True:
        try:
            await tick()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep ticking; the dirty marks are retried next time
            log.exception("turnout coalescer tick failed")
        await asyncio.sleep(tick_seconds())


_tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
    weakref.WeakKeyDictionary()
)


def ensure_started() -> None:
    """Start this event loop's coalescer once (called when a turnout socket joins)."""
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_run(), name="turnout-coalescer")


async def stop() -> None:
    """Stop this loop's coalescer (tests)."""
    loop = asyncio.get_running_loop()
    task = _tasks.pop(loop, None)
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
