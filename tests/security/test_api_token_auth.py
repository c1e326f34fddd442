"""The API's token authentication (common/api_auth.py): DRF's token rules, with the user's roles
read in the same query as the token."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from common.api_auth import RoleTokenAuthentication
from election.access import roles_of
from tests.statements import Statements

pytestmark = pytest.mark.django_db

REPORTS = "/api/turnout/?election=mini-2021"


def authenticate(key: str) -> tuple:
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {key}"))
    return RoleTokenAuthentication().authenticate(request)


def test_a_token_with_roles_gives_user_roles_and_token_in_one_query(mini_election, make_user):
    secretary = make_user("team_secretary", "26734", area="26734-01")
    token = Token.objects.create(user=secretary)
    seen = Statements()
    with connection.execute_wrapper(seen):
        user, auth = authenticate(token.key)
        roles = roles_of(user)  # already loaded: no query
        area_id = roles[0].body.polling_area_id
        assert roles[0].unit.code == "26734" and roles[0].user is user
    assert len(seen.sql) == 1, seen.sql
    assert user == secretary and auth == token and auth.user is user
    assert [r.kind for r in roles] == ["team_secretary"]
    assert area_id == mini_election.polling_areas.get(code="26734-01").id


def test_every_role_of_the_user_is_loaded(mini_election, make_user):
    from election.models import AdminUnit, Role

    staff = make_user("ward_staff", "26734")
    Role.objects.create(user=staff, kind="observer", unit=AdminUnit.objects.get(code="760"))
    user, _auth = authenticate(Token.objects.create(user=staff).key)
    assert sorted(r.kind for r in roles_of(user)) == ["observer", "ward_staff"]
    assert {r.unit.code for r in roles_of(user)} == {"26734", "760"}


def test_a_token_without_roles_falls_back_to_the_plain_lookup(make_user):
    admin = make_user(superuser=True)
    token = Token.objects.create(user=admin)
    user, auth = authenticate(token.key)
    assert user == admin and auth == token
    assert roles_of(user) == []


def test_a_token_of_another_user_never_gives_their_roles(mini_election, make_user):
    secretary = make_user("team_secretary", "26734", area="26734-01")
    Token.objects.create(user=secretary)
    observer = make_user("observer", "760")
    user, auth = authenticate(Token.objects.create(user=observer).key)
    assert user == observer and auth.user == observer
    assert [(r.kind, r.user_id) for r in roles_of(user)] == [("observer", observer.id)]


def refused_over_http(key: str, detail: str) -> None:
    """DRF answers a failed authentication with 403 here, not 401: the first authentication
    class (the session's) sends no WWW-Authenticate challenge. The detail is the exception's."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = api.get(REPORTS)
    assert r.status_code == 403 and r.json() == {"detail": detail}


def test_an_unknown_token_is_refused(mini_election, make_user):
    Token.objects.create(user=make_user("team_secretary", "26734", area="26734-01"))
    with pytest.raises(AuthenticationFailed) as refused:
        authenticate("0" * 40)
    assert refused.value.status_code == 401
    assert refused.value.detail.code == "authentication_failed"
    assert str(refused.value.detail) == str(_("Invalid token."))
    refused_over_http("0" * 40, str(refused.value.detail))


@pytest.mark.parametrize("with_role", [True, False])
def test_an_inactive_user_is_refused(mini_election, make_user, with_role):
    user = make_user("team_secretary", "26734", area="26734-01") if with_role else make_user()
    user.is_active = False
    user.save()
    token = Token.objects.create(user=user)
    with pytest.raises(AuthenticationFailed) as refused:
        authenticate(token.key)
    assert refused.value.status_code == 401
    assert str(refused.value.detail) == str(_("User inactive or deleted."))
    refused_over_http(token.key, str(refused.value.detail))


def test_the_api_answers_a_token_and_a_session(mini_election, make_user, client):
    observer = make_user("observer", "760")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=observer).key}")
    assert api.get(REPORTS).status_code == 200
    client.force_login(observer)  # the web pages' session still authenticates the API
    assert client.get(REPORTS).status_code == 200
    assert APIClient().get(REPORTS).status_code in (401, 403)  # neither: refused
