"""A clear answer when the database is unreachable (restart, failover): 503 with a message in
the interface language and Retry-After, never a 500 page with a traceback. Nothing was saved:
every write runs in one transaction, so the user can simply send the same thing again."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _db_errors() -> tuple[type[BaseException], ...]:
    """Django's wrapped errors, and the driver's own (raised by raw cursor calls like COPY)."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:
        import psycopg2

        errors += [psycopg2.OperationalError, psycopg2.InterfaceError]
    except ImportError:  # the embedded default (SQLite) has no driver to add
        pass
    return tuple(errors)


DB_ERRORS = _db_errors()
RETRY_AFTER_SECONDS = 5


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "json" in request.headers.get("Accept", "")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = _(
        "The database is temporarily unavailable. Nothing was saved; please try again in a moment."
    )
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        # Rendered without the request: context processors and the user's session need the
        # database that is not there.
        body = render_to_string("common/unavailable.html", {"message": message})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DB_ERRORS):
            return None
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside a view (a middleware) is still a 503."""
    if isinstance(sys.exc_info()[1], DB_ERRORS):
        return unavailable_response(request)
    from django.views.defaults import server_error as default

    return default(request)
