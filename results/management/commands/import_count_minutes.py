"""python manage.py import_count_minutes FILE.json --election SLUG [--entry first|second]
(formats.md §3): load Election Team count minutes, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from election.models import Election
from results.services.import_minutes import ImportRejected, import_count_minutes


class Command(BaseCommand):
    help = (
        "Import baucu.count/1 count minutes. Without --entry they are taken as checked (both "
        "entries equal); with --entry first|second as one keyed entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the JSON file, or - for standard input")
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument("--entry", choices=["first", "second"])
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']!r}", returncode=2)
        source = options["file"]
        try:
            text = (
                self.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
            )
            data = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {source}: {exc}", returncode=1) from exc
        with translation.override("vi"):
            try:
                summary = import_count_minutes(election=election, data=data, entry=options["entry"])
            except ImportRejected as exc:
                if options["json"]:
                    self.stdout.write(
                        json.dumps(
                            {"ok": False, "errors": [p.as_dict() for p in exc.problems]},
                            ensure_ascii=False,
                        )
                    )
                for p in exc.problems:
                    self.stderr.write(f"{p.where}: {p.code + ' ' if p.code else ''}{p.message}")
                raise CommandError(
                    f"{len(exc.problems)} problem(s); nothing was written", returncode=1
                ) from exc
        out = {
            "ok": True,
            "minutes": summary.minutes,
            "created": summary.created,
            "unchanged": summary.unchanged,
            "entered": summary.entered,
            "states": summary.states,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{summary.minutes} minutes: {summary.created} created, {summary.unchanged} "
                f"unchanged, {summary.entered} entered; states {summary.states}"
            )
