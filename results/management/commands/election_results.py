"""python manage.py election_results --election SLUG [--contest CODE] [--format json|xlsx|pdf]
[--out FILE] (formats.md §4): the results of each constituency, computed from the minutes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from election.models import Election
from results import documents, selectors


class Command(BaseCommand):
    help = "Print or write the results (baucu.results/1 JSON, XLSX working copy, or PDF minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True)
        parser.add_argument("--contest", help="contest code (default: every contest)")
        parser.add_argument("--format", choices=["json", "xlsx", "pdf"], default="json")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']!r}", returncode=2)
        contest = None
        if options["contest"]:
            contest = election.contests.filter(code=options["contest"]).first()
            if contest is None:
                raise CommandError(f"no contest {options['contest']!r}", returncode=2)
        fmt = options["format"]
        if fmt != "json" and not options["out"]:
            raise CommandError(f"--format {fmt} needs --out FILE", returncode=2)
        with translation.override("vi"):
            results = selectors.compute_results(election=election, contest=contest)
            if fmt == "json":
                doc = selectors.results_document(election=election, results=results)
                payload = json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
            else:
                summaries = selectors.contest_summaries(results)
                if fmt == "xlsx":
                    payload = documents.results_xlsx(summaries, election)
                else:
                    payload = documents.election_pdf(summaries, election)
        if options["out"]:
            try:
                Path(options["out"]).write_bytes(payload)
            except OSError as exc:
                raise CommandError(f"cannot write {options['out']}: {exc}", returncode=1) from exc
            self.stderr.write(f"{len(results)} constituencies written to {options['out']} ({fmt})")
        else:
            sys.stdout.flush()
            self.stdout.write(payload.decode(), ending="")
