"""Log records without personal data.

Search terms travel in query strings (`?q=<name or ID>`), and Celery logs what a task returned
(an import's summary names rejected rows). This filter, attached to the loggers that write
requests and task results, cuts query strings from request lines and drops task return values.
Our own code never logs names, IDs or addresses (tests/security/test_personal_data.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

QUERY = re.compile(r"\?[^\s'\"]*")
REDACTED = "?…"


def strip_query(value: Any) -> Any:
    return QUERY.sub(REDACTED, value) if isinstance(value, str) else value


class RequestSummary:
    """Stands for a request on a log record: method and path, never the query string."""

    def __init__(self, request: Any) -> None:
        self.method = getattr(request, "method", "")
        self.path = getattr(request, "path", "")
        self.META: dict[str, Any] = {}  # what handlers may read; nothing personal

    def __repr__(self) -> str:
        return f"<request {self.method} {self.path}>"

    __str__ = __repr__


class NoPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            args = {k: strip_query(v) for k, v in record.args.items()}
            if "return_value" in args:  # celery.app.trace: "Task … succeeded in …s: <value>"
                args["return_value"] = "…"
            record.args = args
        elif isinstance(record.args, tuple):
            record.args = tuple(strip_query(a) for a in record.args)
        record.msg = strip_query(record.msg) if isinstance(record.msg, str) else record.msg
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, RequestSummary | str):
            record.request = RequestSummary(request)
        return True
