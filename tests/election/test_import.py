"""Importing and exporting election definitions through the real database."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.models import AuditEvent
from election.definition import DefinitionError
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Election,
    ElectionBody,
    PollingArea,
    UnitAncestry,
)
from election.services.definition_export import export_definition
from election.services.definition_import import import_definition


def test_import_creates_the_whole_structure(mini_election):
    e = mini_election
    assert e.slug == "mini-2021"
    assert AdminUnit.objects.filter(tree=e.tree).count() == 7
    assert e.contests.count() == 4
    assert Constituency.objects.filter(contest__election=e).count() == 5
    assert e.polling_areas.count() == 5
    assert Candidate.objects.filter(constituency__contest__election=e).count() == 21
    # bodies: committees for the units running contests, a board per constituency, a team per area
    assert ElectionBody.objects.filter(election=e, kind="committee").count() == 3
    assert ElectionBody.objects.filter(election=e, kind="board").count() == 5
    assert ElectionBody.objects.filter(election=e, kind="team").count() == 5
    area = PollingArea.objects.get(code="27496-01")
    assert {a.contest.code: a.constituency.number for a in area.assignments.all()} == {
        "QH": 1,
        "HDND-79": 2,
        "HDND-783": 1,
        "HDND-27496": 1,
    }
    # every created object is audited in the same import
    assert AuditEvent.objects.filter(action="polling_area.created").count() == 5


def test_closure_table_answers_everything_under_a_unit(mini_election):
    city = AdminUnit.objects.get(code="79")
    q1 = AdminUnit.objects.get(code="760")
    under_city = set(
        UnitAncestry.objects.filter(ancestor=city).values_list("descendant__code", flat=True)
    )
    assert under_city == {"79", "760", "783", "26734", "26737", "27496", "27499"}
    under_q1 = UnitAncestry.objects.filter(ancestor=q1)
    assert {(r.descendant.code, r.depth) for r in under_q1} == {
        ("760", 0),
        ("26734", 1),
        ("26737", 1),
    }
    assert AdminUnit.objects.get(code="26734").level == 2


def test_reimport_changes_nothing(mini_doc, mini_election):
    events = AuditEvent.objects.count()
    summary = import_definition(data=mini_doc, source="test")
    assert summary.changed == 0
    assert AuditEvent.objects.count() == events


def test_export_then_import_changes_nothing(mini_election):
    doc = export_definition(mini_election)
    summary = import_definition(data=json.loads(json.dumps(doc)), source="test")
    assert summary.changed == 0
    assert export_definition(Election.objects.get(slug="mini-2021")) == doc


def test_update_is_applied_and_audited_with_before_and_after(mini_doc, mini_election):
    mini_doc["units"][3]["name"] = "Phường Tân Định mới"
    mini_doc["constituencies"][0]["units"] = ["760"]
    mini_doc["polling_areas"] = [
        a for a in mini_doc["polling_areas"] if a["unit"] in ("26734", "26737")
    ] + [
        dict(a, constituencies={k: v for k, v in a["constituencies"].items() if k != "QH"})
        for a in mini_doc["polling_areas"]
        if a["unit"] not in ("26734", "26737")
    ]
    summary = import_definition(data=mini_doc, source="test")
    assert summary.counts["unit"]["updated"] == 1
    assert summary.counts["constituency_units"]["updated"] == 1
    ev = AuditEvent.objects.get(action="unit.updated")
    assert ev.changes["fields"]["name"] == ["Phường Tân Định", "Phường Tân Định mới"]


def test_moving_a_unit_updates_the_closure_table(mini_doc, mini_election):
    mini_doc["units"][4]["parent"] = "783"  # Đa Kao under Củ Chi (a test, not history)
    mini_doc["constituencies"][1]["units"] = ["760", "26737"]
    import_definition(data=mini_doc, source="test")
    da_kao = AdminUnit.objects.get(code="26737")
    assert set(
        UnitAncestry.objects.filter(descendant=da_kao).values_list("ancestor__code", flat=True)
    ) == {"26737", "783", "79"}


def test_invalid_document_writes_nothing(db, mini_doc):
    mini_doc["polling_areas"][0]["unit"] = "nope"
    with pytest.raises(DefinitionError) as exc:
        import_definition(data=mini_doc, source="test")
    assert any(p.path == "$.polling_areas[0].unit" for p in exc.value.problems)
    assert AdminUnit.objects.count() == 0
    assert Election.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_candidates_in_ballot_order(mini_election):
    const = Constituency.objects.get(contest__code="QH", number=1)
    assert [c.full_name for c in const.candidates.order_by("ballot_order")] == [
        "Nguyễn Văn An",
        "Phạm Minh An",
        "Trần Thị Ánh",
        "Đặng Thị Ân",
        "Lê Văn Bình",
    ]
    assert Candidate.objects.get(full_name="Phạm Minh An").birth_year == 1962


def test_two_trees_keep_the_same_codes_apart(mini_doc, mini_election):
    mini_doc["election"]["slug"] = "mini-2026"
    mini_doc["election"]["date"] = "2026-03-15"
    import_definition(data=mini_doc, source="test")
    assert AdminUnit.objects.filter(code="79").count() == 2
    assert Election.objects.get(slug="mini-2026").tree.slug == "mini-2026"


# --- the command line (formats.md: exit 0 ok, 1 rejected, 2 usage) ------------------------------


def test_import_command_round_trip(db, tmp_path, mini_doc):
    path = tmp_path / "e.json"
    path.write_text(json.dumps(mini_doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_election", str(path), stdout=out)
    assert "mini-2021" in out.getvalue()
    exported = io.StringIO()
    call_command("export_election", "--election", "mini-2021", stdout=exported)
    path.write_text(exported.getvalue(), encoding="utf-8")
    again = io.StringIO()
    call_command("import_election", str(path), "--json", stdout=again)
    result = json.loads(again.getvalue())
    assert result["ok"] is True and result["changed"] == 0


def test_import_command_rejects_with_exit_1_and_lists_problems(db, tmp_path, mini_doc):
    mini_doc["units"][1]["parent"] = "000"
    mini_doc["candidates"][0]["birth_date"] = "abc"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(mini_doc, ensure_ascii=False), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_election", str(path), stderr=err)
    assert exc.value.returncode == 1
    assert "$.units[1].parent" in err.getvalue()
    assert "$.candidates[0].birth_date" in err.getvalue()
    assert Election.objects.count() == 0


def test_commands_exit_codes_in_a_real_process(tmp_path, mini_doc):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "BAUCU_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *a], env=env, capture_output=True, text=True, timeout=120
    )
    assert run("migrate", "-v", "0").returncode == 0
    good = tmp_path / "good.json"
    good.write_text(json.dumps(mini_doc, ensure_ascii=False), encoding="utf-8")
    assert run("import_election", str(good)).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert run("import_election", str(bad)).returncode == 1
    assert run("import_election").returncode == 2
    assert run("export_election", "--election", "nope").returncode == 1
