"""The one clock of turnout reporting (tests replace `now`).

BAUCU_CLOCK (an ISO 8601 time, settings or environment) fixes it, for rehearsals on a machine
whose clock cannot be moved and for tests that run Baucu as a separate process; production
settings ignore it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from realtime import rules


def now() -> dt.datetime:
    """Now, aware, in the site's time zone (Asia/Ho_Chi_Minh)."""
    fixed = getattr(settings, "BAUCU_CLOCK", "")
    if fixed:
        return timezone.localtime(dt.datetime.fromisoformat(fixed))
    return timezone.localtime(timezone.now())


def now_for(election: Any) -> dt.datetime:
    """Now for one election's turnout. A rehearsal may run on a simulated time of day
    (setting BAUCU_REHEARSAL_TIME = "HH:MM", today's date) so that a drill can play a whole
    election day at any hour; a real election always runs on the real clock."""
    current = now()
    at = getattr(settings, "BAUCU_REHEARSAL_TIME", "")
    if at and getattr(election, "is_rehearsal", False):
        hh, mm = at.split(":")
        current = current.replace(hour=int(hh), minute=int(mm), second=0, microsecond=0)
    return current


def polls_close() -> dt.time:
    """When voting ends (domain.md §4.1): BAUCU_POLLS_CLOSE ("HH:MM", default 19:00, at most
    21:00). Elections carry no closing time of their own; from this time the final figure
    ("closed") is the slot chased on the dashboards."""
    value = str(getattr(settings, "BAUCU_POLLS_CLOSE", "") or "")
    try:
        return rules.closing_time(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"BAUCU_POLLS_CLOSE: {exc}") from exc
