"""HTTP through the production ASGI app (config.asgi): the middleware chain runs synchronously,
in one thread hop (common/asgi_handler.py), with every middleware still applied."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import AsyncToSync, iscoroutinefunction, sync_to_async
from channels.testing import HttpCommunicator
from django.test import override_settings

from common.asgi_handler import SyncChainASGIHandler
from config.asgi import application, django_asgi_app

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def back_to_the_loop(monkeypatch) -> list[object]:
    """Every crossing from a request's thread back to the event loop (AsyncToSync calls)."""
    calls: list[object] = []
    original = AsyncToSync.__call__

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(self.awaitable)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncToSync, "__call__", counted)
    return calls


async def request(
    method: str, path: str, body: bytes = b"", headers_in=None, client: str = "127.0.0.1"
) -> dict:  # noqa: ANN001
    headers = [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]
    headers += headers_in or []
    communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
    communicator.scope["client"] = (client, 50000)  # read when the app starts, on first send
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)  # the request's end: its thread closes its connection
    return response


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """The test's own sync_to_async calls keep a connection: close it before the database goes."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


def test_the_chain_is_built_synchronously():
    assert isinstance(django_asgi_app, SyncChainASGIHandler)
    assert not iscoroutinefunction(django_asgi_app._middleware_chain)


async def test_an_api_report_over_asgi_crosses_once(mini_election, make_user, back_to_the_loop):
    from rest_framework.authtoken.models import Token

    from realtime.models import TurnoutReport
    from tests.realtime.conftest import add_voters

    def prepare() -> str:
        add_voters(mini_election, {"26734-01": 100})
        mini_election.is_rehearsal = True  # any day, and the answer carries the mark
        mini_election.turnout_slots = ["00:00"]
        mini_election.save()
        user = make_user("team_secretary", "26734", area="26734-01")
        return Token.objects.create(user=user).key

    key = await sync_to_async(prepare)()
    body = json.dumps({"polling_area": "26734-01", "slot": "00:00", "voted": 7}).encode()
    headers = [(b"authorization", f"Token {key}".encode()), (b"content-type", b"application/json")]
    response = await request("POST", "/api/turnout/", body, headers)
    assert response["status"] == 201, response["body"]
    assert json.loads(response["body"])["voted"] == 7
    sent = {name.lower(): value for name, value in response["headers"]}
    assert sent[b"x-frame-options"] == b"DENY"  # the middleware still answer
    assert b"frame-ancestors 'none'" in sent[b"content-security-policy"]
    assert sent[b"content-language"] == b"vi"
    assert back_to_the_loop == []  # the view, its middleware and the rendering: one thread
    count = await sync_to_async(TurnoutReport.objects.filter(voted=7).count)()
    assert count == 1


async def test_process_view_middleware_still_applies(mini_election):
    # the rate limit is a process_view middleware: over the limit, 429 as before (an address
    # of this run's own: the counters may live in a shared Redis)
    client = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    with override_settings(BAUCU_RATE_LIMITS={"api-turnout-public": ("1/m", ["GET"])}):
        first = await request("GET", "/api/public/turnout/mini-2021/", client=client)
        second = await request("GET", "/api/public/turnout/mini-2021/", client=client)
    assert first["status"] == 200 and second["status"] == 429


async def test_errors_answer_as_before():
    response = await request("GET", "/api/public/turnout/no-such-election/")
    assert response["status"] == 404
