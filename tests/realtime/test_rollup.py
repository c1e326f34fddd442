"""Roll-up on read: every unit's figures equal the sum of the polling areas under it, on a
3-level tree (the mini election) and a 4-level one (province → district → ward → hamlet)."""

from __future__ import annotations

import random

import pytest

from common.vn import percent_str
from election.models import AdminUnit, UnitAncestry
from realtime.selectors import turnout_snapshot
from realtime.services.turnout import turnout_report_submit
from tests.realtime.conftest import add_voters

pytestmark = pytest.mark.django_db


def four_level_doc(mini_doc):
    doc = dict(mini_doc)
    doc["units"] = [
        {"code": "P", "name": "Tỉnh Thử", "kind": "province", "parent": None},
        {"code": "D1", "name": "Huyện Một", "kind": "district", "parent": "P"},
        {"code": "D2", "name": "Huyện Hai", "kind": "district", "parent": "P"},
        {"code": "W11", "name": "Xã Mười Một", "kind": "commune", "parent": "D1"},
        {"code": "W12", "name": "Xã Mười Hai", "kind": "commune", "parent": "D1"},
        {"code": "W21", "name": "Xã Hai Mốt", "kind": "commune", "parent": "D2"},
        {"code": "H111", "name": "Ấp 1", "kind": "hamlet", "parent": "W11"},
        {"code": "H112", "name": "Ấp 2", "kind": "hamlet", "parent": "W11"},
        {"code": "H121", "name": "Ấp 3", "kind": "hamlet", "parent": "W12"},
        {"code": "H211", "name": "Ấp 4", "kind": "hamlet", "parent": "W21"},
    ]
    doc["election"] = {**doc["election"], "slug": "four-2021", "root": "P"}
    doc["contests"] = [c for c in doc["contests"] if c["code"] == "QH"]
    doc["contests"][0]["unit"] = "P"
    doc["constituencies"] = [
        {"contest": "QH", "number": 1, "seats": 3, "name": "ĐV 1", "units": ["D1", "D2"]}
    ]
    places = ["H111", "H111", "H112", "H121", "W12", "H211", "H211"]  # one area straight on W12
    doc["polling_areas"] = [
        {
            "code": f"{u}-{i:02d}",
            "unit": u,
            "number": i,
            "name": f"Khu vực bỏ phiếu số {i}",
            "kind": "residential",
            "constituencies": {"QH": 1},
        }
        for i, u in enumerate(places, start=1)
    ]
    doc["candidates"] = [c for c in doc["candidates"] if c["contest"] == "QH"]
    return doc


@pytest.fixture
def four_level(mini_doc):
    from election.services.definition_import import import_definition

    tree = import_definition(data=four_level_doc(mini_doc), source="test")
    return tree.election


def _fill(election, make_user, clock, seed: int):
    """Random list sizes and monotone reports for some slots of some areas."""
    rng = random.Random(seed)
    areas = list(election.polling_areas.order_by("code"))
    sizes = {a.code: rng.randint(300, 900) for a in areas}
    add_voters(election, sizes)
    admin = make_user(superuser=True)
    truth: dict[str, dict[str, int]] = {}
    clock.set(15, 0)
    for area in areas:
        if rng.random() < 0.2:
            continue  # never reports
        voted = 0
        for slot in ["09:00", "11:00", "14:00"][: rng.randint(1, 3)]:
            voted = min(sizes[area.code], voted + rng.randint(0, sizes[area.code] // 2))
            turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted)
            truth.setdefault(area.code, {})[slot] = voted
    return sizes, truth


def _check_every_unit(election, sizes, truth):
    units = AdminUnit.objects.filter(
        id__in=UnitAncestry.objects.filter(ancestor_id=election.root_id).values("descendant_id")
    )
    checked = 0
    for unit in units:
        under = set(
            election.polling_areas.filter(
                unit_id__in=UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")
            ).values_list("code", flat=True)
        )
        snap = turnout_snapshot(election=election, unit=unit)
        listed = sum(sizes[c] for c in under)
        latest = {c: truth[c][max(truth[c])] for c in under if c in truth}
        voted = sum(latest.values())
        assert snap["listed"] == listed, unit.code
        assert snap["voted"] == voted, unit.code
        assert snap["percent"] == percent_str(voted, listed)
        assert snap["areas"] == len(under)
        # 14:00 is the current slot: areas without a 14:00 report are late
        late = {c for c in under if "14:00" not in truth.get(c, {})}
        assert {a["code"] for a in snap["not_reported"]} == late, unit.code
        assert snap["reported"] == len(under) - len(late)
        below = {c for c in latest if 2 * latest[c] < sizes[c]}
        assert {a["code"] for a in snap["below_half"]} == below
        # the series carries each area's last figure forward
        for point in snap["series"]:
            expect = 0
            for c in under:
                got = [v for s, v in truth.get(c, {}).items() if s <= point["slot"]]
                expect += max(got) if got else 0
            assert point["voted"] == expect, (unit.code, point)
        # children add up to the unit
        assert sum(ch["listed"] for ch in snap["children"]) == listed
        assert sum(ch["voted"] for ch in snap["children"]) == voted
        checked += 1
    return checked


@pytest.mark.parametrize("seed", [1, 2])
def test_rollup_three_levels(mini_election, make_user, clock, seed):
    sizes, truth = _fill(mini_election, make_user, clock, seed)
    assert _check_every_unit(mini_election, sizes, truth) == 7
    city = turnout_snapshot(election=mini_election, unit=mini_election.root)
    assert [c["code"] for c in city["children"]] == ["760", "783"]
    assert [p["slot"] for p in city["series"]] == ["09:00", "11:00", "14:00"]


@pytest.mark.parametrize("seed", [3, 4])
def test_rollup_four_levels(four_level, make_user, clock, seed):
    sizes, truth = _fill(four_level, make_user, clock, seed)
    assert _check_every_unit(four_level, sizes, truth) == 10
    ward = AdminUnit.objects.get(tree=four_level.tree, code="W12")
    snap = turnout_snapshot(election=four_level, unit=ward)
    # a ward with a hamlet and an area of its own shows both as children
    assert [(c["code"], c["kind"]) for c in snap["children"]] == [
        ("H121", "hamlet"),
        ("W12-05", "polling_area"),
    ]


def test_late_areas_sorted_by_lateness_with_team_contact(mini_election, make_user, clock, lists):
    lists(mini_election, {c: 100 for c in ["26734-01", "26734-02", "26737-01", "27496-01"]})
    body = mini_election.polling_areas.get(code="26737-01").team
    body.contact = "0903 123 456"
    body.save()
    admin = make_user(superuser=True)
    clock.set(11, 5)
    area = mini_election.polling_areas.get(code="26734-01")
    turnout_report_submit(actor=admin, area=area, slot="09:00", voted=30)
    turnout_report_submit(actor=admin, area=area, slot="11:00", voted=60)
    turnout_report_submit(
        actor=admin, area=mini_election.polling_areas.get(code="26734-02"), slot="09:00", voted=100
    )
    clock.set(12, 0)
    snap = turnout_snapshot(election=mini_election, unit=mini_election.root)
    late = snap["not_reported"]
    # never reported (late since 09:00) before reported 09:00 only (late since 11:00)
    assert [a["code"] for a in late] == ["26737-01", "27496-01", "27499-01", "26734-02"]
    assert late[0]["late_minutes"] == 180 and late[-1]["late_minutes"] == 60
    assert late[0]["contact"] == "0903 123 456" and late[-1]["last_slot"] == "09:00"
    assert snap["areas_full"] == 1  # 26734-02: 100 of 100
    assert snap["percent"] == percent_str(160, 400)
    # no voter data in a snapshot: only counts, codes and names of areas/units/teams
    assert "Nguyễn Văn A" not in str(snap)


def test_after_voting_ends_areas_without_the_final_figure_are_not_reported(
    mini_election, make_user, clock, lists, settings
):
    lists(mini_election, {c: 100 for c in ["26734-01", "26734-02", "26737-01", "27496-01"]})
    admin = make_user(superuser=True)
    clock.set(19, 5)
    for code, slot, voted in [
        ("26734-01", "19:00", 90),
        ("26734-01", "closed", 92),  # the final figure
        ("26734-02", "19:00", 80),  # the 19:00 figure only
        ("26737-01", "14:00", 70),
    ]:
        area = mini_election.polling_areas.get(code=code)
        turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted)
    clock.set(19, 40)
    snap = turnout_snapshot(election=mini_election, unit=mini_election.root)
    assert snap["current_slot"] == "closed" and snap["shown_slot"] == "closed"
    assert snap["next_slot_at"] is None
    late = {a["code"]: a for a in snap["not_reported"]}
    assert set(late) == {"26734-02", "26737-01", "27496-01", "27499-01"}
    assert snap["not_reported_count"] == 4
    assert late["26734-02"]["last_slot"] == "19:00"
    assert late["26734-02"]["late_minutes"] == 40  # chased since the polls closed
    assert late["26737-01"]["late_minutes"] == 160  # missed 17:00 already
    assert snap["series"][-1] == {
        "slot": "closed",
        "voted": 92 + 80 + 70,
        "percent": percent_str(242, 400),
        "reported": 1,
    }
    # the same from the coalescer's Tally of the whole election
    from realtime.tally import Tally

    tally = Tally.load(election=mini_election)
    live_snap = tally.snapshot(mini_election.root_id, tally.state())
    assert live_snap["not_reported"] == snap["not_reported"]
    # polls extended to 21:00: until then the 19:00 slot is the one chased
    settings.BAUCU_POLLS_CLOSE = "21:00"
    snap = turnout_snapshot(election=mini_election, unit=mini_election.root)
    assert snap["current_slot"] == "19:00"
    assert snap["next_slot_at"] == "2021-05-23T21:00:00+07:00"
    assert {a["code"] for a in snap["not_reported"]} == {"26737-01", "27496-01", "27499-01"}
    clock.set(21, 0)
    snap = turnout_snapshot(election=mini_election, unit=mini_election.root)
    assert snap["current_slot"] == "closed" and snap["not_reported_count"] == 4


@pytest.mark.parametrize("seed", [5, 6])
def test_incremental_tally_equals_a_fresh_roll_up(four_level, make_user, clock, seed):
    """The coalescer's Tally, loaded once and then fed only the areas that changed (reports,
    later slots, corrections that lower a figure), gives every unit the same snapshot as a
    roll-up read afresh from the database — and touches only the changed area's ancestors."""
    from realtime.tally import Tally

    rng = random.Random(seed)
    areas = list(four_level.polling_areas.order_by("code"))
    sizes = {a.code: rng.randint(50, 300) for a in areas}
    add_voters(four_level, sizes)
    admin = make_user(superuser=True)
    clock.set(15, 0)
    tally = Tally.load(election=four_level)
    ancestors = {
        a.id: set(
            UnitAncestry.objects.filter(descendant_id=a.unit_id).values_list(
                "ancestor_id", flat=True
            )
        )
        for a in areas
    }
    figures: dict[tuple[str, str], int] = {}
    for step in range(40):
        area = rng.choice(areas)
        slot = rng.choice(["09:00", "11:00", "14:00"])
        low = max([v for (c, s), v in figures.items() if c == area.code and s < slot] or [0])
        high = min(
            [v for (c, s), v in figures.items() if c == area.code and s > slot]
            or [sizes[area.code]]
        )
        if low > high:
            continue
        voted = rng.randint(low, high)
        if figures.get((area.code, slot)) == voted:
            continue
        turnout_report_submit(
            actor=admin, area=area, slot=slot, voted=voted, reason=f"sửa lần {step}"
        )
        figures[(area.code, slot)] = voted
        changed = tally.refresh([area.id])
        assert changed == ancestors[area.id]  # only the path up from the area
        if step % 8 == 7:
            state = tally.state()
            for unit_id in tally.units:
                unit = AdminUnit.objects.get(pk=unit_id)
                fresh = turnout_snapshot(election=four_level, unit=unit)
                kept = tally.snapshot(unit_id, state)
                assert kept == fresh, unit.code
    assert tally.refresh([]) == set()
