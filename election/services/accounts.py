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


DRILL_GROUP = "baucu-drill:{election_id}"


def drill_group_name(election_id: int) -> str:
    """The group that marks the accounts a drill made for one election (and nothing else)."""
    return DRILL_GROUP.format(election_id=election_id)


@transaction.atomic
def accounts_retire(*, actor: Any, users: Any, reason: str, source: str = "cli") -> int:
    """Take every power away from these accounts, audited: roles revoked (open dashboards are
    told), API tokens deleted, the password made unusable (which also ends every session: a
    session carries a hash of the password) and the account deactivated. The rows stay, so
    that the audit trail still names them. Returns how many accounts were retired."""
    from rest_framework.authtoken.models import Token

    n = 0
    for user in users:
        for role in Role.objects.filter(user=user).select_related("unit", "user"):
            role_revoke(actor=actor, role=role, source=source)
        tokens, _ = Token.objects.filter(user=user).delete()
        was_active = user.is_active
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=["password", "is_active"])
        record(
            actor=actor,
            action="account.retired",
            obj=user,
            source=source,
            before={"username": user.username, "active": was_active, "tokens": tokens},
            extra={"reason": reason},
        )
        access_changed(user.pk)
        n += 1
    return n


def drill_accounts_retire(*, actor: Any, election_id: int, source: str = "cli") -> int:
    """Retire the accounts a drill made for this election (see `accounts_retire`)."""
    User = get_user_model()
    users = User.objects.filter(groups__name=drill_group_name(election_id)).order_by("pk")
    return accounts_retire(actor=actor, users=list(users), reason="drill ended", source=source)
