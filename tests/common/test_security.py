"""Security basics: login lockout, CSP without inline scripts, append-only audit trail."""

import re

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import override_settings
from django.urls import reverse

from common.audit import record
from common.models import AuditEvent
from tests.conftest import PASSWORD


@override_settings(AXES_ENABLED=True)
def test_login_locks_after_five_failures(client, make_user, mini_election):
    user = make_user("observer", "26737")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": user.username, "password": "x"})
        assert response.status_code == 200  # the form again, with the error
    response = client.post(reverse("login"), {"username": user.username, "password": "x"})
    assert response.status_code == 429  # the fifth failure locks
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert 'id="locked"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.fixture
def mini(mini_election):
    return mini_election


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize(
    "url",
    [
        "/login/",
        "/",
        "/e/mini-2021/u/79/",
        "/e/mini-2021/pa/26734-01/",
        "/audit/",
        "/api/docs/",
        "/admin/",
    ],
)
def test_pages_send_csp_and_have_no_inline_scripts(client, make_user, mini, url):
    client.force_login(make_user(superuser=True))
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert not INLINE_SCRIPT.search(response.content.decode()), url
    assert response["X-Frame-Options"] == "DENY"


def test_session_cookie_is_http_only(client, make_user, mini_election):
    user = make_user("observer", "26737")
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db(transaction=True)
def test_audit_trail_is_append_only(make_user):
    event = record(actor=None, action="test.event", object_type="x", object_id="1")
    if connection.vendor == "postgresql":
        # raw SQL: the ORM refuses before the database is asked (common/models.py)
        table = AuditEvent._meta.db_table
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET action = 'tampered' WHERE id = %s", [event.pk])
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_admin_cannot_change_or_delete_audit_events(client, make_user):
    admin = make_user(superuser=True)
    client.force_login(admin)
    event = record(actor=admin, action="test.event", object_type="x", object_id="1")
    change = client.post(
        reverse("admin:common_auditevent_change", args=[event.pk]), {"action": "tampered"}
    )
    assert change.status_code in (302, 403) or "tampered" not in change.content.decode()
    delete = client.post(
        reverse("admin:common_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
