"""Fuzz the API from its own OpenAPI schema (schemathesis), as a superuser and as a ward's
staff: no request gets a server error, and a rejected request (4xx) changes nothing.

The schema is the one the API serves (/api/schema/). Requests go in-process through the WSGI
application (the test database, the real middleware and authentication: a DRF token). Path
parameters are random or, half of the time, real slugs, codes and ids, so the generated bodies
and queries reach the views' own validation. Bounded: BAUCU_FUZZ_EXAMPLES examples per operation
and user (default 20). The figures are printed as the last line, one JSON object.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.security.conftest import load_demo_voters

EXAMPLES = int(os.environ.get("BAUCU_FUZZ_EXAMPLES", "20"))
PROJECT_APPS = ("common", "election", "voters", "printing", "realtime", "results", "auth")


# rows changed in place: the newest change time of every table that keeps one
CHANGE_TIMES = ("updated_at", "reported_at", "last_login")


def fingerprint() -> dict[str, object]:
    """Row counts of every table of the project (and users), the newest change time of every
    table that records one (a row updated in place moves it), and the last audit event's id:
    what a rejected request must leave as it was."""
    models = [m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS]
    q = connection.ops.quote_name
    parts = [f"(SELECT COUNT(*) FROM {q(m._meta.db_table)})" for m in models]
    names = [m._meta.label for m in models]
    for m in models:
        for f in m._meta.concrete_fields:
            if f.name in CHANGE_TIMES:
                parts.append(f"(SELECT MAX({q(f.column)}) FROM {q(m._meta.db_table)})")
                names.append(f"{m._meta.label}.{f.name}")
    parts.append("(SELECT COALESCE(MAX(id), 0) FROM common_auditevent)")
    names.append("audit.max_id")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True))


def _real_values(election) -> dict[str, list]:
    from election.models import AdminUnit, Contest, PollingArea
    from voters.models import Voter

    codes = list(AdminUnit.objects.filter(tree=election.tree).values_list("code", flat=True))
    codes += list(PollingArea.objects.filter(election=election).values_list("code", flat=True))
    return {
        "slug": [election.slug],
        "code": codes,
        "contest": list(Contest.objects.filter(election=election).values_list("code", flat=True)),
        "id": list(Voter.objects.filter(election=election).values_list("id", flat=True)[:20]),
    }


def _load_schema(admin) -> schemathesis.BaseSchema:
    from django.test import Client

    from config.wsgi import application

    client = Client()
    client.force_login(admin)
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert raw.status_code == 200
    schema = schemathesis.openapi.from_dict(json.loads(raw.content))
    schema.app = application
    return schema


@pytest.mark.django_db
def test_fuzz_the_api_from_its_schema(mini_election, make_user, capsys):
    from realtime.services.turnout import turnout_report_submit  # noqa: F401 (import check)

    load_demo_voters(per_area=5)
    admin = make_user(superuser=True)
    staff = make_user("ward_staff", "26734")
    schema = _load_schema(admin)
    real = _real_values(mini_election)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 19
    users = {"superuser": admin, "ward_staff": staff}
    tokens = {name: Token.objects.create(user=u).key for name, u in users.items()}
    stats: Counter = Counter()
    statuses: Counter = Counter()
    problems: list[str] = []
    started = time.monotonic()

    def fuzz(op, who: str, token: str) -> None:
        strategy = op.as_strategy()

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(data=st.data())
        def run(data) -> None:
            case = data.draw(strategy)
            if case.path_parameters and data.draw(st.booleans()):
                case.path_parameters = {
                    k: data.draw(st.sampled_from(real[k])) if real.get(k) else v
                    for k, v in case.path_parameters.items()
                }
            before = fingerprint()
            response = case.call(headers={"Authorization": f"Token {token}"})
            after = fingerprint()
            stats[who] += 1
            statuses[response.status_code] += 1
            label = f"{who} {op.method.upper()} {case.formatted_path}"
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code} {case.query} "
                                f"{str(case.body)[:200]}")  # fmt: skip
            elif 400 <= response.status_code < 500 and after != before:
                changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                problems.append(f"{label}: {response.status_code} changed {changed}")

        run()

    # as Django's test client does: the request's end must not close the test's connection
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        for who, token in tokens.items():
            for op in operations:
                fuzz(op, who, token)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    elapsed = time.monotonic() - started
    figures = {
        "stack": connection.vendor,
        "operations": len(operations),
        "cases": sum(stats.values()),
        "cases_by_user": dict(stats),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "seconds": round(elapsed, 1),
    }
    with capsys.disabled():
        print("\napi fuzz:", json.dumps(figures))
    assert not problems, problems[:10]
    assert figures["cases"] >= len(operations) * 2 * min(EXAMPLES, 5)
    # the fuzzing reached the views (2xx) and their validation (400), not only the routing
    assert statuses[200] > 0 and statuses[400] > 0 and statuses[404] > 0
