"""The admin import page, admin edits keeping the closure table right, and audit scoping."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.models import AuditEvent
from election.models import AdminUnit, Election, UnitAncestry


def _upload(doc) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "e.json", json.dumps(doc, ensure_ascii=False).encode(), content_type="application/json"
    )


def test_admin_import_page_imports_and_reports_problems(client, make_user, mini_doc):
    admin = make_user(superuser=True)
    client.force_login(admin)
    url = reverse("admin:election_election_import")
    bad = dict(mini_doc, units=mini_doc["units"][:-1])  # 27499 missing: its areas fail
    response = client.post(url, {"file": _upload(bad)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "$.polling_areas[4].unit" in body
    assert "chưa ghi gì" in body  # Vietnamese by default
    assert Election.objects.count() == 0
    response = client.post(url, {"file": _upload(mini_doc)})
    assert 'id="imported"' in response.content.decode()
    election = Election.objects.get(slug="mini-2021")
    assert AuditEvent.objects.filter(actor=admin, source="admin", election=election).exists()


def test_admin_moving_a_unit_rebuilds_the_closure(client, make_user, mini_election):
    admin = make_user(superuser=True)
    client.force_login(admin)
    unit = AdminUnit.objects.get(code="27499")
    q1 = AdminUnit.objects.get(code="760")
    response = client.post(
        reverse("admin:election_adminunit_change", args=[unit.pk]),
        {
            "tree": unit.tree_id,
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "parent": q1.pk,
            "level": unit.level,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert UnitAncestry.objects.filter(ancestor=q1, descendant=unit, depth=1).exists()
    assert not UnitAncestry.objects.filter(ancestor__code="783", descendant=unit).exists()
    ev = AuditEvent.objects.get(action="admin.change", object_id=str(unit.pk))
    assert ev.actor == admin


def test_audit_is_scoped_to_the_committee_units(client, make_user, mini_election):
    q1_member = make_user("committee_member", "760")
    client.force_login(q1_member)
    response = client.get(reverse("api-audit") + "?limit=500")
    units = {row["unit"] for row in response.json()["results"]}
    assert units, "the import's events under Quận 1 are visible"
    assert units <= {"760", "26734", "26737"}
    staff = make_user("ward_staff", "26734")
    client.force_login(staff)
    # ward staff hold no READ_AUDIT: the trail is refused, not shown empty
    assert client.get(reverse("api-audit")).status_code == 403
    assert client.get(reverse("audit")).status_code == 403
