"""`manage.py reconcile` on the console and as JSON; unknown election/unit exit 1."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue()


def test_console_and_json(broken):
    text = run("--election", "mini-2021")
    assert "760\tQuận 1\t3 areas\t2 green\t1 amber\t0 red" in text
    assert "27499-01\tHDND-79\tred\tREC.BALLOTS_UNBALANCED" in text
    assert "26734-02\tQH\tamber\tREC.SLOT_MISSING" in text
    assert text.rstrip().endswith("5 polling areas: 3 green, 1 amber, 1 red; 2 need attention")
    only = run("--election", "mini-2021", "--unit", "783", "--only-attention")
    assert "27499-01\tHDND-79" in only and "27499-01\tQH" not in only
    doc = json.loads(run("--election", "mini-2021", "--json", "--only-attention"))
    assert doc["format"] == "baucu.reconciliation/1"
    assert {r["polling_area"] for r in doc["rows"]} == {"26734-02", "27499-01"}


def test_unknown_election_or_unit(mini_election):
    with pytest.raises(CommandError) as e:
        run("--election", "nope")
    assert e.value.returncode == 1
    with pytest.raises(CommandError) as e:
        run("--election", "mini-2021", "--unit", "99999")
    assert e.value.returncode == 1
