from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from election.access import Cap, is_superuser, role_has, roles_of

    user = getattr(request, "user", None)
    can_read_audit = is_superuser(user) or any(
        role_has(r.kind, Cap.READ_AUDIT) for r in roles_of(user)
    )
    return {"BAUCU_DEMO": settings.BAUCU_DEMO, "can_read_audit": can_read_audit}
