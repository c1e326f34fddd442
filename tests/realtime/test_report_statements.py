"""What one turnout report through the API costs in SQL statements, and that the cheaper path
keeps its lock and the rule of published slots.

Counted with connection.execute_wrapper (tests/statements.py). Inside the test's transaction
the report's own transaction is no BEGIN/COMMIT: outside tests those two come on top of the
statements counted here.
"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.models import AuditEvent
from realtime.models import TurnoutReport
from realtime.services.turnout import turnout_publish, turnout_report_submit
from tests.statements import Statements

pytestmark = pytest.mark.django_db

# token + user + roles; the area found and locked, with whether the slot is published; the
# area's reports; the report; its audit event
REPORT_STATEMENTS = 5


@pytest.fixture
def ready(mini_election, lists, clock):
    lists(mini_election, {"26734-01": 1000, "26734-02": 350})
    return mini_election


@pytest.fixture
def api(make_user) -> APIClient:
    secretary = make_user("team_secretary", "26734", area="26734-01")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=secretary).key}")
    return client


def post(api: APIClient, **kw) -> tuple[Statements, object]:  # noqa: ANN003
    seen = Statements()
    with connection.execute_wrapper(seen):
        r = api.post("/api/turnout/", {"polling_area": "26734-01", **kw}, format="json")
    return seen, r


def test_one_api_report_runs_five_statements(ready, api, make_user):
    assert post(api, slot="09:00", voted=100)[1].status_code == 201  # an earlier slot
    turnout_publish(actor=make_user("committee_member", "79"), election=ready, slot="09:00")
    seen, r = post(api, slot="11:00", voted=300)
    assert r.status_code == 201, r.json()
    assert len(seen.sql) <= REPORT_STATEMENTS, "\n".join(seen.sql)
    assert not [s for s in seen.sql if "SAVEPOINT" in s]
    assert not seen.of("realtime_turnoutpublication")  # read inside the area's statement
    assert not seen.of("authtoken_token")  # the token comes with the roles
    (area_sql,) = seen.of("election_pollingarea")
    assert "realtime_turnoutpublication" in area_sql
    if connection.features.has_select_for_update_of:  # PostgreSQL: the area's row only
        assert area_sql.endswith('FOR UPDATE OF "election_pollingarea"')


def test_a_refused_report_writes_nothing_and_leaves_the_transaction_usable(ready, api):
    events = AuditEvent.objects.count()
    seen, r = post(api, slot="09:00", voted=5000)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "above_list"
    assert not [s for s in seen.sql if s.startswith("INSERT")]
    # a rejection, a missing area and a foreign area answer without dooming the test's
    # transaction (the report's own has no savepoint)
    assert post(api, slot="10:00", voted=5)[1].json()["errors"][0]["code"] == "unknown_slot"
    r = api.post("/api/turnout/", {"polling_area": "nope", "slot": "09:00", "voted": 1})
    assert r.status_code == 404
    r = api.post("/api/turnout/", {"polling_area": "26734-02", "slot": "09:00", "voted": 1})
    assert r.status_code == 403
    assert TurnoutReport.objects.count() == 0 and AuditEvent.objects.count() == events


def test_the_published_flag_is_the_reported_slots_own(ready, api, make_user, clock):
    assert post(api, slot="09:00", voted=100)[1].status_code == 201
    assert post(api, slot="11:00", voted=300)[1].status_code == 201
    turnout_publish(actor=make_user("committee_member", "79"), election=ready, slot="09:00")
    # the published slot is locked, however the slot is written
    for slot in ("09:00", "2021-05-23T09:00:00+07:00", "2021-05-23T02:00:00Z"):
        r = post(api, slot=slot, voted=120, reason="gõ nhầm")[1]
        assert r.status_code == 400 and r.json()["errors"][0]["code"] == "locked", slot
    # a slot not published is still corrected, with a reason
    r = post(api, slot="11:00", voted=310, reason="gõ nhầm")[1]
    assert r.status_code == 201 and r.json()["corrections"] == 1
    assert TurnoutReport.objects.get(slot="09:00").voted == 100


def test_the_web_form_path_still_locks_the_area(ready, make_user):
    admin = make_user(superuser=True)
    area = ready.polling_areas.get(code="26734-01")
    seen = Statements()
    with connection.execute_wrapper(seen):
        turnout_report_submit(actor=admin, area=area, slot="09:00", voted=100)
    locks = [s for s in seen.of("election_pollingarea") if "FOR UPDATE" in s]
    if connection.features.has_select_for_update:
        assert len(locks) == 1, seen.sql
    assert seen.of("realtime_turnoutpublication")  # the service reads the published slots
    assert TurnoutReport.objects.get(polling_area=area).voted == 100
