"""The breadcrumb of a page and the capability checks it serves, from one lineage read."""

from __future__ import annotations

import pytest
from django.db import connection

from election import selectors
from election.access import Cap, can
from election.models import AdminUnit, Election

pytestmark = pytest.mark.django_db


def count_queries(fn):  # noqa: ANN001, ANN201
    seen: list[str] = []

    def wrap(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrap):
        out = fn()
    return out, seen


def test_links_follow_the_role_and_one_query_serves_the_page(mini_election, make_user):
    election = Election.objects.get(pk=mini_election.pk)
    ward = AdminUnit.objects.get(tree_id=election.tree_id, code="26734")
    district = AdminUnit.objects.get(tree_id=election.tree_id, code="760")
    staff = make_user("ward_staff", "26734")
    crumbs, queries = count_queries(
        lambda: selectors.breadcrumb(user=staff, unit=ward, election=election)
    )
    assert [(c["unit"].code, c["link"]) for c in crumbs] == [
        ("79", False),
        ("760", False),
        ("26734", True),
    ]
    roles_query = 1  # the user's roles, read once per request
    assert len(queries) == 1 + roles_query
    # later checks of the same units on the same request ask the database nothing more
    _, again = count_queries(
        lambda: (can(staff, Cap.VIEW, district), can(staff, Cap.MANAGE_VOTERS, ward))
    )
    assert again == []
    committee = make_user("committee_member", "760")
    crumbs = selectors.breadcrumb(user=committee, unit=ward, election=election)
    assert [c["link"] for c in crumbs] == [False, True, True]


def test_unit_get_finds_a_unit_of_the_tree_and_not_an_unknown_code(mini_election, make_user):
    from django.http import Http404

    election = Election.objects.get(pk=mini_election.pk)
    staff = make_user("ward_staff", "26734")
    assert selectors.unit_get(user=staff, election=election, code="26734").code == "26734"
    with pytest.raises(Http404):
        selectors.unit_get(user=staff, election=election, code="no-such-unit")
