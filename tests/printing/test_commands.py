"""print_cards / print_voter_lists (formats.md §5): files, summary, exit codes 0/1/2."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from common.models import AuditEvent
from tests.printing.support import card_names, reader


def test_print_cards_writes_one_pdf_per_area(voter_lists, tmp_path, capsys):
    out = tmp_path / "out"
    call_command("print_cards", "--election", "mini-2021", "--unit", "760", "--out", str(out))
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "26734-01.pdf",
        "26734-02.pdf",
        "26737-01.pdf",
    ]
    for code in ("26734-01", "26734-02", "26737-01"):
        names = [n for n, _ in card_names(reader(out / f"{code}.pdf"))]
        assert names == [v.full_name for v in voter_lists.rows[code]]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["total_items"] == 28
    summary = capsys.readouterr().out
    assert "3 polling areas, 28 cards" in summary
    assert AuditEvent.objects.filter(action="printing.printed", source="cli").exists()


def test_print_voter_lists_and_four_per_sheet(voter_lists, tmp_path):
    call_command(
        "print_voter_lists",
        "--election",
        "mini-2021",
        "--unit",
        "26734-01" and "26734",
        "--out",
        str(tmp_path / "l"),
    )
    assert (tmp_path / "l" / "26734-01.pdf").exists()
    call_command(
        "print_cards",
        "--election",
        "mini-2021",
        "--unit",
        "26734",
        "--out",
        str(tmp_path / "c"),
        "--per-sheet",
        "4",
    )
    pdf = reader(tmp_path / "c" / "26734-01.pdf")
    assert len(pdf.pages) == 3 and len(card_names(pdf)) == 12


def test_refusal_exits_1_and_writes_nothing(voter_lists, tmp_path, capsys):
    voter_lists.extra_count["27499-01"] = 2
    voter_lists.rename("27496-01", 2, "Ksor H'Yơn 中")
    out = tmp_path / "out"
    with pytest.raises(CommandError) as err:
        call_command("print_cards", "--election", "mini-2021", "--unit", "783", "--out", str(out))
    assert err.value.returncode == 1
    assert not list(out.glob("*"))
    stderr = capsys.readouterr().err
    assert "Khu vực 27499-01: sẽ in 5 thẻ nhưng danh sách có 7 cử tri." in stderr
    assert "Khu vực 27496-01, số 2: phông chữ không có ký tự “中” (U+4E2D" in stderr
    assert "trong “Ksor H'Yơn 中”" in stderr  # the operator at the console sees the name
    refused = AuditEvent.objects.get(action="printing.refused")
    assert "Ksor" not in str(refused.changes)  # the audit trail does not


@pytest.mark.parametrize(
    "args", [["--election", "nope", "--unit", "760"], ["--election", "mini-2021", "--unit", "999"]]
)
def test_unknown_election_or_unit_exits_1(voter_lists, tmp_path, args):
    with pytest.raises(CommandError) as err:
        call_command("print_cards", *args, "--out", str(tmp_path))
    assert err.value.returncode == 1


def test_usage_error_exits_2(db):
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "print_cards", "--election", "x"]).execute()
    assert exit_.value.code == 2


def test_a_single_polling_area(voter_lists, tmp_path):
    out = tmp_path / "one"
    call_command("print_cards", "--election", "mini-2021", "--unit", "27496-01", "--out", str(out))
    assert [p.name for p in out.glob("*.pdf")] == ["27496-01.pdf"]
    assert len(card_names(reader(out / "27496-01.pdf"))) == 6


def test_refused_while_a_print_job_covers_the_unit(voter_lists, tmp_path, capsys):
    from django.contrib.auth import get_user_model

    from common.models import Job
    from election.models import AdminUnit
    from printing.services import print_jobs

    boss = get_user_model().objects.create_user("boss", is_superuser=True)
    district = AdminUnit.objects.get(tree__slug="mini-2021", code="760")
    running = print_jobs.print_job_create(
        actor=boss, election=voter_lists.election, unit=district, kind="lists"
    )  # not run: on_commit callbacks are not executed here, so it stays pending
    for code in ("26734", "26734-01", "760", "79"):  # below, an area below, the same, above
        out = tmp_path / code
        with pytest.raises(CommandError) as err:
            call_command(
                "print_cards", "--election", "mini-2021", "--unit", code, "--out", str(out)
            )
        assert err.value.returncode == 1
        assert f"print job #{running.pk}" in str(err.value)
        assert not list(out.glob("*"))
        assert f"#{running.pk}" in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action="printing.printed").exists()
    # Another district is free; and once the job has finished, the unit is free again.
    call_command("print_cards", "--election", "mini-2021", "--unit", "783", "--out", str(tmp_path))
    Job.objects.filter(pk=running.pk).update(status=Job.Status.SUCCEEDED)
    out = tmp_path / "after"
    call_command(
        "print_voter_lists", "--election", "mini-2021", "--unit", "26734", "--out", str(out)
    )
    assert (out / "manifest.json").exists()
