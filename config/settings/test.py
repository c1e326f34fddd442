"""Test settings: the embedded default with fast hashing; DATABASE_URL/REDIS_URL switch stacks."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # pytest-django's connections, one per test
    # A test must fail, not hang CI: a lock wait or a connection left idle inside a transaction
    # (a worker thread's, say, holding a lock the next test's TRUNCATE waits for) ends in two
    # minutes with an error instead of blocking the run until CI's deadline.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c lock_timeout=120000 -c idle_in_transaction_session_timeout=120000"
    )
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No turnout heartbeat in tests unless one asks for it (tests count the messages a socket gets);
# the production stack of tests/faults runs with the default.
BAUCU_TURNOUT_HEARTBEAT = 3600.0

# The login lockout is on in tests that ask for it (override_settings(AXES_ENABLED=True));
# elsewhere it would refuse Django's test-client login, which passes no request.
AXES_ENABLED = False

# Rate limits high enough never to touch other tests; tests/common/test_rate_limits.py lowers them
# with override_settings.
BAUCU_RATE_LIMITS = {
    name: ("100000/m", methods)
    for name, (_rate, methods) in BAUCU_RATE_LIMITS.items()  # noqa: F405
}
