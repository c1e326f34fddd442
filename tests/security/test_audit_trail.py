"""The audit trail: append-only in the ORM and in the code, a filtered, scoped, paginated page."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from common.audit import record
from common.models import AuditEvent, AuditTrailIsAppendOnly
from election.models import AdminUnit

ROOT = Path(__file__).resolve().parents[2]
MUTATORS = {"update", "delete", "bulk_update", "update_or_create", "_raw_delete", "_update"}


# --- append-only: the model and its querysets refuse; no code path tries ---


def test_orm_refuses_to_change_or_delete_audit_events(db):
    event = record(actor=None, action="test.event", object_type="x", object_id="1")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    event.action = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["action"])
    # a new object carrying an existing pk is an INSERT, refused by the primary key
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent(pk=event.pk, action="tampered", object_type="x").save()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"
    assert AuditEvent.objects.count() == 1


def _sources() -> list[Path]:
    skip = {".venv", "tests", "var", "node_modules", ".git", "bench"}
    return [p for p in ROOT.rglob("*.py") if not (set(p.relative_to(ROOT).parts) & skip)]


def _mentions_audit(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id in ("AuditEvent", "AuditEventQuerySet"))
        or (isinstance(n, ast.Attribute) and n.attr == "AuditEvent")
        for n in ast.walk(node)
    )


def _offending_calls(tree: ast.AST) -> list[int]:
    """Lines calling update()/delete()/… on an expression built from AuditEvent."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MUTATORS
            and _mentions_audit(node.func.value)
        ):
            lines.append(node.lineno)
    return lines


RAW_SQL = re.compile(r"\b(update|delete\s+from|truncate(\s+table)?)\s+\"?common_auditevent", re.I)


def test_no_code_path_updates_or_deletes_audit_events():
    offenders = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        if rel.as_posix() == "common/models.py":
            continue  # the guard itself
        offenders += [f"{rel}:{n}" for n in _offending_calls(ast.parse(text))]
        if rel.parts[:2] != ("common", "migrations"):  # the trigger's own migration
            offenders += [f"{rel}: raw SQL" for _ in RAW_SQL.finditer(text)]
    assert not offenders, offenders


def test_the_scan_would_catch_an_update():
    """The scan is not vacuous: it finds the forbidden shapes."""
    bad = ast.parse(
        "AuditEvent.objects.filter(pk=1).update(action='x')\n"
        "qs = models.AuditEvent.objects.all(); models.AuditEvent.objects.all().delete()\n"
        "AuditEvent.objects.update_or_create(pk=1)\n"
    )
    assert _offending_calls(bad) == [1, 2, 3]
    assert RAW_SQL.search('cursor.execute("DELETE FROM common_auditevent")')
    assert len(_sources()) > 50


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def events(mini_election, make_user):
    """Events at known times in Quận 1 (760) > Tân Định (26734), in Quận 3 (27496), and none."""
    actor = make_user(superuser=True)
    other = make_user("ward_staff", "26734")
    units = {u.code: u for u in AdminUnit.objects.filter(tree__slug="mini-2021")}
    made = []
    for i, (code, who, action) in enumerate(
        [
            ("26734", actor, "voter.change"),
            ("26734", other, "voter.register"),
            ("760", actor, "minutes.enter"),
            ("27496", actor, "voter.change"),
            ("26737", other, "turnout.report"),
        ]
    ):
        ev = record(actor=who, action=action, object_type="voters.Voter", object_id=str(100 + i),
                    object_repr=f"obj-{i}", unit_id=units[code].id)  # fmt: skip
        made.append(ev)
    return {"actor": actor, "other": other, "events": made}


def _reprs(response) -> set[str]:
    text = response.content.decode()
    return set(re.findall(r"obj-\d", text)) if response.status_code == 200 else set()


def test_audit_page_filters_by_actor_action_unit_object_and_time(client, events, make_user):
    client.force_login(events["actor"])
    url = reverse("audit")
    everything = client.get(url)
    assert _reprs(everything) >= {"obj-0", "obj-1", "obj-2", "obj-3", "obj-4"}
    assert _reprs(client.get(url, {"actor": events["other"].username})) == {"obj-1", "obj-4"}
    assert _reprs(client.get(url, {"action": "voter."})) == {"obj-0", "obj-1", "obj-3"}
    # a unit filter takes its subtree: Quận 1 holds Tân Định and Đa Kao
    assert _reprs(client.get(url, {"unit": "760"})) == {"obj-0", "obj-1", "obj-2", "obj-4"}
    assert _reprs(client.get(url, {"unit": "27496"})) == {"obj-3"}
    assert _reprs(client.get(url, {"object_type": "voters.Voter", "object_id": "102"})) == {"obj-2"}
    now = timezone.localtime()
    today = now.date().isoformat()
    assert _reprs(client.get(url, {"since": today, "until": today, "action": "voter."})) == {
        "obj-0", "obj-1", "obj-3",
    }  # fmt: skip
    later = (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert _reprs(client.get(url, {"since": later})) == set()
    yesterday = (now - dt.timedelta(days=1)).date().isoformat()
    assert _reprs(client.get(url, {"until": yesterday})) == set()
    # a reversed period is an error, shown on the form
    bad = client.get(url, {"since": today, "until": yesterday})
    assert bad.status_code == 200 and "Thời điểm bắt đầu" in bad.content.decode()
    # the API answers the same filters, and refuses bad ones with 400
    api = client.get(reverse("api-audit"), {"unit": "760", "action": "voter."})
    assert {r["object_repr"] for r in api.json()["results"]} == {"obj-0", "obj-1"}
    assert client.get(reverse("api-audit"), {"since": "yesterday"}).status_code == 400


def test_audit_page_is_scoped_to_the_committee_members_units(client, events, make_user):
    member = make_user("committee_member", "760")
    client.force_login(member)
    url = reverse("audit")
    assert _reprs(client.get(url)) == {"obj-0", "obj-1", "obj-2", "obj-4"}  # not Quận 3's
    assert _reprs(client.get(url, {"object_id": "103"})) == set()
    assert client.get(url, {"unit": "27496"}).status_code == 403
    assert client.get(url, {"unit": "26734"}).status_code == 200
    for kind, unit in [("ward_staff", "26734"), ("observer", "26737")]:
        client.force_login(make_user(kind, unit))
        assert client.get(url).status_code == 403
        assert client.get(reverse("api-audit")).status_code == 403
        assert 'href="/audit/"' not in client.get(reverse("home")).content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_audit_page_is_paginated_and_keeps_its_filters(client, make_user, mini_election):
    admin = make_user(superuser=True)
    for i in range(120):
        record(actor=admin, action="bulk.test", object_type="x", object_id=str(i),
               object_repr=f"row-{i:03d}")  # fmt: skip
    client.force_login(admin)
    first = client.get(reverse("audit"), {"action": "bulk."}).content.decode()
    assert first.count("row-") == 50
    assert "row-119" in first and "row-069" not in first  # newest first
    assert 'href="?action=bulk.&amp;page=2"' in first
    third = client.get(reverse("audit"), {"action": "bulk.", "page": 3}).content.decode()
    assert third.count("row-") == 20 and "row-000" in third
