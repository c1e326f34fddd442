"""A bound on the HTTP requests inside Django at once, per server process, on long-lived threads.

Django under ASGI runs each request's synchronous code in a thread made for that request
(`ThreadSensitiveContext`), with a database connection of its own that dies with the request:
200 users at once would open 200 connections and exhaust PostgreSQL (`max_connections` is 100
by default), and every request pays for a new connection. Here a process keeps a fixed set of
`limit` threads, each an executor that runs one call at a time: a request waits in the event
loop for a free thread (a queue, not an error), then all its synchronous code runs on that
thread. The connections in use stay at most processes × BAUCU_HTTP_CONCURRENCY, and each
thread's connection is kept between requests (CONN_MAX_AGE, checked before reuse).
Websockets are not affected."""

from __future__ import annotations

import asyncio
import weakref
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext


class ConcurrencyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = max(1, limit)
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Queue[ThreadPoolExecutor]
        ] = weakref.WeakKeyDictionary()

    def _pool(self) -> asyncio.Queue[ThreadPoolExecutor]:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = asyncio.Queue()
            for _ in range(self.limit):
                pool.put_nowait(ThreadPoolExecutor(max_workers=1, thread_name_prefix="baucu-http"))
        return pool

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pool = self._pool()
        executor = await pool.get()
        try:
            # Django's own ThreadSensitiveContext inside is then a no-op: the request's
            # synchronous code (middleware, view, template, ORM) runs on this thread.
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            pool.put_nowait(executor)
