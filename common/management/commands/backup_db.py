"""python manage.py backup_db --out FILE — a consistent snapshot of the whole database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format on PostgreSQL, a file copy on SQLite)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup(options["out"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(f"backup written to {path} ({path.stat().st_size} bytes)")
