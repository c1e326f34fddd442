"""The permission matrix: every named URL × every role × inside/outside the role's unit.

Every URL pattern of the project must have an entry in MATRIX; a new endpoint without one
fails `test_every_url_has_a_matrix_entry`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from common.jobs import job_create
from election.models import AdminUnit


@dataclass(frozen=True)
class Who:
    kind: str | None  # None: anonymous; "super": superuser
    unit: str | None = None
    area: str | None = None
    inside_unit: str = ""
    inside_area: str = ""
    outside_unit: str = ""
    outside_area: str = ""
    outside_contest: str = ""


ROLES = {
    "anonymous": Who(
        None,
        inside_unit="26734",
        inside_area="26734-01",
        outside_unit="27499",
        outside_area="27499-01",
        outside_contest="HDND-783",
    ),
    "superuser": Who(
        "super",
        inside_unit="26734",
        inside_area="26734-01",
        outside_unit="27499",
        outside_area="27499-01",
        outside_contest="HDND-783",
    ),
    "committee_member": Who(
        "committee_member",
        "760",
        inside_unit="26734",
        inside_area="26734-01",
        outside_unit="27496",
        outside_area="27496-01",
        outside_contest="HDND-783",
    ),
    "ward_staff": Who(
        "ward_staff",
        "26734",
        inside_unit="26734",
        inside_area="26734-02",
        outside_unit="26737",
        outside_area="26737-01",
        outside_contest="HDND-27496",
    ),
    "team_secretary": Who(
        "team_secretary",
        "26734",
        area="26734-01",
        inside_unit="26734",
        inside_area="26734-01",
        outside_unit="27499",
        outside_area="27499-01",
        outside_contest="HDND-783",
    ),
    "observer": Who(
        "observer",
        "26737",
        inside_unit="26737",
        inside_area="26737-01",
        outside_unit="26734",
        outside_area="26734-01",
        outside_contest="HDND-783",
    ),
}

E = "mini-2021"


@dataclass(frozen=True)
class Case:
    """How to build the URL for a role and a place, and who is allowed there."""

    url: Callable[[Who, str, dict], str]
    # allowed(role_name, where) -> bool; where is "inside" or "outside"
    allowed: Callable[[str, str], bool]
    api: bool = False


def _scoped(role: str, where: str) -> bool:
    return role == "superuser" or (role != "anonymous" and where == "inside")


def _any_user(role: str, where: str) -> bool:
    return role != "anonymous"


def _super_only(role: str, where: str) -> bool:
    return role == "superuser"


def _own_team(role: str, where: str) -> bool:
    """Turnout of a polling area: only its own Election Team's secretary (and superusers)."""
    return role == "superuser" or (role == "team_secretary" and where == "inside")


def _committee(role: str, where: str) -> bool:
    """Results of a contest and its constituencies: committee members inside (and superusers)."""
    return role == "superuser" or (role == "committee_member" and where == "inside")


def _nobody(role: str, where: str) -> bool:
    """Nothing to GET here: unpublished results answer 404; POST-only endpoints 405."""
    return False


def _everyone(role: str, where: str) -> bool:
    return True


def _unit(who: Who, where: str) -> str:
    return who.inside_unit if where == "inside" else who.outside_unit


def _area(who: Who, where: str) -> str:
    return who.inside_area if where == "inside" else who.outside_area


def _contest(who: Who, where: str) -> str:
    return "HDND-79" if where == "inside" else who.outside_contest


def _print(role: str, where: str) -> bool:
    """Cap.PRINT: ward staff and committee members inside their units (and superusers)."""
    return role == "superuser" or (role in ("committee_member", "ward_staff") and where == "inside")


def _personal(role: str, where: str) -> bool:
    """Voters' personal data: superuser; committee members and ward staff inside their unit."""
    return role == "superuser" or (role in ("committee_member", "ward_staff") and where == "inside")


def _manage_voters(role: str, where: str) -> bool:
    return role == "superuser" or (role == "ward_staff" and where == "inside")


def _voter_id(who: Who, where: str, context: dict) -> int:
    from election.models import PollingArea
    from voters.models import Voter

    area = PollingArea.objects.get(election__slug=E, code=_area(who, where))
    voter, _ = Voter.objects.get_or_create(
        election_id=area.election_id,
        polling_area=area,
        stt=1,
        defaults={"national_id": f"0790850{area.pk:05d}", "full_name": "Nguyễn Văn An",
                  "search_key": "nguyen van an", "birth_year": 1980, "sex": "M",
                  "residence": "permanent"},
    )  # fmt: skip
    return voter.pk


def _import_id(who: Who, where: str, context: dict) -> int:
    from voters.models import VoterImport

    unit = AdminUnit.objects.get(tree__slug=E, code=_unit(who, where))
    imp, _ = VoterImport.objects.get_or_create(
        election=unit.tree.elections.get(slug=E), unit=unit, filename="x.csv", sha256="0",
        status="rejected",
    )  # fmt: skip
    return imp.pk


MATRIX: dict[str, Case] = {
    "voters:unit": Case(lambda w, p, c: reverse("voters:unit", args=[E, _unit(w, p)]), _scoped),
    "voters:changes": Case(
        lambda w, p, c: reverse("voters:changes", args=[E, _unit(w, p)]), _scoped
    ),
    "voters:duplicates": Case(
        lambda w, p, c: reverse("voters:duplicates", args=[E, _unit(w, p)]), _personal
    ),
    "voters:import-start": Case(
        lambda w, p, c: reverse("voters:import-start", args=[E, _unit(w, p)]), _manage_voters
    ),
    "voters:area": Case(lambda w, p, c: reverse("voters:area", args=[E, _area(w, p)]), _personal),
    "voters:new": Case(
        lambda w, p, c: reverse("voters:new", args=[E, _area(w, p)]), _manage_voters
    ),
    "voters:voter": Case(
        lambda w, p, c: reverse("voters:voter", args=[E, _voter_id(w, p, c)]), _personal
    ),
    "voters:import": Case(
        lambda w, p, c: reverse("voters:import", args=[E, _import_id(w, p, c)]), _manage_voters
    ),
    "voters:import-errors": Case(
        lambda w, p, c: reverse("voters:import-errors", args=[E, _import_id(w, p, c)]),
        _manage_voters,
    ),
    "voters:template": Case(lambda w, p, c: reverse("voters:template", args=[E]), _any_user),
    "voters:template-csv": Case(
        lambda w, p, c: reverse("voters:template-csv", args=[E]), _any_user
    ),
    "api-voter-counts": Case(
        lambda w, p, c: reverse("api-voter-counts", args=[E]) + f"?unit={_unit(w, p)}",
        _scoped,
        api=True,
    ),
    "api-voter-search": Case(
        lambda w, p, c: reverse("api-voter-search", args=[E]) + "?q=nguyen", _any_user, api=True
    ),
    "api-voter-events": Case(
        lambda w, p, c: reverse("api-voter-events", args=[E, _voter_id(w, p, c)]),
        _personal,
        api=True,
    ),
    "api-area-voters": Case(
        lambda w, p, c: reverse("api-area-voters", args=[E, _area(w, p)]), _personal, api=True
    ),
    "home": Case(lambda w, p, c: reverse("home"), _any_user),
    "election": Case(lambda w, p, c: reverse("election", args=[E]), _any_user),
    "unit": Case(lambda w, p, c: reverse("unit", args=[E, _unit(w, p)]), _scoped),
    "polling-area": Case(lambda w, p, c: reverse("polling-area", args=[E, _area(w, p)]), _scoped),
    "contest": Case(lambda w, p, c: reverse("contest", args=[E, _contest(w, p)]), _scoped),
    "job": Case(lambda w, p, c: reverse("job", args=[c["jobs"][_unit(w, p)]]), _scoped),
    # the audit trail: superusers, and READ_AUDIT roles (committee members) for their subtree
    "audit": Case(lambda w, p, c: reverse("audit") + f"?unit={_unit(w, p)}", _committee),
    "accounts": Case(lambda w, p, c: reverse("accounts", args=[E]), _super_only),
    "printing-start": Case(
        lambda w, p, c: reverse("printing-start", args=[E]) + f"?unit={_unit(w, p)}", _print
    ),
    "printing-job": Case(
        lambda w, p, c: reverse("printing-job", args=[E, c["print_jobs"][_unit(w, p)]]), _print
    ),
    "printing-resume": Case(
        lambda w, p, c: reverse("printing-resume", args=[E, c["print_jobs"][_unit(w, p)]]),
        _print,
    ),
    "printing-download": Case(
        lambda w, p, c: reverse(
            "printing-download", args=[E, c["print_jobs"][_unit(w, p)], "manifest.json"]
        ),
        _print,
    ),
    "printing-reprint": Case(
        lambda w, p, c: reverse("printing-reprint", args=[E]) + f"?area={_area(w, p)}", _print
    ),
    "api-elections": Case(lambda w, p, c: reverse("api-elections"), _any_user, api=True),
    "api-election": Case(lambda w, p, c: reverse("api-election", args=[E]), _any_user, api=True),
    "api-contests": Case(lambda w, p, c: reverse("api-contests", args=[E]), _any_user, api=True),
    "api-constituencies": Case(
        lambda w, p, c: reverse("api-constituencies", args=[E, _contest(w, p)]), _scoped, api=True
    ),
    "api-polling-areas": Case(
        lambda w, p, c: reverse("api-polling-areas", args=[E]) + f"?unit={_unit(w, p)}",
        _scoped,
        api=True,
    ),
    "api-unit": Case(
        lambda w, p, c: reverse("api-unit", args=[_unit(w, p)]) + f"?election={E}",
        _scoped,
        api=True,
    ),
    "api-job": Case(
        lambda w, p, c: reverse("api-job", args=[c["jobs"][_unit(w, p)]]), _scoped, api=True
    ),
    "api-audit": Case(
        lambda w, p, c: reverse("api-audit") + f"?unit={_unit(w, p)}", _committee, api=True
    ),
    "api-schema": Case(lambda w, p, c: reverse("api-schema"), _any_user, api=True),
    "api-docs": Case(lambda w, p, c: reverse("api-docs"), _any_user),
    "login": Case(lambda w, p, c: reverse("login"), lambda r, p: True),
    "logout": Case(lambda w, p, c: reverse("logout"), lambda r, p: True),
    "set_language": Case(lambda w, p, c: reverse("set_language"), lambda r, p: True),
    "admin:index": Case(lambda w, p, c: reverse("admin:index"), _super_only),
    # turnout (realtime/urls.py)
    "turnout-start": Case(lambda w, p, c: reverse("turnout-start", args=[E]), _any_user),
    "turnout-report": Case(
        lambda w, p, c: reverse("turnout-report", args=[E, _area(w, p)]), _own_team
    ),
    "turnout-dashboard": Case(
        lambda w, p, c: reverse("turnout-dashboard", args=[E, _unit(w, p)]), _scoped
    ),
    "turnout-publish": Case(lambda w, p, c: reverse("turnout-publish", args=[E]), _super_only),
    "turnout-public": Case(lambda w, p, c: reverse("turnout-public", args=[E]), _everyone),
    "api-turnout": Case(
        lambda w, p, c: reverse("api-turnout") + f"?election={E}", _any_user, api=True
    ),
    "api-turnout-unit": Case(
        lambda w, p, c: reverse("api-turnout-unit", args=[_unit(w, p)]) + f"?election={E}",
        _scoped,
        api=True,
    ),
    "api-turnout-public": Case(
        lambda w, p, c: reverse("api-turnout-public", args=[E]), _everyone, api=True
    ),
}


def _enter_minutes(role: str, where: str) -> bool:
    """Count minutes are keyed by the area's own team secretary or ward staff (ENTER_MINUTES)."""
    return role == "superuser" or (role in ("team_secretary", "ward_staff") and where == "inside")


def _settle_minutes(role: str, where: str) -> bool:
    """Resolving and reopening minutes needs APPROVE over the area (committee members)."""
    return role == "superuser" or (role == "committee_member" and where == "inside")


MATRIX.update(
    {
        "results:overview": Case(lambda w, p, c: reverse("results:overview", args=[E]), _any_user),
        "results:json": Case(lambda w, p, c: reverse("results:json", args=[E]), _any_user),
        "results:unit": Case(
            lambda w, p, c: reverse("results:unit", args=[E, _unit(w, p)]), _scoped
        ),
        "results:area": Case(
            lambda w, p, c: reverse("results:area", args=[E, _area(w, p)]), _scoped
        ),
        "results:entry": Case(
            lambda w, p, c: reverse("results:entry", args=[E, _area(w, p), "QH", "main"]),
            _enter_minutes,
        ),
        "results:settle": Case(
            lambda w, p, c: reverse("results:settle", args=[E, _area(w, p), "QH", "main"]),
            _settle_minutes,
        ),
        "results:contest": Case(
            lambda w, p, c: reverse("results:contest", args=[E, _contest(w, p)]), _scoped
        ),
        # the committee minutes of a contest belong to the unit running it (the city here)
        "results:contest-doc": Case(
            lambda w, p, c: reverse("results:contest-doc", args=[E, _contest(w, p), "xlsx"]),
            _super_only,
        ),
        "results:constituency": Case(
            lambda w, p, c: reverse("results:constituency", args=[E, _contest(w, p), 1]), _scoped
        ),
        "results:constituency-doc": Case(
            lambda w, p, c: reverse(
                "results:constituency-doc", args=[E, _contest(w, p), 1, "xlsx"]
            ),
            _scoped,
        ),
        "results:public": Case(
            lambda w, p, c: reverse("results:public", args=[E]), lambda r, p: True
        ),
        "api-results": Case(lambda w, p, c: reverse("api-results", args=[E]), _any_user, api=True),
        "api-results-progress": Case(
            lambda w, p, c: reverse("api-results-progress", args=[E, _unit(w, p)]),
            _scoped,
            api=True,
        ),
        "api-minutes-entry": Case(
            lambda w, p, c: reverse("api-minutes-entry", args=[E]), _any_user, api=True
        ),
    }
)

# the election-day drill (issue 8): coordinators settle differing entries through the API;
# GET lists the differing minutes the user may settle (an empty list outside their units)
MATRIX.update(
    {
        "api-minutes-resolve": Case(
            lambda w, p, c: reverse("api-minutes-resolve", args=[E]), _any_user, api=True
        ),
    }
)

# reconciliation board (reconciliation/urls.py): counts only, any role that sees the unit
MATRIX.update(
    {
        "reconciliation:unit": Case(
            lambda w, p, c: reverse("reconciliation:unit", args=[E, _unit(w, p)]), _scoped
        ),
        "reconciliation:xlsx": Case(
            lambda w, p, c: reverse("reconciliation:xlsx", args=[E, _unit(w, p)]), _scoped
        ),
        "api-reconciliation": Case(
            lambda w, p, c: reverse("api-reconciliation", args=[E, _unit(w, p)]),
            _scoped,
            api=True,
        ),
    }
)

# Rehearsal mode (docs/rehearsal.md): only who manages the structure of the election's root
# (here: the superuser) may see the page, wipe or switch.
MATRIX.update(
    {
        "rehearsal": Case(lambda w, p, c: reverse("rehearsal", args=[E]), _super_only),
    }
)

# URL names outside the matrix on purpose: the Django admin's own pages (staff only, covered by
# admin:index and the admin tests) and static file serving.
EXEMPT_PREFIXES = ("admin:",)


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, ns: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(ns + p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_has_a_matrix_entry():
    names = _all_url_names()
    missing = {n for n in names if n not in MATRIX and not n.startswith(EXEMPT_PREFIXES)}
    assert not missing, f"URL names without a permission-matrix entry: {sorted(missing)}"


@pytest.fixture
def context(mini_election, make_user):
    someone = make_user(superuser=True)
    jobs = {
        unit.code: job_create(kind="test", actor=someone, unit_id=unit.id).pk
        for unit in AdminUnit.objects.filter(tree=mini_election.tree)
    }
    print_jobs = {
        unit.code: job_create(
            kind="print_cards", actor=someone, unit_id=unit.id, election_id=mini_election.id
        ).pk
        for unit in AdminUnit.objects.filter(tree=mini_election.tree)
    }
    return {"jobs": jobs, "print_jobs": print_jobs}


def _login(client, make_user, who: Who):
    if who.kind is None:
        return
    user = (
        make_user(superuser=True)
        if who.kind == "super"
        else make_user(who.kind, who.unit, area=who.area)
    )
    client.force_login(user)


@pytest.mark.parametrize("where", ["inside", "outside"])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(client, make_user, context, name, role, where):
    case = MATRIX[name]
    who = ROLES[role]
    _login(client, make_user, who)
    url = case.url(who, where, context)
    if name in ("logout", "set_language"):
        response = client.post(url, {"language": "vi"})
        assert response.status_code == 302
        return
    response = client.get(url, HTTP_ACCEPT="application/json" if case.api else "text/html")
    if case.allowed(role, where):
        redirected_inside = response.status_code == 302 and "/login/" not in response["Location"]
        assert response.status_code == 200 or redirected_inside, (
            name,
            role,
            where,
            response.status_code,
        )
    elif not case.api and response.status_code == 302:
        # pages deny by sending to a login page (ours, or the admin's for non-staff)
        assert "/login/" in response["Location"], (name, role, where)
        assert role == "anonymous" or name.startswith("admin:")
    else:
        assert response.status_code in (401, 403, 404, 405), (
            name,
            role,
            where,
            response.status_code,
        )


def test_denied_requests_change_nothing(client, make_user, mini_election):
    """A user outside a unit cannot change it through the admin or the API."""
    from common.models import AuditEvent

    observer = make_user("observer", "26737")
    client.force_login(observer)
    unit = AdminUnit.objects.get(code="26734")
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:election_adminunit_change", args=[unit.pk]), {"name": "hacked"}
    )
    assert response.status_code in (302, 403)
    unit.refresh_from_db()
    assert unit.name == "Phường Tân Định"
    response = client.post(reverse("admin:election_election_import"), {})
    assert response.status_code in (302, 403)
    assert AuditEvent.objects.count() == before


# --- websocket routes (realtime/routing.py) × roles × inside/outside (security area) -------------
# Every route of the ASGI websocket router needs an entry: the key is the route's pattern.


@dataclass(frozen=True)
class WsCase:
    path: Callable[[Who, str, dict], str]
    allowed: Callable[[str, str], bool]


WS_MATRIX: dict[str, WsCase] = {
    # a job's progress: its creator, superusers, and whoever may VIEW the job's unit
    "ws/jobs/<int:job_id>/": WsCase(lambda w, p, c: f"/ws/jobs/{c['jobs'][_unit(w, p)]}/", _scoped),
    # a unit's live turnout: VIEW on the unit
    "ws/turnout/<slug:slug>/<str:code>/": WsCase(
        lambda w, p, c: f"/ws/turnout/{E}/{_unit(w, p)}/", _scoped
    ),
}


def test_every_websocket_route_has_a_matrix_entry():
    from realtime.routing import websocket_urlpatterns

    routes = {str(p.pattern) for p in websocket_urlpatterns}
    assert routes == set(WS_MATRIX), f"websocket routes without an entry: {routes - set(WS_MATRIX)}"


def _ws_headers(user: object | None, origin: bytes = b"http://testserver") -> list:
    from django.conf import settings
    from django.test import Client

    headers = [(b"origin", origin)]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return headers


async def _ws_probe(paths: list[tuple[str, list]]) -> list[tuple[bool, int | None]]:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from realtime import live

    out = []
    try:
        for path, headers in paths:
            ws = WebsocketCommunicator(application, path, headers=headers)
            connected, code = await ws.connect(timeout=5)
            if connected:
                first = await ws.receive_json_from(timeout=5)  # the state, right after joining
                assert isinstance(first, dict) and first
                await ws.disconnect()
            out.append((connected, code))
    finally:
        await live.stop()
    return out


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(ROLES))
def test_websocket_matrix(make_user, context, role):
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async
    from django.db import connections

    who = ROLES[role]
    user = None
    if who.kind is not None:
        user = (
            make_user(superuser=True)
            if who.kind == "super"
            else make_user(who.kind, who.unit, area=who.area)
        )
    headers = _ws_headers(user)
    cases = [
        (route, where, case.path(who, where, context))
        for route, case in WS_MATRIX.items()
        for where in ("inside", "outside")
    ]
    got = async_to_sync(_ws_probe)([(path, headers) for _r, _w, path in cases])
    async_to_sync(database_sync_to_async(connections.close_all))()
    for (route, where, path), (connected, code) in zip(cases, got, strict=True):
        expected = WS_MATRIX[route].allowed(role, where)
        assert connected == expected, (route, role, where, path, code)
        if not connected:
            assert code == (4401 if role == "anonymous" else 4403), (route, role, where, code)


@pytest.mark.django_db(transaction=True)
def test_websocket_from_a_foreign_origin_is_refused(make_user, context):
    from asgiref.sync import async_to_sync

    admin = make_user(superuser=True)
    path = WS_MATRIX["ws/turnout/<slug:slug>/<str:code>/"].path(ROLES["superuser"], "inside", {})
    ok = async_to_sync(_ws_probe)([(path, _ws_headers(admin))])
    evil = async_to_sync(_ws_probe)([(path, _ws_headers(admin, b"https://evil.example"))])
    assert ok[0][0] is True and evil[0][0] is False


# --- lists open to every user, scoped by content: inside found, outside never (security area) ---


@pytest.mark.parametrize("role", list(ROLES))
def test_voter_search_finds_only_inside_the_users_units(client, make_user, context, role):
    """The search URL is the same for everyone; what it returns is scoped: a voter of the
    role's unit is found by whoever may see personal data there, a voter outside never."""
    who = ROLES[role]
    _login(client, make_user, who)
    ids = {}
    for where in ("inside", "outside"):
        pk = _voter_id(who, where, context)
        from voters.models import Voter

        ids[where] = Voter.objects.get(pk=pk).national_id
    for where, national_id in ids.items():
        api = client.get(reverse("api-voter-search", args=[E]), {"q": national_id})
        page = client.get(reverse("voters:unit", args=[E, "79"]), {"q": national_id})
        expected = _personal(role, where) and (role == "superuser" or where == "inside")
        if role == "anonymous":
            assert api.status_code in (401, 403) and page.status_code == 302
            continue
        found_api = any(v["national_id"] == national_id for v in api.json())
        assert found_api == expected, (role, where)
        if page.status_code == 200:  # the city page: for those who may see the city
            assert (national_id in page.content.decode()) == expected, (role, where)
