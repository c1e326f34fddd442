"""Django's ASGI handler with the middleware chain run synchronously, in one thread hop.

Django builds an ASGI request's middleware chain for async: with any synchronous middleware in
it (ours, whitenoise's), the chain runs in a thread, comes back to the event loop for the view
layer, and goes to the thread again for every process_view, the view itself, each
process_template_response and the rendering: about eight crossings between the event loop and
the thread per request, each a future, a wake-up of the loop and one of the thread. Here the
chain is built for sync, as under WSGI, and a request crosses once: the whole of
`get_response` runs on the request's thread. The middleware and views are the same ones, in the
same order; websockets do not come here.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: Any) -> Any:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
