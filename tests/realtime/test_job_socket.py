"""Job progress over websockets, through the full ASGI app (auth + origin check)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from common.jobs import job_create, job_progress
from config.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie_for(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()),
        (b"origin", b"http://testserver"),
    ]


async def _connect(path: str, headers: list[tuple[bytes, bytes]]):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def test_owner_gets_snapshot_then_live_progress(mini_election, make_user):
    user = await database_sync_to_async(make_user)("ward_staff", "26734")
    unit_id = await database_sync_to_async(
        lambda: mini_election.polling_areas.get(code="26734-01").unit_id
    )()
    job = await database_sync_to_async(job_create)(
        kind="test", actor=user, unit_id=unit_id, total=10
    )
    headers = await database_sync_to_async(_cookie_for)(user)
    ws, connected, _ = await _connect(f"/ws/jobs/{job.pk}/", headers)
    assert connected
    first = await ws.receive_json_from(timeout=5)
    assert first["id"] == job.pk and first["done"] == 0 and first["total"] == 10
    await database_sync_to_async(job_progress)(job, done=4, message="4/10")
    update = await ws.receive_json_from(timeout=5)
    assert update["done"] == 4 and update["percent"] == 40 and update["message"] == "4/10"
    await ws.disconnect()


async def test_anonymous_and_outsiders_are_refused(mini_election, make_user):
    owner = await database_sync_to_async(make_user)("ward_staff", "26734")
    outsider = await database_sync_to_async(make_user)("observer", "26737")
    unit_id = await database_sync_to_async(
        lambda: mini_election.polling_areas.get(code="26734-01").unit_id
    )()
    job = await database_sync_to_async(job_create)(kind="test", actor=owner, unit_id=unit_id)
    ws, connected, _ = await _connect(f"/ws/jobs/{job.pk}/", [(b"origin", b"http://testserver")])
    assert not connected
    headers = await database_sync_to_async(_cookie_for)(outsider)
    ws, connected, _ = await _connect(f"/ws/jobs/{job.pk}/", headers)
    assert not connected
    # a foreign origin is refused even with a valid session
    headers = await database_sync_to_async(_cookie_for)(owner)
    bad_origin = [h for h in headers if h[0] != b"origin"] + [(b"origin", b"http://evil.example")]
    ws, connected, _ = await _connect(f"/ws/jobs/{job.pk}/", bad_origin)
    assert not connected
