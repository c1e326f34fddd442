"""A revoked role closes the user's open sockets (full ASGI app, WebsocketCommunicator): the
socket checks the user's access again when told, and stays open while access remains."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from common.jobs import job_create
from config.asgi import application
from election.models import Role
from election.services.accounts import role_grant, role_revoke
from realtime import live
from tests.realtime.test_job_socket import _cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _stop_coalescer():
    yield
    await live.stop()
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


async def _dashboard(headers, code: str = "760"):
    ws = WebsocketCommunicator(application, f"/ws/turnout/mini-2021/{code}/", headers=headers)
    connected, _ = await ws.connect(timeout=5)
    assert connected
    first = await ws.receive_json_from(timeout=5)
    assert first["unit"]["code"] == code
    return ws


async def _closed_with(ws) -> int | None:
    """The close code once the server closes the socket (snapshots before it are skipped)."""
    while True:
        out = await ws.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            return out.get("code")


async def _open_for(ws, seconds: float) -> bool:
    """No close within `seconds` (snapshots may arrive meanwhile)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await ws.receive_nothing(timeout=0.1):
            continue
        if (await ws.receive_output(timeout=1))["type"] == "websocket.close":
            return False
    return True


async def test_revoked_role_closes_the_dashboard(mini_election, make_user, clock):
    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    headers = await database_sync_to_async(_cookie_for)(watcher)
    ws = await _dashboard(headers)
    role = await database_sync_to_async(Role.objects.get)(user=watcher)
    await database_sync_to_async(role_revoke)(actor=admin, role=role)
    assert await _closed_with(ws) == 4403
    # and a new socket is refused
    again = WebsocketCommunicator(application, "/ws/turnout/mini-2021/760/", headers=headers)
    connected, code = await again.connect(timeout=5)
    assert not connected and code == 4403


async def test_socket_stays_open_while_another_role_still_allows(mini_election, make_user, clock):
    from election.models import AdminUnit

    admin = await database_sync_to_async(make_user)(superuser=True)
    watcher = await database_sync_to_async(make_user)("committee_member", "760")
    city = await database_sync_to_async(AdminUnit.objects.get)(tree__slug="mini-2021", code="79")
    await database_sync_to_async(role_grant)(
        actor=admin, user=watcher, kind="observer", unit=city, source="test"
    )
    headers = await database_sync_to_async(_cookie_for)(watcher)
    district = await _dashboard(headers, "760")
    whole = await _dashboard(headers, "79")
    city_role = await database_sync_to_async(Role.objects.get)(user=watcher, unit=city)
    await database_sync_to_async(role_revoke)(actor=admin, role=city_role)
    assert await _closed_with(whole) == 4403  # the city was visible through that role only
    assert await _open_for(district, 1.5)  # the district role remains
    await district.send_json_to({"type": "refresh"})
    assert (await district.receive_json_from(timeout=5))["unit"]["code"] == "760"
    await district.disconnect()


async def test_revoked_role_closes_job_progress(mini_election, make_user):
    admin = await database_sync_to_async(make_user)(superuser=True)
    user = await database_sync_to_async(make_user)("ward_staff", "26734")
    unit_id = await database_sync_to_async(
        lambda: mini_election.polling_areas.get(code="26734-01").unit_id
    )()
    job = await database_sync_to_async(job_create)(
        kind="test", actor=admin, unit_id=unit_id, total=10
    )
    headers = await database_sync_to_async(_cookie_for)(user)
    ws = WebsocketCommunicator(application, f"/ws/jobs/{job.pk}/", headers=headers)
    connected, _ = await ws.connect(timeout=5)
    assert connected
    assert (await ws.receive_json_from(timeout=5))["id"] == job.pk
    role = await database_sync_to_async(Role.objects.get)(user=user)
    await database_sync_to_async(role_revoke)(actor=admin, role=role)
    assert await _closed_with(ws) == 4403
