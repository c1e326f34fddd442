"""python manage.py export_election --election SLUG — the definition as baucu.election/1 JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from election.models import Election
from election.services.definition_export import export_definition


class Command(BaseCommand):
    help = "Write an election definition (baucu.election/1) to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="election slug")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']}", returncode=1)
        self.stdout.write(json.dumps(export_definition(election), ensure_ascii=False, indent=1))
