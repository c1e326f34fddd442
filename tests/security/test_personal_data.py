"""Voters' personal data never reaches a public page, a socket message, a log line or a link,
and every search and export of it is on the audit record.

The demo voters (the real generator, loaded through the real import) are the needles: their
names (as written and folded) and ID numbers are searched for in what anonymous users get, in
what the dashboards' sockets push, and in every log record written during imports and searches.
"""

from __future__ import annotations

import logging
import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from common.models import AuditEvent
from config.asgi import application
from tests.election.test_permission_matrix import MATRIX, ROLES
from tests.realtime.test_job_socket import _cookie_for
from tests.security.conftest import leaks, load_demo_voters, personal_strings

ADMIN_ONLY = ("admin:",)


def _publish_everything(election, admin) -> set[str]:
    """National Assembly results published (before the lists, as their minutes carry the real
    figures), the demo voters loaded, turnout reported and published. Returns the needles."""
    from election.models import Contest
    from realtime.services.turnout import turnout_publish, turnout_report_submit
    from results.services.import_minutes import import_count_minutes
    from results.services.publication import contest_publish
    from tests.results.conftest import qh_minutes

    import_count_minutes(election=election, data={"format": "baucu.count/1",
                                                  "minutes": qh_minutes()})  # fmt: skip
    contest_publish(actor=admin, contest=Contest.objects.get(election=election, code="QH"))
    load_demo_voters()
    for code, voted in [("26734-01", 20), ("26737-01", 25)]:
        area = election.polling_areas.get(code=code)
        turnout_report_submit(actor=admin, area=area, slot="11:00", voted=voted)
    turnout_publish(actor=admin, election=election, slot="11:00")
    return personal_strings(election.id)


def _public_names() -> list[str]:
    """Every URL name of the permission matrix an anonymous user may open."""
    anonymous = "anonymous"
    return sorted(
        name
        for name, case in MATRIX.items()
        if not name.startswith(ADMIN_ONLY)
        and name not in ("logout", "set_language")
        and (case.allowed(anonymous, "inside") or case.allowed(anonymous, "outside"))
    )


def test_public_pages_show_no_personal_data(client, mini_election, make_user, clock):
    admin = make_user(superuser=True)
    demo_voters = _publish_everything(mini_election, admin)
    names = _public_names()
    assert {"turnout-public", "api-turnout-public", "results:public", "login"} <= set(names)
    who = ROLES["anonymous"]
    seen = ""
    for name in names:
        for where in ("inside", "outside"):
            url = MATRIX[name].url(who, where, {})
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            text = response.content.decode()
            assert not leaks(text, demo_voters), (name, leaks(text, demo_voters)[:5])
            seen += text
    # the pages did carry the published figures (the scan looked at real content)
    assert "Nguyễn Văn An" in seen  # a candidate: public by law
    published = client.get(reverse("api-turnout-public", args=[mini_election.slug])).json()
    assert published["version"] == 1 and published["data"]


def test_links_on_staff_pages_carry_no_personal_data(client, demo_voters, mini_election, make_user):
    """Personal data is shown to staff, but never put into a link (URLs end up in histories,
    proxies and logs): links carry ids and codes only."""
    from voters.models import Voter

    client.force_login(make_user(superuser=True))
    voter = Voter.objects.filter(polling_area__code="26734-01").order_by("stt").first()
    pages = [
        reverse("voters:area", args=[mini_election.slug, "26734-01"]),
        reverse("voters:unit", args=[mini_election.slug, "26734"]),
        reverse("voters:voter", args=[mini_election.slug, voter.pk]),
        reverse("voters:duplicates", args=[mini_election.slug, "26734"]),
        reverse("voters:changes", args=[mini_election.slug, "26734"]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert voter.full_name in html or url.endswith(("/duplicates/", "/changes/", "/26734/"))
        links = re.findall(r'(?:href|src|action)="([^"]*)"', html)
        assert links
        bad = [link for link in links if leaks(link, demo_voters)]
        assert not bad, (url, bad[:3])


def test_search_forms_post_the_term(client, demo_voters, mini_election, make_user):
    """A name or ID typed into a search form travels in the POST body, never in a URL."""
    from voters.models import Voter

    client.force_login(make_user("ward_staff", "26734"))
    voter = Voter.objects.filter(polling_area__code="26734-01").order_by("stt")[2]
    for url in (
        reverse("voters:unit", args=[mini_election.slug, "26734"]),
        reverse("voters:area", args=[mini_election.slug, "26734-01"]),
    ):
        html = client.get(url).content.decode()
        form = re.search(r"<form[^>]*id=\"search-form\"[^>]*>(.*?)</form>", html, re.S)
        assert form and 'method="post"' in form.group(0)[:80], url
        assert 'name="csrfmiddlewaretoken"' in form.group(1)
        for term in (voter.national_id, voter.search_key):
            response = client.post(url, {"q": term})
            assert response.status_code == 200
            assert voter.full_name in response.content.decode(), (url, term)
            links = re.findall(r'(?:href|src|action)="([^"]*)"', response.content.decode())
            assert not [link for link in links if leaks(link, demo_voters)], url


@pytest.mark.django_db(transaction=True)
async def test_dashboard_and_job_sockets_carry_counts_only(mini_election, make_user, clock):
    from realtime import live
    from realtime.services.turnout import turnout_report_submit

    try:
        await database_sync_to_async(load_demo_voters)()
        secrets = await database_sync_to_async(personal_strings)(mini_election.id)
        admin = await database_sync_to_async(make_user)(superuser=True)
        headers = await database_sync_to_async(_cookie_for)(admin)
        messages: list[str] = []
        sockets = []
        for path in ("/ws/turnout/mini-2021/79/", "/ws/turnout/mini-2021/26734/"):
            ws = WebsocketCommunicator(application, path, headers=headers)
            connected, _ = await ws.connect(timeout=5)
            assert connected
            sockets.append(ws)
            messages.append(await ws.receive_from(timeout=5))

        def report() -> None:
            area = mini_election.polling_areas.get(code="26734-01")
            turnout_report_submit(actor=admin, area=area, slot="11:00", voted=17)

        await database_sync_to_async(report)()
        for ws in sockets:
            for _ in range(10):
                text = await ws.receive_from(timeout=5)
                messages.append(text)
                if '"voted": 17' in text or '"voted":17' in text:
                    break
            else:
                pytest.fail("no update after the report")
            await ws.disconnect()
        assert len(messages) >= 4
        for text in messages:
            assert not leaks(text, secrets), leaks(text, secrets)[:5]
    finally:
        await live.stop()
        from django.db import connections

        await database_sync_to_async(connections.close_all)()


# --- logs ---------------------------------------------------------------------------------------


@pytest.fixture
def open_election(db, mini_doc):
    """The mini election moved to a future day, so its lists are open for imports."""
    from election.services.definition_import import import_definition

    mini_doc["election"]["date"] = "2031-05-25"
    return import_definition(data=mini_doc, source="test").election


def _import_demo_list(client, election, tmp_path, poison: list[str] | None = None) -> list[dict]:
    """Import a demo list of ward 26734 with two bad rows through the pages (Celery eager) as
    the ward's staff; returns the rows. poison: prefixes put at the start of every text column
    of extra rows that the import rejects (their ID is wrong)."""
    from voters.demo import generate_rows, write_csv
    from voters.rules import COLUMNS

    rows = list(
        generate_rows(area_codes=["26734-01", "26734-02"], per_area=30,
                      election_day=election.date)
    )  # fmt: skip
    rows[5][COLUMNS["birth"][0]] = "31/02/1990"  # rejected rows are reported, never logged
    rows[7][COLUMNS["national_id"][0]] = "12"
    for i, prefix in enumerate(poison or []):
        bad = {h: f"{prefix}{h[:4]}{i}" for h in rows[0]}
        bad[COLUMNS["area_code"][0]] = "26734-01"
        rows.append(bad)
    path = tmp_path / "ds.csv"
    write_csv(iter(rows), path)
    with path.open("rb") as fh:
        response = client.post(
            reverse("voters:import-start", args=[election.slug, "26734"]),
            {"file": fh, "mode": "valid"},
        )
    assert response.status_code == 302, response.content.decode()[:500]
    client.post(response["Location"], {"action": "confirm"})
    return rows


def _row_secrets(rows: list[dict]) -> set[str]:
    from voters.rules import COLUMNS

    nid, name = COLUMNS["national_id"][0], COLUMNS["full_name"][0]
    return {r[nid] for r in rows if len(r[nid]) == 12} | {r[name] for r in rows}


def test_logs_of_imports_and_searches_hold_no_personal_data(
    client, caplog, open_election, make_user, tmp_path
):
    from voters.models import Voter

    caplog.set_level(logging.DEBUG)
    client.force_login(make_user("ward_staff", "26734"))
    rows = _import_demo_list(client, open_election, tmp_path)
    assert Voter.objects.filter(election=open_election).count() == 58
    secrets = personal_strings(open_election.id) | _row_secrets(rows)
    some = Voter.objects.filter(election=open_election).order_by("stt")[3]
    e = open_election.slug
    searches = [
        reverse("voters:unit", args=[e, "26734"]) + f"?q={some.search_key}",
        reverse("voters:area", args=[e, "26734-01"]) + f"?q={some.national_id}",
        reverse("api-voter-search", args=[e]) + f"?q={some.national_id}",
        reverse("api-area-voters", args=[e, "26734-01"]),
        # refused searches are logged by Django (4xx): the path, never the query
        reverse("voters:area", args=[e, "26737-01"]) + f"?q={some.national_id}",
    ]
    for url in searches:
        client.get(url)
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {getattr(r, 'request', '')}" for r in caplog.records
    )
    assert "Forbidden" in logged, "the scan saw the log records (Django logs the refusal)"
    bad = [f"{r.name}: {r.getMessage()[:300]} {getattr(r, 'request', '')}" for r in caplog.records
           if leaks(f"{r.getMessage()} {getattr(r, 'request', '')}", secrets)]  # fmt: skip
    assert not bad, bad[:5]


@pytest.mark.django_db(transaction=True)
def test_job_sockets_of_an_import_carry_no_personal_data(
    client, open_election, make_user, tmp_path
):
    """What a job's socket pushes (the same snapshot as the live updates) after an import with
    rejected rows: progress and counts, no row contents."""
    from asgiref.sync import async_to_sync

    from common.models import Job

    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    rows = _import_demo_list(client, open_election, tmp_path)
    secrets = personal_strings(open_election.id) | _row_secrets(rows)
    jobs = list(Job.objects.order_by("id"))
    assert len(jobs) == 2 and all(j.finished for j in jobs)
    headers = _cookie_for(staff)

    async def follow(job_id: int) -> str:
        ws = WebsocketCommunicator(application, f"/ws/jobs/{job_id}/", headers=headers)
        connected, _ = await ws.connect(timeout=5)
        assert connected
        text = await ws.receive_from(timeout=5)
        await ws.disconnect()
        return text

    texts = [async_to_sync(follow)(j.pk) for j in jobs]
    assert all('"status": "succeeded"' in t or '"status":"succeeded"' in t for t in texts)
    for text in texts:
        assert not leaks(text, secrets), leaks(text, secrets)[:5]


# --- searches and exports on the record --------------------------------------------------------


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_every_search_and_export_of_personal_data_is_audited(
    client, demo_voters, mini_election, make_user
):
    from voters.models import Voter, VoterImport

    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    e = mini_election.slug
    v = Voter.objects.filter(polling_area__code="26734-01").order_by("stt").first()
    expected = [
        (reverse("voters:unit", args=[e, "26734"]) + "?q=" + v.search_key, "voters.searched"),
        (reverse("voters:area", args=[e, "26734-01"]) + "?q=" + v.national_id, "voters.searched"),
        (reverse("api-voter-search", args=[e]) + "?q=" + v.national_id, "voters.searched"),
        (reverse("api-area-voters", args=[e, "26734-01"]) + "?q=nguyen", "voters.searched"),
        (reverse("voters:area", args=[e, "26734-01"]) + "?format=xlsx", "voters.exported"),
        (reverse("api-area-voters", args=[e, "26734-01"]), "voters.exported"),
        (reverse("voters:changes", args=[e, "26734-01".split("-")[0]]) + "?format=xlsx", None),
    ]
    imp = VoterImport.objects.create(
        election=mini_election, unit=staff_unit(), filename="x.csv", sha256="0",
        status="rejected",
    )  # fmt: skip
    expected.append(
        (reverse("voters:import-errors", args=[e, imp.pk]), "voters.exported"),
    )
    for url, action in expected:
        before = AuditEvent.objects.count()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        new = list(AuditEvent.objects.order_by("id")[before:])
        if action is None:
            continue  # a ward's change report names voters only at the lowest level (below)
        assert [ev.action for ev in new] == [action], url
        ev = new[0]
        assert ev.actor == staff and ev.unit.code == "26734" and ev.election_id == mini_election.id
    searched = _events("voters.searched")
    assert searched[0].changes["extra"]["q"] == v.search_key
    assert searched[0].changes["extra"]["found"] >= 1
    assert {ev.source for ev in searched} == {"web", "api"}
    # a report of changes names voters only where the unit has no children: a ward here
    client.get(reverse("voters:changes", args=[e, "26734"]) + "?format=xlsx")
    assert AuditEvent.objects.filter(action="voters.exported",
                                     changes__extra__what="changes").exists()  # fmt: skip
    # searches that find nothing to see are not records of disclosure, refusals neither
    before = AuditEvent.objects.count()
    client.get(reverse("voters:area", args=[e, "26737-01"]) + "?q=nguyen")
    client.get(reverse("voters:unit", args=[e, "26734"]))
    assert AuditEvent.objects.count() == before


def staff_unit():
    from election.models import AdminUnit

    return AdminUnit.objects.get(tree__slug="mini-2021", code="26734")


def test_logged_requests_lose_their_query_but_stay_requests(rf, settings):
    """Handlers that read the request (the admins' error e-mail) still get one, without the
    search term."""
    from django.views.debug import ExceptionReporter

    from common.logs import NoPersonalData

    request = rf.post("/e/x/voters/pa/1/?q=079085000001", {"q": "Nguyễn Văn An"})
    args = (request.get_full_path(),)
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", args, None
    )
    record.request = request
    NoPersonalData().filter(record)
    assert "079085000001" not in record.getMessage()
    text = ExceptionReporter(record.request, None, None, None, is_email=True).get_traceback_text()
    assert "/e/x/voters/pa/1/" in text
    assert "079085000001" not in text and "Nguyễn Văn An" not in text
    assert "079085000001" not in repr(record.request)
