"""The audit trail page in a real browser: a committee member reaches it from the menu, filters
by action and unit, and pages through."""

from __future__ import annotations

import pytest

from common.audit import record
from election.models import AdminUnit
from tests.browser_support import login, shot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_committee_member_filters_the_audit_trail(page, mini_election, make_user):
    member = make_user("committee_member", "760")
    tan_dinh = AdminUnit.objects.get(tree__slug="mini-2021", code="26734")
    da_kao = AdminUnit.objects.get(tree__slug="mini-2021", code="26737")
    for i in range(60):
        record(
            actor=member, action="voters.searched", obj=tan_dinh,
            object_repr=f"search-{i:02d}", unit_id=tan_dinh.id,
        )  # fmt: skip
    record(actor=member, action="turnout.report", object_type="x", object_id="1",
           object_repr="report-da-kao", unit_id=da_kao.id)  # fmt: skip
    login(page, member.username, PASSWORD)
    page.click("nav.mainnav >> text=Nhật ký")
    page.wait_for_selector("#audit")
    assert page.locator("#audit tbody tr").count() == 50
    page.fill("#id_action", "turnout.")
    page.fill("#id_unit", "26737")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_url("**/audit/?*")
    rows = page.locator("#audit tbody tr")
    assert rows.count() == 1 and "report-da-kao" in rows.first.inner_text()
    page.fill("#id_action", "voters.")
    page.fill("#id_unit", "")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_selector("a[rel=next]")
    shot(page, "audit-trail")
    page.click("a[rel=next]")
    page.wait_for_url("**page=2*")
    assert page.locator("#audit tbody tr").count() == 10
    assert page.input_value("#id_action") == "voters."
