"""Shared body of `print_cards` and `print_voter_lists` (formats.md §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from election.models import AdminUnit, Election, UnitAncestry
from printing.services import print_jobs


class PrintCommand(BaseCommand):
    kind = ""
    noun = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument(
            "--unit", required=True, help="unit code (city, district, ward) or polling area code"
        )
        parser.add_argument("--out", required=True, help="directory for the PDFs")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']}", returncode=1)
        unit = AdminUnit.objects.filter(tree_id=election.tree_id, code=options["unit"]).first()
        area = None
        if unit is None:  # a single polling area
            area = (
                election.polling_areas.select_related("unit").filter(code=options["unit"]).first()
            )
            unit = area.unit if area else None
        if (
            unit is None
            or not UnitAncestry.objects.filter(
                ancestor_id=election.root_id, descendant_id=unit.pk
            ).exists()
        ):
            raise CommandError(f"no unit {options['unit']} in {election.slug}", returncode=1)
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        try:
            data = print_jobs.print_unit_to_dir(
                election=election,
                unit=unit,
                kind=self.kind,
                out=out,
                per_sheet=options.get("per_sheet") or 1,
                area=area,
            )
        except print_jobs.PrintBusy as busy:
            self.stderr.write(
                _("Job #%(job)s is already printing for this unit; wait until it has finished.")
                % {"job": busy.job.pk}
            )
            raise CommandError(
                f"refused: print job #{busy.job.pk} is running for unit {busy.job.unit.code}"
                " (this unit, one above or one below it); nothing was printed",
                returncode=1,
            ) from None
        except print_jobs.PrintRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"refused: {len(refused.problems)} problem(s); nothing was printed", returncode=1
            ) from None
        for area in data["areas"]:
            self.stdout.write(
                f"{area['file']}\t{area['items']} {self.noun}\t{area['pages']} pages\t"
                f"sha256 {area['sha256']}"
            )
        self.stdout.write(
            f"{len(data['areas'])} polling areas, {data['total_items']} {self.noun}, "
            f"{data['total_pages']} pages → {out}"
        )
