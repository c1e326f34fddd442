"""Token authentication that reads the user's roles with the token, in one query.

Every API call of a Team secretary (a turnout report, say) needs the user and their roles
(election/access.py roles_of). DRF's TokenAuthentication reads the token and the user, and the
first permission check then reads the roles: two queries. Here the roles are read by the token's
key, with their user, the user's token, unit and body joined, and handed to roles_of through the
cache it keeps on the user. A user without roles (a superuser, an account not yet bound) gets
DRF's own lookup, so the failures are DRF's: an unknown key or an inactive user is a 401.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from election.models import Role


def roles_by_token(key: str) -> list[Role]:
    """The roles of the user holding the token `key`, each with that user (one object) and the
    user's token already loaded; [] when the key is unknown or its user has no role."""
    roles = list(
        Role.objects.filter(user__auth_token__key=key).select_related(
            "user__auth_token", "unit", "body"
        )
    )
    if roles:
        user = roles[0].user
        for role in roles:
            role.user = user
    return roles


class RoleTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the user's roles loaded in the same query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        roles = roles_by_token(key)
        if not roles:
            return super().authenticate_credentials(key)
        user = roles[0].user
        if not user.is_active:
            # DRF's message (and its translation)
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user._baucu_roles = roles  # election/access.py roles_of reads this
        return user, user.auth_token
