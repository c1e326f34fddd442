"""Every query failing as when the database is gone: a page and an API answer 503 with the
Vietnamese message and Retry-After, never a 500 with a traceback (both stacks; the real
restart is in tests/faults/test_database_restart.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends import utils

pytestmark = pytest.mark.django_db

MESSAGE_VI = "Cơ sở dữ liệu tạm thời không truy cập được"


@pytest.fixture
def database_gone(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    def gone() -> None:
        monkeypatch.setattr(utils.CursorWrapper, "execute", fail)
        monkeypatch.setattr(utils.CursorWrapper, "executemany", fail)

    return gone


@pytest.fixture
def client():
    from django.test import Client

    return Client(raise_request_exception=False)  # the response the user gets, not the error


def test_page_says_the_database_is_unavailable(client, mini_election, make_user, database_gone):
    user = make_user("ward_staff", "26734")
    client.force_login(user)
    page = "/e/mini-2021/voters/u/26734/"
    assert client.get(page).status_code == 200
    database_gone()
    response = client.get(page)
    assert response.status_code == 503
    text = response.content.decode()
    assert MESSAGE_VI in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert response["Retry-After"] == "5"


def test_api_says_it_in_json(client, mini_election, make_user, database_gone):
    client.force_login(make_user("ward_staff", "26734"))
    database_gone()
    response = client.get("/api/elections/mini-2021/")
    assert response.status_code == 503
    assert MESSAGE_VI in response.json()["detail"]


def test_other_errors_are_not_hidden(client, mini_election, make_user, monkeypatch):
    """Only a lost database becomes 503; a bug is still an error (500)."""
    from election import views

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views.selectors, "election_get", broken)
    client.force_login(make_user("ward_staff", "26734"))
    response = client.get("/e/mini-2021/")
    assert response.status_code == 500
