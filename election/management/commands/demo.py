"""python manage.py demo — migrate, load the demo data, then serve on 127.0.0.1:8000 (ASGI)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Set up the embedded default with demo data and run the development server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_demo")
        call_command("load_demo_voters")  # voter lists of a few wards (voters app)
        if not options["no_serve"]:
            self.stdout.write(f"Baucu is running at http://{options['addrport']}/")
            call_command("runserver", options["addrport"], use_reloader=False)
