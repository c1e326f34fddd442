"""Shared fixtures: the mini election (3 levels, 4 contests) and users with roles."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import browser, page  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"
_MINI = json.loads((FIXTURES / "mini_election.json").read_text(encoding="utf-8"))
PASSWORD = "test-password-123"


@pytest.fixture(autouse=True)
def _fresh_turnout_caches():
    """Per-process caches of turnout (list sizes, area structure, live store) start empty in
    every test: database ids are reused between tests, so a cached figure of an earlier test's
    election would be read as this test's."""
    from realtime import denominators, live

    denominators.clear()
    live.reset_store()
    yield
    denominators.clear()
    live.reset_store()


@pytest.fixture
def mini_doc() -> dict[str, Any]:
    return copy.deepcopy(_MINI)


@pytest.fixture
def mini_election(db, mini_doc):
    from election.services.definition_import import import_definition

    return import_definition(data=mini_doc, source="test").election


@pytest.fixture
def make_user(db) -> Callable[..., Any]:
    """make_user("ward_staff", "26734") or make_user("team_secretary", "26734", area="26734-01")."""
    from django.contrib.auth import get_user_model

    from election.models import AdminUnit, ElectionBody, Role

    counter = {"n": 0}

    def make(
        kind: str | None = None,
        unit_code: str | None = None,
        *,
        area: str | None = None,
        superuser: bool = False,
        tree: str = "mini-2021",
    ) -> Any:
        counter["n"] += 1
        user = get_user_model().objects.create_user(
            username=f"{kind or 'super'}-{counter['n']}",
            password=PASSWORD,
            is_superuser=superuser,
            is_staff=superuser,
        )
        if kind:
            unit = AdminUnit.objects.get(tree__slug=tree, code=unit_code)
            body = ElectionBody.objects.get(polling_area__code=area) if area else None
            Role.objects.create(user=user, kind=kind, unit=unit, body=body)
        return user

    return make
