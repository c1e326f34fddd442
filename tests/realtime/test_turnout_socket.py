"""Turnout websockets on the full ASGI app: refusals before accept(), the snapshot on joining,
live updates through the coalescer (one snapshot per dirty unit per tick, versions rising)."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from realtime import live
from realtime.services.turnout import turnout_report_submit
from tests.realtime.conftest import add_voters
from tests.realtime.test_job_socket import _cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _stop_coalescer():
    yield
    await live.stop()
    from django.db import connections

    await database_sync_to_async(connections.close_all)()  # the worker thread's connection


async def _open(path: str, headers):
    ws = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await ws.connect(timeout=5)
    return ws, connected, code


async def _until(ws, predicate, timeout: float = 3.0) -> dict:
    """The first snapshot satisfying predicate (earlier ticks may still be in flight)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no matching snapshot in time"
        message = await ws.receive_json_from(timeout=left)
        if predicate(message):
            return message


def _report(user, election, code: str, slot: str, voted: int, **kw):
    area = election.polling_areas.get(code=code)
    return turnout_report_submit(actor=user, area=area, slot=slot, voted=voted, **kw)


async def test_refused_before_accept(mini_election, make_user, clock):
    # anonymous
    ws, connected, code = await _open(
        "/ws/turnout/mini-2021/760/", [(b"origin", b"http://testserver")]
    )
    assert not connected and code == 4401
    # another district's committee
    user = await database_sync_to_async(make_user)("committee_member", "783")
    headers = await database_sync_to_async(_cookie_for)(user)
    ws, connected, code = await _open("/ws/turnout/mini-2021/760/", headers)
    assert not connected and code == 4403
    # unknown election
    ws, connected, code = await _open("/ws/turnout/nope/783/", headers)
    assert not connected and code == 4403
    # a foreign origin, even with a valid session
    bad = [h for h in headers if h[0] != b"origin"] + [(b"origin", b"http://evil.example")]
    ws, connected, _ = await _open("/ws/turnout/mini-2021/783/", bad)
    assert not connected


async def test_snapshot_on_join_then_update_after_a_report(mini_election, make_user, clock):
    await database_sync_to_async(add_voters)(mini_election, {"26734-01": 1000, "26737-01": 500})
    admin = await database_sync_to_async(make_user)(superuser=True)
    await database_sync_to_async(_report)(admin, mini_election, "26734-01", "09:00", 100)
    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/760/", headers)
    assert connected
    first = await ws.receive_json_from(timeout=5)
    assert first["unit"]["code"] == "760" and first["voted"] == 100 and first["listed"] == 1500
    # a report in a ward under 760 arrives as a new snapshot with a higher version, in < 2 s
    started = time.monotonic()
    await database_sync_to_async(_report)(admin, mini_election, "26737-01", "11:00", 250)
    update = await _until(ws, lambda m: m["voted"] == 350)
    assert time.monotonic() - started < 2
    assert update["version"] > first["version"]
    assert update["percent"] == "23.33"
    assert {c["code"]: c["voted"] for c in update["children"]} == {"26734": 100, "26737": 250}
    # once the unit is quiet, its last snapshot comes once more (delivery is at most once)
    again = await _until(ws, lambda m: True, timeout=live.REPEAT_AFTER + 2)
    assert again["version"] == update["version"] and again["voted"] == 350
    assert await ws.receive_nothing(timeout=live.REPEAT_AFTER + 1)  # once, not again
    # a report in the other district does not reach this group
    await database_sync_to_async(_report)(admin, mini_election, "27496-01", "09:00", 0)
    assert await ws.receive_nothing(timeout=1.5)
    await ws.disconnect()


def _unit_count(election) -> int:
    from election.models import UnitAncestry

    return UnitAncestry.objects.filter(ancestor_id=election.root_id).count()


async def test_coalescer_sends_one_snapshot_per_dirty_unit_per_tick(
    mini_election, make_user, clock, monkeypatch
):
    monkeypatch.setattr(live, "REPEAT_AFTER", 60)  # no repeat of a quiet unit in this test
    await database_sync_to_async(add_voters)(mini_election, {"26734-01": 1000})
    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("committee_member", "79")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/79/", headers)
    assert connected
    await live.stop()  # drive the ticks by hand
    await ws.receive_json_from(timeout=5)
    await database_sync_to_async(_report)(admin, mini_election, "26734-01", "09:00", 5)
    # the first change loads the election into the coalescer, which then sends every unit once
    assert await live.tick() == await database_sync_to_async(_unit_count)(mini_election)
    while not await ws.receive_nothing(timeout=0.2):
        await ws.receive_json_from()
    for voted in range(10, 110, 10):  # ten reports (one slot, corrected) between two ticks
        await database_sync_to_async(_report)(
            admin, mini_election, "26734-01", "09:00", voted, reason="cập nhật"
        )
    sent = await live.tick()
    assert sent == 3  # the ward, the district and the city: one snapshot each
    got = await ws.receive_json_from(timeout=2)
    assert got["voted"] == 100
    assert await ws.receive_nothing(timeout=0.5)  # one message, not ten
    assert await live.tick() == 0
    await ws.disconnect()


async def test_reconnecting_client_catches_up(mini_election, make_user, clock):
    await database_sync_to_async(add_voters)(mini_election, {"27496-01": 800})
    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("observer", "783")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/783/", headers)
    assert connected
    first = await ws.receive_json_from(timeout=5)
    await ws.disconnect()
    # while the socket is gone, a report is made and its tick is sent to nobody
    await database_sync_to_async(_report)(admin, mini_election, "27496-01", "11:00", 400)
    await asyncio.sleep(live.tick_seconds() * 3)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/783/", headers)
    again = await ws.receive_json_from(timeout=5)
    assert again["voted"] == 400 and again["version"] > first["version"]
    assert again["percent"] == "50.00" and again["areas_below_half"] == 0
    await ws.send_json_to({"type": "refresh"})
    assert (await ws.receive_json_from(timeout=5))["voted"] == 400
    await ws.disconnect()


async def test_a_new_slot_sends_every_unit_with_its_new_late_list(mini_election, make_user, clock):
    await database_sync_to_async(add_voters)(mini_election, {"26734-01": 100, "26737-01": 100})
    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    clock.set(9, 30)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/760/", headers)
    assert connected
    await live.stop()  # drive the ticks by hand
    first = await ws.receive_json_from(timeout=5)
    assert first["current_slot"] == "09:00"
    await database_sync_to_async(_report)(admin, mini_election, "26734-01", "09:00", 40)
    await live.tick()  # loads the election: every unit once
    while not await ws.receive_nothing(timeout=0.2):
        got = await ws.receive_json_from()
    assert got["voted"] == 40 and "26734-01" not in {a["code"] for a in got["not_reported"]}
    assert await live.tick() == 0  # nothing changed
    clock.set(11, 1)  # 11:00 has started: nobody has reported it yet
    assert await live.tick() == await database_sync_to_async(_unit_count)(mini_election)
    got = await ws.receive_json_from(timeout=2)
    assert got["current_slot"] == "11:00" and got["voted"] == 40
    late = {a["code"]: a for a in got["not_reported"]}
    assert set(late) >= {"26734-01", "26737-01"} and late["26734-01"]["last_slot"] == "09:00"
    assert got["not_reported_count"] == len(late)
    await ws.disconnect()


async def test_a_dashboard_hears_a_heartbeat_between_snapshots(
    mini_election, make_user, clock, settings, monkeypatch
):
    """With pub/sub a socket whose Redis is gone stays open and silent: the coalescer's heartbeat
    is what lets the page tell "quiet" from "cut off" (static/baucu/turnout.js, data-silence)."""
    monkeypatch.setattr(live, "REPEAT_AFTER", 60)
    settings.BAUCU_TURNOUT_HEARTBEAT = 0.3
    await database_sync_to_async(add_voters)(mini_election, {"26734-01": 100})
    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/760/", headers)
    assert connected
    await live.stop()  # drive the ticks by hand
    assert "voted" in await ws.receive_json_from(timeout=5)
    await database_sync_to_async(_report)(admin, mini_election, "26734-01", "09:00", 10)
    await live.tick()  # loads the election
    while not await ws.receive_nothing(timeout=0.2):
        await ws.receive_json_from()
    await asyncio.sleep(0.35)
    assert await live.tick() == 1  # nothing changed: only the election's heartbeat
    assert await ws.receive_json_from(timeout=2) == {"type": "heartbeat"}
    assert await live.tick() == 0  # not before the next period
    await asyncio.sleep(0.35)
    assert await live.tick() == 1
    assert await ws.receive_json_from(timeout=2) == {"type": "heartbeat"}
    await ws.disconnect()


async def test_a_pushed_snapshot_skips_the_database_clean_up(
    mini_election, make_user, clock, monkeypatch
):
    """A pushed snapshot is sent as it came, without the thread hop of channels' clean-up of old
    database connections; any other message (an access change) still gets it."""
    import channels.consumer
    from channels.layers import get_channel_layer

    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws, connected, _ = await _open("/ws/turnout/mini-2021/760/", headers)
    assert connected
    await ws.receive_json_from(timeout=5)  # the snapshot on joining
    cleanups: list[int] = []
    original = channels.consumer.aclose_old_connections

    async def counted() -> None:
        cleanups.append(1)
        await original()

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
    unit = await database_sync_to_async(lambda: mini_election.tree.units.get(code="760").pk)()
    layer = get_channel_layer()
    text = '{"type": "snapshot", "probe": 1}'
    await layer.group_send(
        live.group_name(mini_election.id, unit), {"type": "turnout.snapshot", "text": text}
    )
    deadline = time.monotonic() + 3  # the coalescer's own pushes may come first
    while await ws.receive_from(timeout=max(0.1, deadline - time.monotonic())) != text:
        pass
    assert cleanups == []
    from common.sockets import user_group

    await layer.group_send(user_group(watcher.pk), {"type": "access.changed"})
    deadline = time.monotonic() + 3
    while not cleanups and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert cleanups == [1]  # still allowed: the socket stays open
    await ws.disconnect()
