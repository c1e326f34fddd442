"""The one clock of turnout reporting (tests replace `now`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Now, aware, in the site's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localtime(timezone.now())
