"""python manage.py restore_db FILE --into NAME — restore a backup into a fresh database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from common.backup import BackupError, database_url_for, restore


class Command(BaseCommand):
    help = (
        "Restore a backup into a NEW database (PostgreSQL: a database name on the same server; "
        "SQLite: a file path). Point DATABASE_URL at it to use it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--into", required=True, help="new database name or SQLite path")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["file"].exists():
            raise CommandError(f"no such file {options['file']}", returncode=1)
        try:
            restore(options["file"], options["into"], connection.vendor)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            f"restored into {options['into']}; use DATABASE_URL="
            f"{database_url_for(options['into'], connection.vendor)}"
        )
