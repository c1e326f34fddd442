"""Backup then restore into a fresh database finds the same rows (on both stacks)."""

import os
import subprocess
import sys
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from common.models import AuditEvent
from election.models import AdminUnit, Candidate, PollingArea

pytestmark = pytest.mark.django_db(transaction=True)


def _counts_via(database_url: str) -> dict[str, int]:
    code = (
        "import django, json; django.setup();"
        "from election.models import AdminUnit, Candidate, PollingArea;"
        "from common.models import AuditEvent;"
        "from voters.models import Voter, VoterEvent;"
        "print(json.dumps({'units': AdminUnit.objects.count(),"
        " 'areas': PollingArea.objects.count(), 'candidates': Candidate.objects.count(),"
        " 'audit': AuditEvent.objects.count(), 'voters': Voter.objects.count(),"
        " 'ledger': VoterEvent.objects.count()}))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def test_backup_and_restore_round_trip(mini_election, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL leg; the embedded default is covered by the file test below")
    from tests.faults.conftest import voter_file
    from voters.models import Voter, VoterEvent
    from voters.services.import_list import import_voters

    path = tmp_path / "voters.csv"
    n = voter_file(path, ["26734-01", "26737-01"], 150)
    import_voters(election=mini_election, path=path, actor=None, enforce_cutoff=False)
    expected = {
        "units": AdminUnit.objects.count(),
        "areas": PollingArea.objects.count(),
        "candidates": Candidate.objects.count(),
        "audit": AuditEvent.objects.count(),
        "voters": Voter.objects.count(),
        "ledger": VoterEvent.objects.count(),
    }
    assert expected["voters"] == n > 0
    dump = tmp_path / "baucu.dump"
    call_command("backup_db", "--out", str(dump))
    target = f"baucu_restore_{uuid.uuid4().hex[:8]}"
    from common.backup import database_url_for

    call_command("restore_db", str(dump), "--into", target)
    try:
        assert _counts_via(database_url_for(target, "postgresql")) == expected
    finally:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                f'DROP DATABASE IF EXISTS "{target}"',
            ],
            capture_output=True,
            timeout=60,
        )


def test_sqlite_file_backup_and_restore(tmp_path, mini_doc):
    """The embedded default: a file database, backed up and restored by the commands."""
    import json

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "BAUCU_VAR_DIR": str(tmp_path),
    }
    for key in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(key, None)

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "-v", "0")
    definition = tmp_path / "e.json"
    definition.write_text(json.dumps(mini_doc, ensure_ascii=False), encoding="utf-8")
    manage("import_election", str(definition))
    manage("backup_db", "--out", str(tmp_path / "b.sqlite3"))
    restored = tmp_path / "restored.sqlite3"
    manage("restore_db", str(tmp_path / "b.sqlite3"), "--into", str(restored))
    counts = _counts_via(f"sqlite:///{restored}")
    assert counts["units"] == 7 and counts["areas"] == 5 and counts["candidates"] == 21
    assert counts["audit"] > 0
