"""python manage.py import_election FILE.json — create or update one election (formats.md §1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from election.definition import DefinitionError, parse_document
from election.services.definition_import import import_definition


class Command(BaseCommand):
    help = "Import a baucu.election/1 JSON definition (all or nothing, idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the JSON file, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = (
                self.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
            )
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {source}: {exc}", returncode=1) from exc
        data, problems = parse_document(text)
        if not problems:
            try:
                summary = import_definition(data=data, source="cli")
            except DefinitionError as exc:
                problems = exc.problems
        if problems:
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {"ok": False, "errors": [p.as_dict() for p in problems]}, ensure_ascii=False
                    )
                )
            for p in problems:
                self.stderr.write(f"{p.path}: {p.message}")
            raise CommandError(f"{len(problems)} problem(s); nothing was written", returncode=1)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": True,
                        "election": summary.election.slug,
                        "counts": summary.counts,
                        "changed": summary.changed,
                        "warnings": [w.as_dict() for w in summary.warnings],
                    },
                    ensure_ascii=False,
                )
            )
            return
        for w in summary.warnings:
            self.stderr.write(f"warning {w.path}: {w.message}")
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"election {summary.election.slug}: {summary.changed} change(s)")
        )
