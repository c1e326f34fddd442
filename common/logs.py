"""Log records without personal data.

Search terms travel in query strings (`?q=<name or ID>`), and Celery logs what a task returned
(an import's summary names rejected rows). This filter, attached to the loggers that write
requests and task results, cuts query strings from request lines and drops task return values.
Our own code never logs names, IDs or addresses (tests/security/test_personal_data.py).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

from django.http import HttpRequest, QueryDict

QUERY = re.compile(r"\?[^\s'\"]*")
REDACTED = "?…"


def strip_query(value: Any) -> Any:
    return QUERY.sub(REDACTED, value) if isinstance(value, str) else value


def without_query(request: Any) -> Any:
    """A copy of the request without its query string or form data (search terms), still a
    request for the handlers that read one (the admins' error e-mail)."""
    clone = copy.copy(request)
    clone.META = {**request.META, "QUERY_STRING": ""}
    clone.GET = QueryDict()
    clone.POST = QueryDict()
    clone._baucu_redacted = True
    return clone


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
        if isinstance(request, HttpRequest) and not getattr(request, "_baucu_redacted", False):
            record.request = without_query(request)
        return True
