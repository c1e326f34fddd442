"""A bound on the HTTP requests inside Django at once, per server process.

Under ASGI each request's synchronous code runs in a thread of its own, with a database
connection of its own: 200 users at once would open 200 connections and exhaust PostgreSQL
(`max_connections` is 100 by default), failing every request. With this bound the extra requests
wait their turn in the event loop instead (a queue, not an error), and the connections in use
stay at most processes × BAUCU_HTTP_CONCURRENCY. Websockets are not affected."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any


class ConcurrencyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = max(1, limit)
        self._semaphores: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._semaphores.get(loop)
        if sem is None:
            sem = self._semaphores[loop] = asyncio.Semaphore(self.limit)
        return sem

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async with self._semaphore():
            await self.app(scope, receive, send)
