"""Likely duplicates (the *Nghi trùng* page): deciding that a group are different people,
who may decide, and how decided groups are listed."""

from __future__ import annotations

import re

import pytest

from common.models import AuditEvent
from election.models import AdminUnit
from tests.conftest import PASSWORD
from tests.voters.conftest import row
from voters import rules
from voters.models import DistinctPersons, Voter
from voters.services.import_list import import_voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def namesakes(election, write):
    """Two likely-duplicate groups: two "Nguyễn Văn An" born 12/03/1985 in ward 26734, and two
    "Trần Thị Bình" born 01/01/1990, one in ward 26734 and one in ward 26737."""
    rows = [
        row(),
        row(national_id="079085000002", household_code="H2"),
        row(national_id="079085000003", full_name="Trần Thị Bình", sex="Nữ", birth="01/01/1990",
            household_code="H3"),
        row(national_id="079085000004", full_name="Trần Thị Bình", sex="Nữ", birth="01/01/1990",
            area_code="26737-01", household_code="K1"),
    ]  # fmt: skip
    import_voters(election=election, path=write(rows), actor=None)
    return election


def ids_of(*national_ids: str) -> str:
    pks = Voter.objects.filter(national_id__in=national_ids).order_by("pk")
    return ",".join(str(v.pk) for v in sorted(pks, key=lambda v: (v.polling_area.code, v.stt)))


def groups(html: str, *, decided: bool) -> list[str]:
    """data-voters of the open (or decided) groups of the page."""
    cls = "dupgroup decided" if decided else "dupgroup"
    return re.findall(rf'<div class="{cls}" data-voters="([0-9,]+)">', html)


def forms(html: str) -> list[list[str]]:
    """The voter ids of each "not the same person" form."""
    out = []
    for form in re.findall(r'<form method="post" class="distinct-form">(.*?)</form>', html, re.S):
        out.append(re.findall(r'name="voter" value="(\d+)"', form))
    return out


def test_group_decided_needs_every_pair_named_together() -> None:
    assert rules.group_decided([1, 2], {1: {7}, 2: {7}})
    assert not rules.group_decided([1, 2], {1: {7}, 2: {8}})
    assert not rules.group_decided([1, 2, 3], {1: {7}, 2: {7}})  # 3 joined later
    assert rules.group_decided([1, 3], {1: {7, 9}, 2: {7}, 3: {9}})  # 2 left; 1 and 3 decided
    assert not rules.group_decided([1, 2, 3], {1: {7, 9}, 2: {7}, 3: {9}})  # 2 and 3 never


def test_ward_staff_decide_a_group_of_their_ward(namesakes, make_user, client) -> None:
    slug = namesakes.slug
    an = ids_of("079085000001", "079085000002")
    binh = ids_of("079085000003", "079085000004")
    staff = make_user("ward_staff", "26734")
    client.login(username=staff.username, password=PASSWORD)
    url = f"/e/{slug}/voters/u/26734/duplicates/"
    html = client.get(url).content.decode()
    assert groups(html, decided=False) == [an, binh]
    # The staff of ward 26734 may decide An's group, not Bình's (one of them is in 26737).
    assert forms(html) == [an.split(",")]

    response = client.post(
        url, {"action": "distinct", "voter": an.split(","), "reason": "Đã xem căn cước"}
    )
    assert response.status_code == 302
    decision = DistinctPersons.objects.get()
    assert decision.decided_by == staff and decision.reason == "Đã xem căn cước"
    assert AuditEvent.objects.filter(
        action="voters.distinct_persons", object_id=str(decision.pk), actor=staff
    ).exists()
    html = client.get(url).content.decode()
    assert groups(html, decided=False) == [binh]
    assert groups(html, decided=True) == []  # hidden by default, counted, one click away
    assert 'id="show-decided"' in html
    html = client.get(url, {"show": "decided"}).content.decode()
    assert groups(html, decided=True) == [an] and "Đã xem căn cước" in html

    # Bình's group spans two wards: refused, nothing recorded.
    response = client.post(url, {"action": "distinct", "voter": binh.split(","), "reason": "x"})
    assert response.status_code == 403
    assert DistinctPersons.objects.count() == 1


def test_a_reason_is_required_and_committee_members_may_not_decide(
    namesakes, make_user, client
) -> None:
    slug = namesakes.slug
    an = ids_of("079085000001", "079085000002").split(",")
    url = f"/e/{slug}/voters/u/26734/duplicates/"
    staff = make_user("ward_staff", "760")  # over both wards: may decide both groups
    client.login(username=staff.username, password=PASSWORD)
    assert len(forms(client.get(url).content.decode())) == 2
    response = client.post(url, {"action": "distinct", "voter": an, "reason": "  "}, follow=True)
    assert "Nêu lý do" in response.content.decode()
    assert not DistinctPersons.objects.exists()

    member = make_user("committee_member", "79")  # sees names, does not change lists
    client.login(username=member.username, password=PASSWORD)
    assert forms(client.get(url).content.decode()) == []
    response = client.post(url, {"action": "distinct", "voter": an, "reason": "x"})
    assert response.status_code == 403
    assert not DistinctPersons.objects.exists()


def test_a_new_namesake_reopens_a_decided_group(namesakes, make_user, client) -> None:
    from voters.services.changes import voter_register
    from voters.services.duplicates import distinct_persons_decide

    staff = make_user("ward_staff", "26734")
    unit = AdminUnit.objects.get(tree_id=namesakes.tree_id, code="26734")
    an = [int(i) for i in ids_of("079085000001", "079085000002").split(",")]
    distinct_persons_decide(
        actor=staff, election=namesakes, unit=unit, voter_ids=an, reason="Khác người"
    )
    area = namesakes.polling_areas.get(code="26734-02")
    new = voter_register(actor=staff, area=area, data=row(national_id="079085000009"))
    client.login(username=staff.username, password=PASSWORD)
    html = client.get(f"/e/{namesakes.slug}/voters/u/26734/duplicates/").content.decode()
    reopened = ",".join(str(i) for i in [*an, new.pk])
    assert reopened in groups(html, decided=False)
    assert groups(html, decided=True) == []


def test_members_outside_the_users_units_are_masked(namesakes, make_user, client) -> None:
    """Ward 26734's staff see that Bình has a namesake in area 26737-01, not who it is."""
    slug = namesakes.slug
    outsider = Voter.objects.get(national_id="079085000004")
    outsider.permanent_address = "12 Đường Khác, Phường Bên Cạnh"
    outsider.save(update_fields=["permanent_address"])
    staff = make_user("ward_staff", "26734")
    client.login(username=staff.username, password=PASSWORD)
    html = client.get(f"/e/{slug}/voters/u/26734/duplicates/").content.decode()
    assert "079085000003" in html  # the member in the user's own ward: shown
    assert "079085000004" not in html and "Đường Khác" not in html
    assert f"/voters/v/{outsider.pk}/" not in html
    assert html.count("Trần Thị Bình") == 1 and "26737-01" in html
    # a user over both wards sees both members in full
    district = make_user("ward_staff", "760")
    client.login(username=district.username, password=PASSWORD)
    html = client.get(f"/e/{slug}/voters/u/26734/duplicates/").content.decode()
    assert "079085000004" in html and "Đường Khác" in html


def test_import_preview_hides_the_id_of_a_namesake_outside_the_users_units(
    election, make_user
) -> None:
    from voters.views import _masked_duplicates

    rows = [
        {"row": 3, "national_id": "079085000011", "other_area": "26734-02", "other_stt": 4,
         "other_national_id": "079085000012"},
        {"row": 5, "national_id": "079085000013", "other_area": "26737-01", "other_stt": 9,
         "other_national_id": "079085000014"},
        {"row": 7, "national_id": "079085000015", "other_row": 2,
         "other_national_id": "079085000016"},
    ]  # fmt: skip
    staff = make_user("ward_staff", "26734")
    shown = _masked_duplicates(staff, election, rows)
    assert [d["other_national_id"] for d in shown] == ["079085000012", "", "079085000016"]
    assert shown[1]["other_area"] == "26737-01" and shown[1]["other_stt"] == 9
    over_both = make_user("ward_staff", "760")
    assert _masked_duplicates(over_both, election, rows) == rows
