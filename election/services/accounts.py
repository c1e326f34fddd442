"""Accounts and roles: granting a role is a change like any other, audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from common.audit import record
from common.sockets import access_changed
from election.models import AdminUnit, ElectionBody, Role


@transaction.atomic
def role_grant(
    *,
    actor: Any,
    user: Any,
    kind: str,
    unit: AdminUnit,
    body: ElectionBody | None = None,
    source: str = "cli",
) -> Role:
    if kind == Role.Kind.TEAM_SECRETARY and (body is None or body.polling_area_id is None):
        raise ValueError("an election team secretary role needs the team (body) of a polling area")
    role, created = Role.objects.get_or_create(user=user, kind=kind, unit=unit, body=body)
    if created:
        record(
            actor=actor,
            action="role.granted",
            obj=role,
            source=source,
            unit_id=unit.id,
            after={
                "user": user.username,
                "kind": kind,
                "unit": unit.code,
                "body": body.name if body else None,
            },
        )
    return role


@transaction.atomic
def user_ensure(
    *, username: str, password: str, full_name: str = "", superuser: bool = False
) -> Any:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    first, _, last = full_name.rpartition(" ")
    user.first_name, user.last_name = first, last
    user.is_staff = superuser
    user.is_superuser = superuser
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def account_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    password: str,
    kind: str,
    unit: AdminUnit,
    body: ElectionBody | None = None,
    source: str = "web",
) -> Role:
    """A new person with one role, audited. Password rules are checked by the caller's form."""
    User = get_user_model()
    first, _, last = full_name.rpartition(" ")
    user = User.objects.create_user(
        username=username, password=password, first_name=first, last_name=last
    )
    record(
        actor=actor,
        action="account.created",
        obj=user,
        source=source,
        unit_id=unit.id,
        after={"username": username, "full_name": full_name},
    )
    return role_grant(actor=actor, user=user, kind=kind, unit=unit, body=body, source=source)


@transaction.atomic
def role_revoke(*, actor: Any, role: Role, source: str = "web") -> None:
    record(
        actor=actor,
        action="role.revoked",
        obj=role,
        source=source,
        unit_id=role.unit_id,
        before={"user": role.user.username, "kind": role.kind, "unit": role.unit.code},
    )
    role.delete()
    access_changed(role.user_id)  # open dashboards of the user check their access again
