"""ASGI entry point: HTTP through Django, websockets through Channels (authenticated)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup(set_prefix=False)  # as get_asgi_application() does

from common.asgi_handler import SyncChainASGIHandler  # noqa: E402

django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from common.asgi_limit import ConcurrencyLimit  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# At most this many requests in Django at once per process (each holds a database connection).
HTTP_CONCURRENCY = int(os.environ.get("BAUCU_HTTP_CONCURRENCY", "8"))

application = ProtocolTypeRouter(
    {
        "http": ConcurrencyLimit(django_asgi_app, HTTP_CONCURRENCY),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
