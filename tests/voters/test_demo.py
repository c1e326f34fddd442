"""The demo voter generator: deterministic, realistic, loaded through the real import."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from voters.models import Voter

pytestmark = pytest.mark.django_db


def test_load_demo_voters_is_deterministic_and_idempotent(mini_election) -> None:
    out = StringIO()
    call_command("load_demo_voters", "--wards", "2", "--per-area", "60", stdout=out)
    assert "mini-2021" in out.getvalue()
    voters = list(Voter.objects.order_by("polling_area__code", "stt"))
    assert len(voters) == 3 * 60  # wards 26734 (2 areas) and 26737 (1 area), full areas
    assert voters[0].is_head and voters[0].stt == 1
    assert any("Nguyễn" in v.full_name for v in voters)
    assert all(len(v.national_id) == 12 for v in voters)
    first = [(v.national_id, v.full_name, v.stt) for v in voters]
    call_command("load_demo_voters", "--wards", "2", "--per-area", "60", stdout=StringIO())
    again = [(v.national_id, v.full_name, v.stt) for v in Voter.objects.order_by(
        "polling_area__code", "stt")]  # fmt: skip
    assert again == first
