"""The one clock of turnout reporting (tests replace `now`).

BAUCU_CLOCK (an ISO 8601 time, settings or environment) fixes it, for rehearsals on a machine
whose clock cannot be moved and for tests that run Baucu as a separate process; production
settings ignore it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def now() -> dt.datetime:
    """Now, aware, in the site's time zone (Asia/Ho_Chi_Minh)."""
    fixed = getattr(settings, "BAUCU_CLOCK", "")
    if fixed:
        return timezone.localtime(dt.datetime.fromisoformat(fixed))
    return timezone.localtime(timezone.now())
