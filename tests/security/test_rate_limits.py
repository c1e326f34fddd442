"""Rate limits on login and the public pages: 429 with a Vietnamese message once over the limit.

Each test comes from its own client address so counters left in a shared cache (Redis on the
PostgreSQL leg) by an earlier run never count.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from common.models import AuditEvent

LOW = {
    "login": ("3/m", ["POST"]),
    "turnout-public": ("4/m", ["GET", "HEAD"]),
    "api-turnout-public": ("4/m", ["GET", "HEAD"]),
    "results:public": ("4/m", ["GET", "HEAD"]),
}
MESSAGE_VI = "Quá nhiều yêu cầu"


def _address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


@override_settings(BAUCU_RATE_LIMITS=LOW)
def test_login_posts_are_limited_per_address(client, make_user, mini_election):
    user = make_user("observer", "26737")
    ip = _address()
    for i in range(3):
        response = client.post(
            reverse("login"),
            {"username": f"nobody-{i}", "password": "wrong-password"},
            REMOTE_ADDR=ip,
        )
        assert response.status_code == 200  # the form again
    # the fourth attempt from that address is refused even with the right password
    response = client.post(
        reverse("login"), {"username": user.username, "password": "test-password-123"},
        REMOTE_ADDR=ip,
    )  # fmt: skip
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert MESSAGE_VI in response.content.decode()
    assert "_auth_user_id" not in client.session
    # the form itself can still be shown, and another address may log in
    assert client.get(reverse("login"), REMOTE_ADDR=ip).status_code == 200
    response = client.post(
        reverse("login"), {"username": user.username, "password": "test-password-123"},
        REMOTE_ADDR=_address(),
    )  # fmt: skip
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("name", "api"),
    [("turnout-public", False), ("api-turnout-public", True), ("results:public", False)],
)
@override_settings(BAUCU_RATE_LIMITS=LOW)
def test_public_pages_are_limited_per_address(client, mini_election, name, api):
    url = reverse(name, args=[mini_election.slug])
    ip = _address()
    before = AuditEvent.objects.count()
    for _ in range(4):
        assert client.get(url, REMOTE_ADDR=ip).status_code == 200
    response = client.get(url, REMOTE_ADDR=ip)
    assert response.status_code == 429
    if api:
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"].startswith(MESSAGE_VI)
    else:
        assert MESSAGE_VI in response.content.decode()
    assert client.get(url, REMOTE_ADDR=_address()).status_code == 200
    assert AuditEvent.objects.count() == before


def test_limits_are_configured_for_login_and_every_public_page():
    """The limits cover every page open to anonymous users, and login."""
    from config.settings import base
    from tests.security.test_personal_data import _public_names

    # every URL the permission matrix opens to anonymous users is limited (a new public page
    # without a limit fails here)
    assert set(base.BAUCU_RATE_LIMITS) == set(_public_names())
    assert set(base.BAUCU_RATE_LIMITS) == {
        "login",
        "turnout-public",
        "api-turnout-public",
        "results:public",
    }
    assert base.BAUCU_RATE_LIMITS["login"] == ("20/m", ["POST"])
    assert base.BAUCU_RATE_LIMITS["results:public"][0] == "120/m"
    # the tests run with limits high enough to never get in the way
    assert all(rate == "100000/m" for rate, _m in settings.BAUCU_RATE_LIMITS.values())


def test_client_address_behind_a_proxy_and_without_one(rf):
    from common.ratelimits import client_address

    request = rf.get("/")
    del request.META["REMOTE_ADDR"]
    assert client_address("g", request) == "unknown"  # a Unix socket: one shared bucket
    request.META["REMOTE_ADDR"] = "2001:db8:1:2:3:4:5:6"
    assert client_address("g", request) == "2001:db8:1:2::"  # IPv6 clients by their /64
    request.META["HTTP_X_FORWARDED_FOR"] = "203.0.113.7, 10.0.0.1"
    with override_settings(RATELIMIT_IP_META_KEY="HTTP_X_FORWARDED_FOR"):
        assert client_address("g", request) == "203.0.113.7"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-address"
    with override_settings(RATELIMIT_IP_META_KEY="HTTP_X_FORWARDED_FOR"):
        assert client_address("g", request) == "unknown"


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: the cache is down
        "OPTIONS": {"socket_connect_timeout": 0.5},
    }
}


@override_settings(BAUCU_RATE_LIMITS=LOW, CACHES=DEAD_REDIS)
def test_login_still_works_while_the_counters_cache_is_down(client, make_user, mini_election):
    """Redis down must not lock everybody out: the limit lets requests through (logged); the
    lockout of django-axes counts in the database and still applies."""
    user = make_user("observer", "26737")
    ip = _address()
    for i in range(4):  # over the limit of 3, were it counted
        response = client.post(
            reverse("login"),
            {"username": f"nobody-{i}", "password": "wrong-password"},
            REMOTE_ADDR=ip,
        )
        assert response.status_code == 200  # the form again, not 429 nor 500
    response = client.post(
        reverse("login"), {"username": user.username, "password": "test-password-123"},
        REMOTE_ADDR=ip,
    )  # fmt: skip
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
