"""Fixtures of the security tests: the turnout clock, and the demo voters of the mini election."""

from __future__ import annotations

from io import StringIO

import pytest

# the turnout clock; and, autouse, a clean live store and denominators cache for every test
# here (a test's voters must not meet another test's cached list sizes)
from tests.realtime.conftest import _clean_live, clock  # noqa: F401  (fixtures)


def load_demo_voters(per_area: int = 40) -> None:
    from django.core.management import call_command

    call_command("load_demo_voters", "--wards", "2", "--per-area", str(per_area), stdout=StringIO())


def personal_strings(election_id: int) -> set[str]:
    """What must never leave the system in public: every demo voter's name (as written and
    folded) and ID number; names that are also candidates' (public by law) are left out."""
    from election.models import Candidate
    from voters.models import Voter

    candidates = set(
        Candidate.objects.filter(constituency__contest__election_id=election_id).values_list(
            "full_name", flat=True
        )
    )
    out: set[str] = set()
    for name, key, nid in Voter.objects.filter(election_id=election_id).values_list(
        "full_name", "search_key", "national_id"
    ):
        out.add(nid)
        if name not in candidates:
            out |= {name, key}
    return out


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s and s in text)


@pytest.fixture
def demo_voters(mini_election) -> set[str]:
    load_demo_voters()
    secrets = personal_strings(mini_election.id)
    assert len(secrets) > 150
    return secrets
