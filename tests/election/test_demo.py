"""The demo elections: real HCMC structure, loaded through the same import as any file."""

import io
import time

import pytest
from django.core.management import call_command

from election.demo import SHAPES, build_definition, check_definition
from election.models import AdminUnit, Election, Role


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("scale", ["small", "city"])
def test_definitions_are_consistent(shape, scale):
    definition = build_definition(shape, scale=scale)
    assert check_definition(definition) == []
    assert build_definition(shape, scale=scale) == definition  # deterministic
    for area in definition["polling_areas"]:
        assert 300 <= area["voters_estimate"] <= 4000


def test_small_scale_is_fast_to_build():
    start = time.perf_counter()
    for shape in SHAPES:
        build_definition(shape)
    assert time.perf_counter() - start < 5  # a sanity bound, not a benchmark


def test_shapes_have_the_real_unit_counts():
    d2021 = build_definition("hcm-2021")
    kinds = {}
    for u in d2021["units"]:
        kinds.setdefault(u["parent"] is None, []).append(u)
    parents = {u["parent"] for u in d2021["units"] if u["parent"]}
    leaves = [u for u in d2021["units"] if u["code"] not in parents]
    assert len(leaves) == 312  # wards, communes and townships
    assert len([u for u in d2021["units"] if u["parent"] == "79"]) == 22  # Thủ Đức + 21
    d2026 = build_definition("hcm-2026")
    assert len([u for u in d2026["units"] if u["parent"] == "79"]) == 168
    assert {c["kind"] for c in d2026["contests"]} == {"national_assembly", "people_council"}


def test_load_demo_loads_both_elections_and_accounts(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert set(Election.objects.values_list("slug", flat=True)) == set(SHAPES)
    assert AdminUnit.objects.filter(tree__slug="hcm-2026", parent__code="79").count() == 168
    text = out.getvalue()
    assert "baucu-demo-2026" in text and "phuong-2021" in text and "thuky-2026" in text
    assert Role.objects.filter(user__username="thuky-2021", body__polling_area__isnull=False)
    again = io.StringIO()
    call_command("load_demo", "--no-accounts", stdout=again)
    assert "0 change(s)" in again.getvalue()
