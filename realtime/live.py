"""Live push of turnout: changed areas, one coalescer, the last snapshots.

Web workers only accept reports and serve sockets: after a report commits, its polling area is
marked *changed* (one set add). One coalescer — a single leader elected through a lock —
keeps every election's figures in memory (realtime/tally.py: loaded once, then updated area by
area), and each tick takes the whole changed set, re-reads only those areas' reports, sums them
upward along the changed paths only, and sends one pre-encoded snapshot per changed unit to the
unit's group. Messages per tick are bounded by the number of changed units, not by the report
rate; each snapshot is the full state of its unit, so a lost message is repaired by the next.

Stores: in one process (embedded default) a set, a dict and a flag in memory, and the coalescer
runs as a task of the process that holds a turnout socket. With REDIS_URL the changed set, the
last snapshot of every unit and the leader lock are in Redis: the coalescer is the management
command `python manage.py turnout_coalescer` (its own process in production), or, with
BAUCU_TURNOUT_COALESCER="auto" (the default), whichever server process wins the lock.
A snapshot's version is derived from the data (the number of report writes under its unit), so
snapshots from different leaders or from a database read on joining order correctly. A wipe
deletes reports and versions restart lower, so a snapshot also carries the election's turnout
epoch (Election.turnout_epoch, raised in the wipe's transaction, read from the database with
the reports): clients ignore a snapshot whose (epoch, version) is lower than the one they hold,
and start again from a snapshot of a higher epoch.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

LEADER_TTL = 10.0  # seconds a leader holds the lock without renewing it (renewed every tick)
SNAPSHOT_TTL = 24 * 3600  # the last snapshot of a unit, kept by Redis this long
REPEAT_AFTER = 2.0  # seconds: a unit quiet this long since its last snapshot gets it once more


def group_name(election_id: int, unit_id: int) -> str:
    """One group per (election, unit): a tree generation can serve several elections."""
    return f"turnout.e{election_id}.u{unit_id}"


def beat_group(election_id: int) -> str:
    """Every dashboard of an election also joins this group: the coalescer's heartbeat."""
    return f"turnout.e{election_id}.beat"


def heartbeat_seconds() -> float:
    """The coalescer sends each loaded election a heartbeat this often. A dashboard that hears
    nothing (no snapshot, no heartbeat) for three of these says it is offline and reconnects:
    with the pub/sub layer a socket whose Redis went down stays open and silent."""
    return float(getattr(settings, "BAUCU_TURNOUT_HEARTBEAT", 2.0))


HEARTBEAT_TEXT = '{"type": "heartbeat"}'


def tick_seconds() -> float:
    return float(getattr(settings, "BAUCU_TURNOUT_TICK", 0.5))


def reload_seconds() -> float:
    """A full reload of an election's figures this often (list sizes, contacts, new areas)."""
    return float(getattr(settings, "BAUCU_TURNOUT_RELOAD", 300))


def mode() -> str:
    """ "auto": server processes run the coalescer when they win the lock; "external": only the
    turnout_coalescer command does (production with its own process)."""
    return str(getattr(settings, "BAUCU_TURNOUT_COALESCER", "auto"))


class _MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed: set[tuple[int, int]] = set()
        self._snaps: dict[tuple[int, int], str] = {}
        self._leader: str | None = None
        self._leader_until = 0.0

    def mark(self, items: Iterable[tuple[int, int]]) -> None:
        with self._lock:
            self._changed.update(items)

    def take(self) -> set[tuple[int, int]]:
        with self._lock:
            out, self._changed = self._changed, set()
        return out

    def save_snapshots(self, items: dict[tuple[int, int], str]) -> None:
        with self._lock:
            self._snaps.update(items)

    def get_snapshot(self, election_id: int, unit_id: int) -> str | None:
        with self._lock:
            return self._snaps.get((election_id, unit_id))

    def lead(self, owner: str) -> bool:
        with self._lock:
            now = time.monotonic()
            if self._leader in (None, owner) or self._leader_until < now:
                self._leader, self._leader_until = owner, now + LEADER_TTL
                return True
            return False

    def resign(self, owner: str) -> None:
        with self._lock:
            if self._leader == owner:
                self._leader, self._leader_until = None, 0.0

    def leader_alive(self) -> bool:
        with self._lock:
            return self._leader is not None and self._leader_until >= time.monotonic()


# take or renew the lock atomically: the holder renews, anyone takes a free one
_LEAD = """
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0
"""
_RESIGN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class _RedisStore:
    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._r = redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)
        self._prefix = prefix
        self._changed = f"{prefix}:turnout:areas"
        self._leader = f"{prefix}:turnout:leader"
        self._lead = self._r.register_script(_LEAD)
        self._resign = self._r.register_script(_RESIGN)

    def mark(self, items: Iterable[tuple[int, int]]) -> None:
        members = [f"{e}:{a}" for e, a in items]
        if members:
            self._r.sadd(self._changed, *members)

    def take(self) -> set[tuple[int, int]]:
        pipe = self._r.pipeline(transaction=True)
        pipe.smembers(self._changed)
        pipe.delete(self._changed)
        members, _ = pipe.execute()
        out = set()
        for m in members:
            e, a = m.decode().split(":")
            out.add((int(e), int(a)))
        return out

    def _snap_key(self, election_id: int, unit_id: int) -> str:
        return f"{self._prefix}:turnout:snap:{election_id}:{unit_id}"

    def save_snapshots(self, items: dict[tuple[int, int], str]) -> None:
        pipe = self._r.pipeline(transaction=False)
        for (election_id, unit_id), text in items.items():
            pipe.set(self._snap_key(election_id, unit_id), text, ex=SNAPSHOT_TTL)
        pipe.execute()

    def get_snapshot(self, election_id: int, unit_id: int) -> str | None:
        raw = self._r.get(self._snap_key(election_id, unit_id))
        return raw.decode() if raw else None

    def lead(self, owner: str) -> bool:
        return bool(self._lead(keys=[self._leader], args=[owner, int(LEADER_TTL * 1000)]))

    def resign(self, owner: str) -> None:
        self._resign(keys=[self._leader], args=[owner])

    def leader_alive(self) -> bool:
        return bool(self._r.exists(self._leader))

    def leader(self) -> str | None:
        """Who holds the lock ("host:pid:id"), for operators and tests."""
        raw = self._r.get(self._leader)
        return raw.decode() if raw else None


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
    """Forget the store and this process's coalescer state (tests switch settings)."""
    global _store, _local
    with _store_lock:
        _store = None
    _local = None


WANTED = 0  # a pseudo area id: "load this election" (no polling area has id 0)


RELOAD = -1  # a pseudo area id: "reload this election" (its data changed wholesale)
_unsent: set[tuple[int, int]] = set()  # marks that could not reach Redis (it was down)
_unsent_lock = threading.Lock()


def area_changed(election_id: int, area_ids: Iterable[int]) -> None:
    """Mark polling areas whose reports changed (called after commit). Never fails the report:
    if Redis is down the marks are kept in this process and sent with the next mark, and the
    coalescer's periodic reload repairs the rest (the database is the truth)."""
    items = {(election_id, a) for a in area_ids}
    with _unsent_lock:
        items |= _unsent
        _unsent.clear()
    try:
        store().mark(items)
    except Exception:  # noqa: BLE001 - the report is saved
        with _unsent_lock:
            _unsent.update(items)
        log.warning("turnout: Redis unavailable, %d change marks kept for later", len(items))


def election_changed(election_id: int) -> None:
    """The election's turnout changed wholesale (a rehearsal wiped): reload and resend all."""
    area_changed(election_id, [RELOAD])


def _slot_passed(snapshot: dict[str, Any]) -> bool:
    """A new slot started since the snapshot was made (its late list is out of date)."""
    from realtime import clock

    nxt = snapshot.get("next_slot_at")
    return bool(nxt) and dt.datetime.fromisoformat(nxt) <= clock.now()


def current_snapshot(election: Any, unit: Any) -> dict[str, Any]:
    """The unit's current snapshot: the coalescer's last one while a coalescer runs (it is at
    most one tick behind, and a socket that joined gets the next tick), else read from the
    database for this unit's subtree."""
    from realtime.selectors import turnout_snapshot

    try:
        st = store()
        if st.leader_alive():
            text = st.get_snapshot(election.id, unit.id)
            if text is not None:
                cached = json.loads(text)
                if not _slot_passed(cached):
                    return cached
            else:  # the coalescer has not loaded this election yet: ask it to
                area_changed(election.id, [WANTED])
    except Exception:  # noqa: BLE001 - Redis down: the database is the truth, read it
        log.warning("turnout: Redis unavailable, snapshot read from the database")
    return turnout_snapshot(election=election, unit=unit)


class Coalescer:
    """The leader's state: one Tally per election, loaded once, then fed the changed areas."""

    def __init__(self, st: _MemoryStore | _RedisStore) -> None:
        self.store = st
        self.tallies: dict[int, Any] = {}
        self.loaded_at: dict[int, float] = {}
        self.marks: dict[int, tuple] = {}
        # units sent and not yet repeated: (election, unit) → (sent at, text)
        self.unrepeated: dict[tuple[int, int], tuple[float, str]] = {}
        self.beat_at = time.monotonic()  # when the last heartbeat went out (a load sends all)

    def _load(self, election_id: int) -> Any:  # noqa: ANN401
        from election.models import Election
        from realtime.tally import Tally

        election = Election.objects.filter(pk=election_id).first()
        if election is None:
            return None
        t = time.perf_counter()
        tally = Tally.load(election=election)
        log.info(
            "turnout coalescer: election %s loaded (%d units, %d areas) in %.3f s",
            election_id,
            len(tally.units),
            len(tally.areas),
            time.perf_counter() - t,
        )
        self.tallies[election_id] = tally
        self.loaded_at[election_id] = time.monotonic()
        self.marks.pop(election_id, None)
        return tally

    def collect(self) -> list[tuple[str, str]]:
        """Take the changed areas and build one message per changed unit (sync: a thread)."""
        changed = self.store.take()
        by_election: dict[int, set[int]] = defaultdict(set)
        for e, a in changed:
            by_election[e].add(a)
        out: list[tuple[str, str]] = []
        cache: dict[tuple[int, int], str] = {}
        try:
            for election_id in set(by_election) | set(self.tallies):
                out += self._election(election_id, by_election.get(election_id, set()), cache)
        except Exception:
            self.store.mark(changed)  # retried next tick, on a fresh load
            self.tallies.clear()
            raise
        if cache:  # the last snapshots first, then the messages: a socket joining in between
            self.store.save_snapshots(cache)  # reads this one, or receives the message
        return out + self._repeats(cache) + self._heartbeats()

    def _heartbeats(self) -> list[tuple[str, str]]:
        """One message per loaded election every heartbeat_seconds(): proof of a live path."""
        now = time.monotonic()
        if now - self.beat_at < heartbeat_seconds():
            return []
        self.beat_at = now
        return [(beat_group(e), HEARTBEAT_TEXT) for e in self.tallies]

    def _repeats(self, sent: dict[tuple[int, int], str]) -> list[tuple[str, str]]:
        """The last snapshot of each unit that went quiet, once more: delivery is at most once
        (pub/sub; a full queue drops), and the final state of a burst must not be lost."""
        now = time.monotonic()
        due = [k for k, (at, _) in self.unrepeated.items() if now - at >= REPEAT_AFTER]
        out = [(group_name(*k), self.unrepeated.pop(k)[1]) for k in due if k not in sent]
        for key, text in sent.items():
            self.unrepeated[key] = (now, text)
        return out

    def _election(
        self, election_id: int, areas: set[int], cache: dict[tuple[int, int], str]
    ) -> list[tuple[str, str]]:
        tally = self.tallies.get(election_id)
        reload = RELOAD in areas
        areas = areas - {WANTED, RELOAD}  # a dashboard joined: loading (if not loaded) is enough
        fresh = (
            reload
            or tally is None
            or time.monotonic() - self.loaded_at[election_id] > reload_seconds()
            or any(a not in tally.areas for a in areas)
        )
        if fresh:
            tally = self._load(election_id)
            if tally is None:
                self.tallies.pop(election_id, None)
                return []
            units = set(tally.units)  # after a (re)load every unit is sent once
        else:
            units = tally.refresh(areas)
        state = tally.state()
        mark = (state["current"], state["upto"], state["day"])
        if self.marks.get(election_id) != mark:  # a new slot: every late list changed
            units = set(tally.units)
            self.marks[election_id] = mark
        out = []
        for unit_id in units:
            text = json.dumps(tally.snapshot(unit_id, state), ensure_ascii=False)
            cache[(election_id, unit_id)] = text
            out.append((group_name(election_id, unit_id), text))
        return out


_local: Coalescer | None = None


def _coalescer() -> Coalescer:
    global _local
    if _local is None or _local.store is not store():
        _local = Coalescer(store())
    return _local


async def tick(coalescer: Coalescer | None = None) -> int:
    """One round: collect and send; returns the number of messages sent."""
    c = coalescer or _coalescer()
    started = time.perf_counter()
    batch = await database_sync_to_async(c.collect)()
    computed = time.perf_counter()
    layer = get_channel_layer()
    # concurrently: one round trip's latency for the whole tick, not one per unit
    await asyncio.gather(
        *(layer.group_send(g, {"type": "turnout.snapshot", "text": text}) for g, text in batch)
    )
    if batch:
        log.debug(
            "turnout tick: %d snapshots, computed in %.3f s, sent in %.3f s",
            len(batch),
            computed - started,
            time.perf_counter() - computed,
        )
    return len(batch)


async def run(*, owner: str | None = None, stop_event: asyncio.Event | None = None) -> None:
    """Lead when the lock is free, and tick while leading; a standby retries every tick."""
    owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    st = store()
    leading = False
    coalescer: Coalescer | None = None
    try:
        while stop_event is None or not stop_event.is_set():
            try:
                now_leading = await asyncio.to_thread(st.lead, owner)
                if now_leading and not leading:
                    log.info("turnout coalescer %s: leading", owner)
                    coalescer = Coalescer(st)  # a new leader loads everything and sends it
                elif leading and not now_leading:
                    log.warning("turnout coalescer %s: lost the lock, standing by", owner)
                    coalescer = None
                leading = now_leading
                if leading and coalescer is not None:
                    await tick(coalescer)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep ticking; the changes are retried
                log.exception("turnout coalescer tick failed")
            await asyncio.sleep(tick_seconds())
    finally:
        if leading:
            try:
                await asyncio.to_thread(st.resign, owner)
            except Exception:  # noqa: BLE001 - the lock expires by itself
                log.exception("turnout coalescer: could not resign")


_tasks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
    weakref.WeakKeyDictionary()
)


async def _run_local() -> None:
    """The embedded coalescer: this process is the only one (in-memory layer)."""
    owner = f"local-{id(asyncio.get_running_loop())}"
    st = store()
    try:
        while True:
            try:
                st.lead(owner)
                await tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep ticking; the changes are retried
                log.exception("turnout coalescer tick failed")
            await asyncio.sleep(tick_seconds())
    finally:
        st.resign(owner)


def ensure_started() -> None:
    """Start this event loop's coalescer once (called when a turnout socket joins): the
    embedded one with the in-memory store; with Redis a contender for the lock unless the
    coalescer runs as its own process (BAUCU_TURNOUT_COALESCER="external")."""
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is not None and not task.done():
        return
    if isinstance(store(), _MemoryStore):
        _tasks[loop] = loop.create_task(_run_local(), name="turnout-coalescer")
    elif mode() == "auto":
        _tasks[loop] = loop.create_task(run(), name="turnout-coalescer")


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
