"""The coordinator's settlement API used by the drill (results/api.py MinutesResolveView):
lists the differing minutes the user may settle, settles one with the same service as the
settle page, refuses outsiders and stale versions and then changes nothing."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.results.conftest import qh_minutes

E = "mini-2021"


def _client(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def different(mini_election, make_user):
    """26734-01 QH keyed twice over the entry API, the second entry with two votes swapped."""
    right = next(m for m in qh_minutes() if m["polling_area"] == "26734-01")
    wrong = copy.deepcopy(right)
    wrong["votes"][0]["votes"], wrong["votes"][1]["votes"] = (
        right["votes"][1]["votes"],
        right["votes"][0]["votes"],
    )
    url = reverse("api-minutes-entry", args=[E])
    for user, doc in (
        (make_user("ward_staff", "26734"), right),
        (make_user("ward_staff", "26734"), wrong),
    ):
        r = _client(user).post(url, {"minutes": [doc]}, format="json")
        assert r.status_code == 200, r.json()
    from results.models import CountMinutes

    m = CountMinutes.objects.get(polling_area__code="26734-01", contest__code="QH")
    assert m.status == "different"
    return m, right


def test_coordinator_lists_and_settles_differing_minutes(different, make_user):
    from common.models import AuditEvent
    from results.models import CountMinutes

    m, right = different
    url = reverse("api-minutes-resolve", args=[E])
    boss = _client(make_user("committee_member", "760"))
    listed = boss.get(url).json()["minutes"]
    assert listed == [
        {
            "polling_area": "26734-01",
            "contest": "QH",
            "round": "main",
            "version": m.version,
            "differences": listed[0]["differences"],
        }
    ]
    assert len(listed[0]["differences"]) == 2 and all(
        d.startswith("votes.") for d in listed[0]["differences"]
    )
    body = {"polling_area": "26734-01", "contest": "QH", "action": "keep_first"}
    stale = boss.post(url, {**body, "version": m.version - 1}, format="json")
    assert stale.status_code == 409
    assert CountMinutes.objects.get(pk=m.pk).status == "different"
    r = boss.post(url, {**body, "version": m.version}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "definitive"
    m.refresh_from_db()
    kept = {v.candidate.full_name: v.votes for v in m.votes.select_related("candidate")}
    assert kept == {v["candidate"]: v["votes"] for v in right["votes"]}
    assert AuditEvent.objects.filter(action="minutes.resolved", source="api").count() == 1
    assert boss.get(url).json()["minutes"] == []  # nothing left to settle
    again = boss.post(url, body, format="json")
    assert again.status_code == 409  # nothing to resolve in state definitive


def test_outsiders_and_entering_staff_cannot_settle(different, make_user):

    m, _ = different
    url = reverse("api-minutes-resolve", args=[E])
    body = {"polling_area": "26734-01", "contest": "QH", "action": "keep_second"}
    for kind, unit in (("committee_member", "783"), ("ward_staff", "26734")):
        c = _client(make_user(kind, unit))
        assert c.get(url).json()["minutes"] == []
        assert c.post(url, body, format="json").status_code == 403
    assert APIClient().post(url, body, format="json").status_code in (401, 403)
    bad = _client(make_user("committee_member", "760")).post(
        url, {**body, "action": "toss_a_coin"}, format="json"
    )
    assert bad.status_code == 400
    m.refresh_from_db()
    assert m.status == "different"
