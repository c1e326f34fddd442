"""python manage.py load_demo_voters [--election SLUG] [--wards N] [--per-area N] [--seed N]

Fills the voter lists of the first N wards (all their polling areas) of each demo election with
deterministic synthetic voters, through the same import as a real file. Running it again
changes nothing (the import is idempotent).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from election.models import Election, PollingArea
from voters.demo import generate_rows, write_csv
from voters.services.import_list import import_voters


class Command(BaseCommand):
    help = "Load deterministic demo voter lists (a few wards with full polling areas)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", default=None, help="slug (default: every election)")
        parser.add_argument("--wards", type=int, default=3)
        parser.add_argument("--per-area", type=int, default=400)
        parser.add_argument("--seed", type=int, default=2021)

    def handle(self, *args: Any, **options: Any) -> None:
        elections = Election.objects.all()
        if options["election"]:
            elections = elections.filter(slug=options["election"])
        for election in elections:
            t0 = time.perf_counter()
            ward_ids = list(
                PollingArea.objects.filter(election=election)
                .order_by("unit__code")
                .values_list("unit_id", flat=True)
                .distinct()
            )
            wards = list(dict.fromkeys(ward_ids))[: options["wards"]]
            areas = list(
                PollingArea.objects.filter(election=election, unit_id__in=wards)
                .select_related("unit")
                .order_by("code")
            )
            if not areas:
                continue
            rows = generate_rows(
                area_codes=[a.code for a in areas],
                per_area=options["per_area"],
                election_day=election.date,
                ward_name={a.code: a.unit.name for a in areas},
                seed=options["seed"] + election.date.year,
                id_start=election.pk * 1_000_000,
            )
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "demo-voters.csv"
                write_csv(rows, path)
                result = import_voters(
                    election=election,
                    path=path,
                    actor=None,
                    mode="valid",
                    source="demo",
                    enforce_cutoff=False,
                )
            self.stdout.write(
                f"{election.slug}: {len(areas)} polling areas in {len(wards)} wards, "
                f"{result.rows} voters ({result.created} new, {result.unchanged} unchanged, "
                f"{result.rejected} rejected), {time.perf_counter() - t0:.1f}s"
            )
