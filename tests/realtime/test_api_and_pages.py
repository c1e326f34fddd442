"""Reporting through the API (formats.md §6) and the pages; audit; publication; public page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from common.models import AuditEvent
from realtime.models import TurnoutPublication, TurnoutReport
from realtime.services.turnout import turnout_report_submit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIZES = {"26734-01": (1000, 520), "26734-02": 350, "26737-01": 2000, "27496-01": 1800}


@pytest.fixture
def ready(mini_election, lists, clock):
    lists(mini_election, SIZES)
    return mini_election


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_post_the_formats_example_with_a_token(ready, make_user, clock):
    secretary = make_user("team_secretary", "26734", area="26734-01")
    api = token_client(secretary)
    payload = {
        "polling_area": "26734-01",
        "slot": "2021-05-23T11:00:00+07:00",
        "voted": 812,
        "voted_female": 420,
    }
    r = api.post("/api/turnout/", payload, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["slot"] == "11:00" and body["voted"] == 812 and body["listed"] == 1000
    assert body["percent"] == "81.20" and body["is_late"] is False and body["source"] == "api"
    # the same again changes nothing
    r = api.post("/api/turnout/", payload, format="json")
    assert r.status_code == 200
    assert TurnoutReport.objects.count() == 1
    event = AuditEvent.objects.get(action="turnout.report")
    assert event.actor == secretary and event.source == "api"
    assert event.changes["fields"]["voted"] == [None, 812]


def test_rules_through_the_api(ready, make_user, clock):
    api = token_client(make_user("team_secretary", "26734", area="26734-01"))
    post = lambda **kw: api.post(  # noqa: E731
        "/api/turnout/", {"polling_area": "26734-01", **kw}, format="json"
    )
    assert post(slot="09:00", voted=300).status_code == 201
    r = post(slot="11:00", voted=250)
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "decreasing"
    assert post(slot="11:00", voted=1001).json()["errors"][0]["code"] == "above_list"
    assert post(slot="14:00", voted=400).json()["errors"][0]["code"] == "future_slot"
    assert post(slot="10:00", voted=400).json()["errors"][0]["code"] == "unknown_slot"
    r = post(slot="2021-05-24T09:00:00+07:00", voted=400)
    assert r.json()["errors"][0]["code"] == "unknown_slot"  # not the polling day
    # a correction needs a reason, and is audited with it
    assert post(slot="09:00", voted=310).json()["errors"][0]["code"] == "reason_required"
    r = post(slot="09:00", voted=310, reason="gõ nhầm")
    assert r.status_code == 201 and r.json()["corrections"] == 1
    event = AuditEvent.objects.get(action="turnout.correct")
    assert event.changes["fields"]["voted"] == [300, 310]
    assert event.changes["extra"]["reason"] == "gõ nhầm"
    # a late report is accepted and marked late
    clock.set(12, 0)
    r = post(slot="11:00", voted=500)
    assert r.status_code == 201 and r.json()["is_late"] is True


def test_the_mens_figure_is_checked_through_the_api(ready, make_user, clock):
    api = token_client(make_user("team_secretary", "26734", area="26734-01"))
    post = lambda **kw: api.post(  # noqa: E731
        "/api/turnout/", {"polling_area": "26734-01", "slot": "11:00", **kw}, format="json"
    )
    r = post(voted=10, voted_male=90)
    assert r.status_code == 400
    assert [e["code"] for e in r.json()["errors"]] == ["male_above_voted"]
    # 26734-01 lists 1000 voters, 520 of them women: 480 men
    r = post(voted=900, voted_male=481)
    assert [e["code"] for e in r.json()["errors"]] == ["male_above_list"]
    assert (
        r.json()["errors"][0]["message"]
        == "Số cử tri nam đã bỏ phiếu vượt quá số cử tri nam trong danh sách."
    )
    r = post(voted=10, voted_female=6, voted_male=6)
    assert [e["code"] for e in r.json()["errors"]] == ["split_above_voted"]
    assert TurnoutReport.objects.count() == 0
    r = post(voted=900, voted_female=420, voted_male=480)
    assert r.status_code == 201 and r.json()["voted_male"] == 480


def test_only_the_areas_own_team_reports(ready, make_user, clock):
    other = token_client(make_user("team_secretary", "26734", area="26734-02"))
    r = other.post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 1})
    assert r.status_code == 403
    committee = token_client(make_user("committee_member", "760"))
    r = committee.post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 1})
    assert r.status_code == 403
    r = APIClient().post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 1})
    assert r.status_code in (401, 403)
    assert TurnoutReport.objects.count() == 0


def test_rehearsal_reports_on_any_day(ready, make_user, clock):
    ready.is_rehearsal = True
    ready.save()
    clock.set(10, 0, day=ready.date.replace(year=2026))
    api = token_client(make_user("team_secretary", "26734", area="26734-01"))
    r = api.post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 5})
    assert r.status_code == 201
    ready.is_rehearsal = False
    ready.save()
    r = api.post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 6})
    assert r.json()["errors"][0]["code"] == "not_polling_day"


def test_get_unit_rollup_is_scoped(ready, make_user, clock, django_capture_on_commit_callbacks):
    admin = make_user(superuser=True)
    area = ready.polling_areas.get(code="26734-01")
    turnout_report_submit(actor=admin, area=area, slot="11:00", voted=500, voted_female=300)
    api = token_client(make_user("committee_member", "760"))
    r = api.get("/api/turnout/760/?election=mini-2021")
    assert r.status_code == 200
    snap = r.json()
    assert snap["unit"]["code"] == "760" and snap["listed"] == 3350 and snap["voted"] == 500
    assert snap["percent"] == "14.93" and snap["voted_female"] == 300
    assert snap["percent_female"] == "17.70"  # 300 of 520 + 175 + 1000 = 1695 women listed
    assert [c["code"] for c in snap["children"]] == ["26734", "26737"]
    # no dashboard open (no coalescer): a new report still shows at once
    other = ready.polling_areas.get(code="26737-01")
    with django_capture_on_commit_callbacks(execute=True):  # the dirty marks after commit
        turnout_report_submit(actor=admin, area=other, slot="11:00", voted=700)
    assert api.get("/api/turnout/760/?election=mini-2021").json()["voted"] == 1200
    assert api.get("/api/turnout/783/?election=mini-2021").status_code == 403
    listing = api.get("/api/turnout/?election=mini-2021").json()
    assert [r["polling_area"] for r in listing["results"]] == ["26734-01", "26737-01"]
    schema = api.get("/api/schema/").content.decode()
    assert "/api/turnout/" in schema and "/api/turnout/{code}/" in schema


def test_reporting_page_typed_twice(ready, make_user, client, clock):
    secretary = make_user("team_secretary", "26734", area="26734-01")
    client.force_login(secretary)
    start = client.get(reverse("turnout-start", args=["mini-2021"]))
    url = reverse("turnout-report", args=["mini-2021", "26734-01"])
    assert start.status_code == 302 and start["Location"] == url
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "1.000" in html and 'value="11:00" selected' in html.replace("\n", "")
    r = client.post(url, {"slot": "09:00", "voted": "410", "voted_confirm": "401"})
    assert r.status_code == 200 and TurnoutReport.objects.count() == 0
    r = client.post(url, {"slot": "09:00", "voted": "410", "voted_confirm": "410"}, follow=True)
    assert TurnoutReport.objects.get().voted == 410
    assert "41,00%" in r.content.decode()
    # ward staff cannot open a team's form
    client.force_login(make_user("ward_staff", "26734"))
    assert client.get(url).status_code == 403


def test_publish_locks_the_slot_and_the_public_page_shows_aggregates(
    ready, make_user, client, clock
):
    admin = make_user(superuser=True)
    area = ready.polling_areas.get(code="26734-01")
    turnout_report_submit(actor=admin, area=area, slot="09:00", voted=333)
    committee_760 = make_user("committee_member", "760")
    client.force_login(committee_760)
    url = reverse("turnout-publish", args=["mini-2021"])
    assert client.get(url).status_code == 403  # only the election's top committee publishes
    city = make_user("committee_member", "79")
    client.force_login(city)
    assert client.get(url).status_code == 200
    client.post(url, {"slot": "09:00"})
    client.post(url, {"slot": "14:00"})  # not started: refused
    client.post(url, {"slot": "11:00"})
    pubs = list(TurnoutPublication.objects.order_by("version"))
    assert [(p.version, p.slot) for p in pubs] == [(1, "09:00"), (2, "11:00")]
    for pub in pubs:  # 11:00 carries 09:00's figure forward
        root = pub.data["units"][0]
        assert root["code"] == "79" and root["voted"] == 333 and root["listed"] == 5150
        assert root["percent"] == "6.47"
    assert AuditEvent.objects.filter(action="turnout.publish").count() == 2
    # published slots are locked
    api = token_client(make_user("team_secretary", "26734", area="26734-01"))
    r = api.post("/api/turnout/", {"polling_area": "26734-01", "slot": "09:00", "voted": 340})
    assert r.json()["errors"][0]["code"] == "locked"
    # public page and API: no login, aggregates only
    client.logout()
    page = client.get(reverse("turnout-public", args=["mini-2021"]))
    html = page.content.decode()
    assert page.status_code == 200 and "6,47%" in html and "Quận 1" in html
    assert "26734-01" not in html and "Nguyễn Văn A" not in html
    data = client.get("/api/public/turnout/mini-2021/?version=1").json()
    assert data["version"] == 1 and data["slot"] == "09:00"
    assert [v["version"] for v in data["versions"]] == [2, 1]
    assert "Nguyễn Văn A" not in str(data)


def test_dashboard_page_renders_the_snapshot(ready, make_user, client, clock):
    user = make_user("committee_member", "760")
    client.login(username=user.username, password=PASSWORD)
    r = client.get(reverse("turnout-dashboard", args=["mini-2021", "760"]))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="turnout-data"' in html and "/ws/turnout/mini-2021/760/" in html
    assert "<script>" not in html  # no inline script: data as JSON, code in static files
    assert client.get(reverse("turnout-dashboard", args=["mini-2021", "783"])).status_code == 403


def test_a_slot_earlier_than_a_published_one_is_not_published(ready, make_user, client, clock):
    from realtime.services.turnout import PublishRejected, turnout_publish

    clock.set(17, 30)
    city = make_user("committee_member", "79")
    turnout_publish(actor=city, election=ready, slot="11:00")
    with pytest.raises(PublishRejected) as refused:
        turnout_publish(actor=city, election=ready, slot="09:00")
    assert str(refused.value) == (
        "Không thể công bố khung giờ 09:00: khung giờ sau đó (11:00) đã được công bố."
    )
    # the page says so, offers no button for it, and the later slots stay open
    client.force_login(city)
    url = reverse("turnout-publish", args=["mini-2021"])
    r = client.post(url, {"slot": "09:00"}, follow=True)
    html = r.content.decode()
    assert "khung giờ sau đó (11:00) đã được công bố" in html
    assert 'name="slot" value="09:00"' not in html and 'name="slot" value="14:00"' in html
    turnout_publish(actor=city, election=ready, slot="17:00")
    with pytest.raises(PublishRejected):
        turnout_publish(actor=city, election=ready, slot="14:00")
    pubs = TurnoutPublication.objects.order_by("version").values_list("version", "slot")
    assert list(pubs) == [(1, "11:00"), (2, "17:00")]
    assert AuditEvent.objects.filter(action="turnout.publish").count() == 2
    # "closed" comes after every slot: once it is published, nothing else is
    clock.set(19, 30)
    turnout_publish(actor=city, election=ready, slot="closed")
    with pytest.raises(PublishRejected) as refused:
        turnout_publish(actor=city, election=ready, slot="19:00")
    assert "Kết thúc (số cuối cùng)" in str(refused.value)


def test_a_late_first_report_of_a_published_slot_is_accepted_as_late(ready, make_user, clock):
    from realtime.services.turnout import turnout_publish

    admin = make_user(superuser=True)
    turnout_report_submit(
        actor=admin, area=ready.polling_areas.get(code="26734-01"), slot="09:00", voted=333
    )
    clock.set(9, 20)  # 09:00 is published within its on-time window
    pub = turnout_publish(actor=make_user("committee_member", "79"), election=ready, slot="09:00")
    frozen = pub.data
    api = token_client(make_user("team_secretary", "26734", area="26734-02"))
    post = lambda **kw: api.post(  # noqa: E731
        "/api/turnout/", {"polling_area": "26734-02", "slot": "09:00", **kw}, format="json"
    )
    r = post(voted=120)
    assert r.status_code == 201, r.json()
    assert r.json()["is_late"] is True and r.json()["voted"] == 120
    event = AuditEvent.objects.get(action="turnout.report", object_repr="26734-02 09:00: 120")
    assert event.changes["extra"] == {"after_publication": True}
    # the publication is untouched; the live roll-up counts the late report
    pub.refresh_from_db()
    assert pub.data == frozen and pub.data["units"][0]["voted"] == 333
    live = api.get("/api/turnout/26734/?election=mini-2021")
    assert live.status_code == 200 and live.json()["voted"] == 453
    # the same figure again is a harmless retry; a correction is refused, reason or not
    assert post(voted=120).status_code == 200
    for reason in ("", "gõ nhầm"):
        r = post(voted=125, reason=reason)
        assert r.status_code == 400
        assert [e["code"] for e in r.json()["errors"]] == ["locked"]
        assert r.json()["errors"][0]["message"] == (
            "Số liệu khung giờ này đã được công bố; không thể sửa nữa."
        )
    assert TurnoutReport.objects.get(polling_area__code="26734-02").voted == 120
    assert not AuditEvent.objects.filter(action="turnout.correct").exists()
