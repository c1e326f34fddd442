"""The drill's accounts (issue 8, security): a team secretary per area, two entry clerks and a
coordinator at the root unit, which real elections on the same unit tree share. None of their
powers may outlive the drill: the drill's end and the rehearsal wipe retire them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from drill.prepare import DrillRefused, areas_to_play, prepare
from election.models import Role
from election.services.accounts import drill_accounts_retire, drill_group_name

pytestmark = pytest.mark.django_db


def _api(token: str) -> int:
    return Client().get("/api/elections/", HTTP_AUTHORIZATION=f"Token {token}").status_code


DENIED = (401, 403)  # DRF answers 403 when session authentication comes first


def _dashboard(cookie: str, slug: str) -> int:
    name, _, value = cookie.partition("=")
    client = Client()
    client.cookies[name] = value
    return client.get(f"/e/{slug}/turnout/u/C/").status_code


def _drill_users(election):
    return get_user_model().objects.filter(groups__name=drill_group_name(election.pk))


def test_prepare_marks_every_account_and_retiring_takes_every_power(rehearsal):
    from rest_framework.authtoken.models import Token

    from common.models import AuditEvent

    setup = prepare(election=rehearsal, areas=areas_to_play(rehearsal, "small"))
    users = list(_drill_users(rehearsal))
    assert len(users) == len(setup.areas) + 3  # secretaries, two clerks, the coordinator
    assert {u.username for u in users} >= {f"drill-{rehearsal.slug}-dieuphoi"}
    assert _api(setup.coordinator) == 200 and _api(setup.areas[0].token) == 200
    assert _dashboard(setup.session_cookie, rehearsal.slug) == 200

    assert drill_accounts_retire(actor=None, election_id=rehearsal.pk) == len(users)

    assert _api(setup.coordinator) in DENIED and _api(setup.clerks[0]) in DENIED
    assert _api(setup.areas[0].token) in DENIED
    assert _dashboard(setup.session_cookie, rehearsal.slug) in (302, 403)  # session ended
    assert not Role.objects.filter(user__in=users).exists()
    assert not Token.objects.filter(user__in=users).exists()
    assert not _drill_users(rehearsal).filter(is_active=True).exists()
    retired = AuditEvent.objects.filter(action="account.retired")
    assert retired.count() == len(users)
    assert AuditEvent.objects.filter(action="role.revoked").count() == len(users)


def test_a_new_drill_makes_the_retired_accounts_work_again(rehearsal):
    areas = areas_to_play(rehearsal, "small")
    first = prepare(election=rehearsal, areas=areas)
    drill_accounts_retire(actor=None, election_id=rehearsal.pk)
    again = prepare(election=rehearsal, areas=areas)
    assert again.accounts_created == 0  # the same accounts, active again, with new tokens
    assert again.coordinator != first.coordinator
    assert _api(again.coordinator) == 200 and _api(first.coordinator) in DENIED


def test_an_account_of_the_same_name_that_a_drill_did_not_make_is_refused(rehearsal):
    person = get_user_model().objects.create_user(username=f"drill-{rehearsal.slug}-dieuphoi")
    with pytest.raises(DrillRefused, match="was not made by a drill"):
        prepare(election=rehearsal, areas=areas_to_play(rehearsal, "small"))
    person.refresh_from_db()
    assert person.is_active and not person.groups.exists()
    assert not Role.objects.filter(user__username__startswith="drill-").exists()


def test_the_rehearsal_wipe_retires_a_killed_drills_accounts(rehearsal, make_user):
    from election.services.rehearsal import wipe_rehearsal

    setup = prepare(election=rehearsal, areas=areas_to_play(rehearsal, "small"))
    boss = make_user(superuser=True)
    summary = wipe_rehearsal(actor=boss, election=rehearsal)
    assert summary.accounts_retired == len(setup.areas) + 3
    assert summary.as_json()["accounts_retired"] == summary.accounts_retired
    assert _api(setup.coordinator) in DENIED
    assert not _drill_users(rehearsal).filter(is_active=True).exists()
