"""Every page of a rehearsal election shows the DIỄN TẬP banner; a real election's never does.
The rehearsal page: typed confirmation, switching, who may use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from common.models import AuditEvent, Job
from election.services import rehearsal
from tests.rehearsal.conftest import data_rows

BANNER = 'class="rehearsal-banner"'
# Non-HTML endpoints of an election (documents, downloads, API; tested in test_documents.py)
# and pages that redirect or answer only POST.
NOT_PAGES = {
    "api-election",
    "api-contests",
    "api-constituencies",
    "api-polling-areas",
    "api-voter-events",
    "api-voter-counts",
    "api-voter-search",
    "api-area-voters",
    "api-results",
    "api-results-progress",
    "api-minutes-entry",
    "api-turnout-public",
    "voters:import-errors",
    "voters:template",
    "voters:template-csv",  # the header row of formats.md §2: a mark would break the import
    "results:json",
    "results:contest-doc",
    "results:constituency-doc",
    "printing-download",
    "printing-resume",
    "election",  # redirects to the unit page
    "api-minutes-resolve",
    "api-reconciliation",
    "reconciliation:xlsx",
}


def _election_pages() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, ns: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name and "slug" in p.pattern.converters:
                names.add(ns + p.name)

    walk(get_resolver().url_patterns)
    return names - NOT_PAGES


def _args(name: str, election: Any) -> list[Any]:
    from voters.models import Voter, VoterImport

    e = election.slug
    voter = Voter.objects.filter(election_id=election.pk).order_by("pk").first()
    imp = VoterImport.objects.filter(election=election).first()
    job = Job.objects.filter(election=election, kind="print_cards").first()
    return {
        "unit": [e, "26734"],
        "polling-area": [e, "26734-01"],
        "contest": [e, "QH"],
        "accounts": [e],
        "rehearsal": [e],
        "voters:unit": [e, "26734"],
        "voters:changes": [e, "26734"],
        "voters:duplicates": [e, "26734"],
        "voters:import-start": [e, "26734"],
        "voters:area": [e, "26734-01"],
        "voters:new": [e, "26734-01"],
        "voters:voter": [e, voter.pk],
        "voters:import": [e, imp.pk],
        "results:overview": [e],
        "results:unit": [e, "26734"],
        "results:area": [e, "26734-01"],
        "results:entry": [e, "26734-01", "QH", "main"],
        "results:settle": [e, "26734-01", "QH", "main"],
        "results:contest": [e, "QH"],
        "results:constituency": [e, "QH", 1],
        "results:public": [e],
        "printing-start": [e],
        "printing-job": [e, job.pk],
        "printing-reprint": [e],
        "turnout-start": [e],
        "turnout-report": [e, "26734-01"],
        "turnout-dashboard": [e, "26734"],
        "turnout-publish": [e],
        "turnout-public": [e],
        "reconciliation:unit": [e, "26734"],
    }[name]


def test_every_page_of_a_rehearsal_shows_the_banner(filled, client, boss):
    real, dry = filled
    client.force_login(boss)
    pages = _election_pages()
    assert "rehearsal" in pages and "turnout-public" in pages
    shown = 0
    for name in sorted(pages):
        response = client.get(reverse(name, args=_args(name, dry)), follow=True)
        if name == "results:public":  # a rehearsal's results are never published
            assert response.status_code == 404
            continue
        assert response.status_code in (200, 400), (name, response.status_code)
        assert BANNER in response.content.decode(), name
        shown += 1
        response = client.get(reverse(name, args=_args(name, real)), follow=True)
        assert response.status_code in (200, 400), (name, response.status_code)
        assert BANNER not in response.content.decode(), name
    assert shown == len(pages) - 1
    # the job page and the unit page of the election list
    job = Job.objects.get(election=dry, kind="print_cards")
    assert BANNER in client.get(reverse("job", args=[job.pk])).content.decode()
    real_job = Job.objects.get(election=real, kind="print_cards")
    assert BANNER not in client.get(reverse("job", args=[real_job.pk])).content.decode()


def test_the_banner_speaks_english_on_request(rehearsal_election, client, boss):
    client.force_login(boss)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("unit", args=[rehearsal_election.slug, "79"])).content.decode()
    assert "DIỄN TẬP · REHEARSAL" in html


def test_the_admin_change_page_warns_and_links(rehearsal_election, mini_election, client, boss):
    client.force_login(boss)
    html = client.get(
        reverse("admin:election_election_change", args=[rehearsal_election.pk])
    ).content.decode()
    assert 'id="rehearsal-admin-banner"' in html
    assert reverse("rehearsal", args=[rehearsal_election.slug]) in html
    html = client.get(
        reverse("admin:election_election_change", args=[mini_election.pk])
    ).content.decode()
    assert 'id="rehearsal-admin-banner"' not in html


def test_wipe_needs_the_slug_typed(filled, client, boss):
    _real, dry = filled
    client.force_login(boss)
    url = reverse("rehearsal", args=[dry.slug])
    before = data_rows(dry)
    for typed in ("", "mini-2021", dry.slug.upper(), "yes"):
        response = client.post(url, {"action": "wipe", "confirm": typed})
        assert response.status_code == 400, typed
        assert data_rows(dry) == before
    assert not AuditEvent.objects.filter(action="rehearsal.wiped").exists()
    response = client.post(url, {"action": "wipe", "confirm": dry.slug})
    assert response.status_code == 302
    assert sum(data_rows(dry).values()) == 0
    page = client.get(url).content.decode()
    assert 'id="rehearsal-total">0<' in page


def test_wipe_with_structure_from_the_page(filled, client, boss):
    _real, dry = filled
    client.force_login(boss)
    response = client.post(
        reverse("rehearsal", args=[dry.slug]),
        {"action": "wipe", "confirm": dry.slug, "including_structure": "on"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    from election.models import Election

    assert not Election.objects.filter(pk=dry.pk).exists()


def test_a_real_election_page_offers_no_wipe_and_refuses_one(filled, client, boss):
    real, _dry = filled
    client.force_login(boss)
    url = reverse("rehearsal", args=[real.slug])
    page = client.get(url).content.decode()
    assert 'id="wipe-button"' not in page
    assert 'id="switch-refusal"' in page  # voting has started (2021): cannot become a rehearsal
    before = data_rows(real)
    response = client.post(url, {"action": "wipe", "confirm": real.slug})
    assert response.status_code == 400
    assert data_rows(real) == before


@pytest.mark.parametrize(
    "kind,unit",
    [
        ("committee_member", "79"),
        ("ward_staff", "26734"),
        ("observer", "79"),
        ("team_secretary", "26734"),
        ("admin", "760"),
    ],
)
def test_only_who_manages_the_root_may_wipe(filled, client, make_user, kind, unit):
    from election.models import ElectionBody, Role

    _real, dry = filled
    user = make_user(kind if kind != "team_secretary" else None, unit)
    if kind == "team_secretary":  # the Team of the rehearsal's area (two elections share codes)
        team = ElectionBody.objects.get(polling_area__election=dry, polling_area__code="26734-01")
        Role.objects.create(user=user, kind=kind, unit=team.unit, body=team)
    client.force_login(user)
    url = reverse("rehearsal", args=[dry.slug])
    before = data_rows(dry)
    assert client.get(url).status_code in (403, 404)
    response = client.post(url, {"action": "wipe", "confirm": dry.slug})
    assert response.status_code in (403, 404)
    response = client.post(url, {"action": "switch", "to": "real"})
    assert response.status_code in (403, 404)
    assert data_rows(dry) == before
    dry.refresh_from_db()
    assert dry.is_rehearsal


def test_an_admin_of_the_root_may_wipe(filled, client, make_user):
    _real, dry = filled
    client.force_login(make_user("admin", "79"))
    response = client.post(
        reverse("rehearsal", args=[dry.slug]), {"action": "wipe", "confirm": dry.slug}
    )
    assert response.status_code == 302
    assert sum(data_rows(dry).values()) == 0


def test_the_unit_page_links_to_rehearsal_mode_for_managers_only(
    rehearsal_election, client, boss, make_user
):
    url = reverse("unit", args=[rehearsal_election.slug, "79"])
    client.force_login(boss)
    assert 'id="rehearsal-link"' in client.get(url).content.decode()
    client.force_login(make_user("committee_member", "79"))
    assert 'id="rehearsal-link"' not in client.get(url).content.decode()


def test_switch_from_the_page(filled, client, boss, django_capture_on_commit_callbacks):
    _real, dry = filled
    client.force_login(boss)
    url = reverse("rehearsal", args=[dry.slug])
    response = client.post(url, {"action": "switch", "to": "real"})
    assert response.status_code == 400  # data left
    dry.refresh_from_db()
    assert dry.is_rehearsal
    rehearsal.wipe_rehearsal(actor=boss, election=dry)
    response = client.post(url, {"action": "switch", "to": "real"})
    assert response.status_code == 302
    dry.refresh_from_db()
    assert not dry.is_rehearsal
    event = AuditEvent.objects.get(action="election.rehearsal_off")
    assert event.changes["fields"]["is_rehearsal"] == [True, False]
