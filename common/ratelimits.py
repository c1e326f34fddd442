"""Rate limits on the login form and the public pages, counted per client address in the cache
(Redis in production, so every web process shares the counters).

The limits live in settings.BAUCU_RATE_LIMITS: {url name: (rate, methods)}; a request over the
limit gets 429 with a Vietnamese message and Retry-After. Counting is django-ratelimit's
(`is_ratelimited`, fixed windows with an atomic cache increment).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

RETRY_AFTER_SECONDS = 60
log = logging.getLogger(__name__)
try:
    from redis.exceptions import RedisError

    CACHE_DOWN: tuple[type[BaseException], ...] = (RedisError, OSError)
except ImportError:  # pragma: no cover - redis is in the lock
    CACHE_DOWN = (OSError,)


def client_address(group: str, request: HttpRequest) -> str:
    """The client's address: the header named by RATELIMIT_IP_META_KEY behind a proxy (its first
    entry), else REMOTE_ADDR; IPv6 clients by their /64. A request without one (a Unix socket
    with no proxy header) shares one bucket rather than failing."""
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    raw = (request.META.get(meta_key) or "").split(",")[0].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def too_many_requests(request: HttpRequest, *, api: bool) -> HttpResponse:
    message = _("Too many requests. Please wait a minute and try again.")
    response: HttpResponse
    if api:
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "common/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class RateLimitMiddleware:
    """Applies BAUCU_RATE_LIMITS by the resolved URL name, before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        limits: dict[str, tuple[str, list[str]]] = getattr(settings, "BAUCU_RATE_LIMITS", {})
        rule = limits.get(match.view_name) if match else None
        if rule is None:
            return None
        rate, methods = rule
        try:
            limited = is_ratelimited(
                request,
                group=f"baucu.{match.view_name}",
                key=client_address,
                rate=rate,
                method=list(methods),
                increment=True,
            )
        except CACHE_DOWN:
            # The counters live in Redis: while it is down, let the request through (the login
            # lockout of django-axes counts in the database and still applies) rather than
            # refusing every login and public page.
            log.warning("rate limits: cache unavailable, %s not counted", match.view_name)
            return None
        if not limited:
            return None
        return too_many_requests(request, api=match.view_name.startswith("api-"))
