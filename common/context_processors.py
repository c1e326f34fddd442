from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, Any]:
    from election.access import Cap, is_superuser, role_has, roles_of

    user = getattr(request, "user", None)
    can_read_audit = is_superuser(user) or any(
        role_has(r.kind, Cap.READ_AUDIT) for r in roles_of(user)
    )
    return {"BAUCU_DEMO": settings.BAUCU_DEMO, "can_read_audit": can_read_audit}


def rehearsal(request: HttpRequest) -> dict[str, Any]:
    """`page_rehearsal`: the page belongs to a rehearsal election (its URL's slug, or its job's
    election), for the banner of pages whose view passes no `election`. Looked up only when a
    template asks."""

    def lookup() -> bool:
        from common.models import Job
        from election.models import Election

        match = getattr(request, "resolver_match", None)
        kwargs = match.kwargs if match else {}
        if kwargs.get("slug"):
            return Election.objects.filter(slug=kwargs["slug"], is_rehearsal=True).exists()
        if match and match.url_name == "job" and kwargs.get("pk"):
            return Job.objects.filter(pk=kwargs["pk"], election__is_rehearsal=True).exists()
        return False

    return {"page_rehearsal": SimpleLazyObject(lookup)}
