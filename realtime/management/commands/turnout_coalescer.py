"""python manage.py turnout_coalescer: the live-turnout coalescer as its own process.

Web workers accept reports and serve sockets; this process keeps every election's turnout in
memory and pushes one snapshot per changed unit per tick (realtime/live.py). Run one or more:
they elect a single leader through a Redis lock, the others stand by and take over within
LEADER_TTL seconds. Set BAUCU_TURNOUT_COALESCER=external on the web workers then.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Run the live-turnout coalescer (needs REDIS_URL): one leader, others stand by."

    def add_arguments(self, parser: Any) -> None:  # noqa: ANN401
        parser.add_argument("--tick", type=float, default=None, help="seconds between ticks")
        parser.add_argument(
            "--check",
            action="store_true",
            help="exit 0 when some coalescer holds the lock (prints which), 1 otherwise",
        )

    def handle(self, *args: Any, **options: Any) -> None:  # noqa: ANN401
        if not getattr(settings, "REDIS_URL", ""):
            raise CommandError(
                "REDIS_URL is not set: without Redis the coalescer runs inside the server "
                "process (embedded default); nothing to start."
            )
        if options["check"]:
            from realtime import live

            holder = live.store().leader()
            if not holder:
                raise CommandError("no turnout coalescer holds the lock")
            self.stdout.write(f"turnout coalescer leading: {holder}")
            return
        if options["tick"]:
            settings.BAUCU_TURNOUT_TICK = options["tick"]
        # one thread does all database work here: keep its connection between ticks
        connections["default"].settings_dict["CONN_MAX_AGE"] = None
        verbosity = options["verbosity"]
        logging.getLogger("realtime").setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        asyncio.run(self._main())

    async def _main(self) -> None:
        from realtime import live

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write("turnout coalescer: started (standing by until it holds the lock)")
        await live.run(stop_event=stop)
        self.stdout.write("turnout coalescer: stopped")
