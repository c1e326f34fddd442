"""common/asgi_limit.py: HTTP requests wait for one of a fixed set of threads, and all of a
request's synchronous Django code runs on that thread (so its database connection can be kept)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.core.signals import request_finished, request_started

from common.asgi_limit import ConcurrencyLimit


async def test_requests_share_a_fixed_set_of_threads_and_wait_for_one():
    running = 0
    most = 0

    async def app(scope, receive, send):
        nonlocal running, most
        running += 1
        most = max(most, running)
        name = await sync_to_async(lambda: threading.current_thread().name)()
        await asyncio.sleep(0.02)
        again = await sync_to_async(lambda: threading.current_thread().name)()
        running -= 1
        body = f"{name} {again}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    limited = ConcurrencyLimit(app, 3)
    responses = await asyncio.gather(
        *(HttpCommunicator(limited, "GET", "/").get_response(timeout=10) for _ in range(12))
    )
    pairs = [r["body"].decode().split() for r in responses]
    assert all(first == second for first, second in pairs)  # one thread for the whole request
    names = {first for first, _ in pairs}
    assert len(names) <= 3 and all(n.startswith("baucu-http") for n in names)
    assert most == 3  # the others waited in the loop


@pytest.mark.django_db
async def test_django_runs_a_whole_request_on_one_pooled_thread():
    from django.core.asgi import get_asgi_application

    seen: list[tuple[str, str]] = []

    def started(**kw):
        seen.append(("started", threading.current_thread().name))

    def finished(**kw):
        seen.append(("finished", threading.current_thread().name))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        app = ConcurrencyLimit(get_asgi_application(), 1)
        for _ in range(3):
            req = HttpCommunicator(app, "GET", "/login/", headers=[(b"host", b"testserver")])
            r = await req.get_response(timeout=10)
            assert r["status"] == 200
            await req.wait(timeout=10)  # request_finished is sent after the response
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    threads = {name for _, name in seen}
    assert len(seen) == 6 and len(threads) == 1 and threads.pop().startswith("baucu-http")
