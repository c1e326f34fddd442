"""python manage.py rehearse --election SLUG [--scale small|city] [--seed N]
    [--base-url http://127.0.0.1:8000] [--concurrency K] [--dashboards D] [--reset]

Plays an election day against the RUNNING system (its API and websockets) and prints what the
reconciliation board caught against what the drill injected, and the timings (docs/drill.md).
Exit code 1 when an injected fault was missed, a clean area raised an alarm, or the system
answered something the drill did not expect.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from drill.run import DrillOptions, run_drill


class Command(BaseCommand):
    help = "Play an election day against the running system and check the reconciliation board."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="slug of a rehearsal election")
        parser.add_argument("--scale", choices=["small", "city"], default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--dashboards", type=int, default=4)
        parser.add_argument(
            "--slot-seconds",
            type=float,
            default=0.0,
            help="pace the day: seconds per turnout slot (0: as fast as the system answers)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="wipe the turnout and count minutes of the played areas first (rehearsals only)",
        )
        parser.add_argument(
            "--allow-real",
            action="store_true",
            help="play on an election not marked as a rehearsal (a throw-away copy)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from drill.prepare import DrillRefused

        opts = DrillOptions(
            slug=options["election"],
            scale=options["scale"],
            seed=options["seed"],
            base_url=options["base_url"],
            concurrency=options["concurrency"],
            dashboards=options["dashboards"],
            slot_seconds=options["slot_seconds"],
            reset=options["reset"],
            allow_real=options["allow_real"],
        )
        try:
            outcome = run_drill(opts, out=self.stdout.write)
        except DrillRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(outcome.summary(), ensure_ascii=False))
        if not outcome.ok:
            raise CommandError(
                "the drill failed: see the missed faults, false alarms and odd answers above",
                returncode=1,
            )
