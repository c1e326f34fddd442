"""The permission matrix for writes (issue 9): every named URL × every role × inside/outside
the role's unit, sent a POST. A role the matrix denies is refused and nothing in the database
changes; a role it allows may be refused (an empty form is invalid) but never gets a 500, and
whatever its POST changed is in the audit trail.

The URL list, the roles and who may act where come from the GET matrix
(tests/election/test_permission_matrix.py), so a new endpoint gets its POST case too. Writes whose
refusal depends on the body (a turnout report names its polling area) get a real body.
"""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps

from tests.election.test_permission_matrix import (  # noqa: F401 (fixture)
    MATRIX,
    ROLES,
    Case,
    E,
    _area,
    _login,
    _own_team,
    context,
)

# our apps and the accounts: every row count, and the rows people change most, by content
APPS = (
    "election",
    "voters",
    "printing",
    "realtime",
    "results",
    "reconciliation",
    "common",
    "auth",
    "authtoken",
    "axes",
)
SKIP = {"login", "logout", "set_language"}  # no unit to act on; the GET matrix posts to them


def fingerprint() -> str:
    """Counts of every table of our apps, and a digest of the rows of units, elections, roles
    and users (a rename or a flag switched shows here even when no row is added)."""
    from django.contrib.auth import get_user_model

    from election.models import AdminUnit, Election, Role

    h = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.app_label in APPS and not model._meta.proxy:
            if model._meta.label == "axes.AccessLog":
                continue  # a log-in attempt is recorded by design (not a change of data)
            rows = model._default_manager.all()
            if model._meta.label == "results.CountMinutes":
                # the entry page makes the empty minutes row of (area, contest, round) on first
                # use, with no figure in it: only minutes that hold entries count
                rows = rows.exclude(status="empty")
            h.update(f"{model._meta.label}={rows.count()};".encode())
    for qs in (
        AdminUnit.objects.values_list("id", "code", "name", "parent_id"),
        Election.objects.values_list("id", "slug", "name", "is_rehearsal", "date"),
        Role.objects.values_list("id", "user_id", "kind", "unit_id", "body_id"),
        get_user_model().objects.values_list("id", "username", "is_active", "is_superuser"),
    ):
        h.update(repr(list(qs.order_by("id"))).encode())
    return h.hexdigest()


def _turnout_body(who, where, ctx) -> dict:
    return {"election": E, "polling_area": _area(who, where), "slot": "09:00", "voted": 1}


# POST cases whose answer depends on a body: (body, who may write)
BODIES = {"api-turnout": (_turnout_body, _own_team)}


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("name", sorted(set(MATRIX) - SKIP))
def test_post_matrix(client, make_user, context, name, role, where):  # noqa: F811
    from common.models import AuditEvent

    case: Case = MATRIX[name]
    who = ROLES[role]
    _login(client, make_user, who)
    url = case.url(who, where, context)
    body, allowed = (None, case.allowed)
    if name in BODIES:
        make_body, allowed = BODIES[name]
        body = make_body(who, where, context)
    before, audited = fingerprint(), AuditEvent.objects.count()
    if case.api:
        response = client.post(url, body or {}, content_type="application/json")
    else:
        response = client.post(url, body or {})
    assert response.status_code < 500, (name, role, where, response.status_code)
    if allowed(role, where):
        # refused (invalid form, unknown slot…) or done; a change always leaves an audit row
        if fingerprint() != before:
            assert AuditEvent.objects.count() > audited, (name, role, where, "unaudited")
        return
    if response.status_code == 302:
        assert "/login/" in response["Location"], (name, role, where, response["Location"])
    else:
        # never a 400: the permission is checked before the form is read, so a denied user
        # learns nothing about what the form would have accepted
        assert response.status_code in (401, 403, 404, 405), (
            name,
            role,
            where,
            response.status_code,
        )
    assert fingerprint() == before, (name, role, where, "a denied POST changed data")
