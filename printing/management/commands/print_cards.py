"""python manage.py print_cards --election SLUG --unit CODE --out DIR [--per-sheet 4]"""

from __future__ import annotations

from django.core.management.base import CommandParser

from printing.management.commands._base import PrintCommand
from printing.services.documents import CARDS


class Command(PrintCommand):
    help = "Print the voter cards of every polling area under a unit, one PDF per area."
    kind = CARDS
    noun = "cards"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--per-sheet", type=int, choices=[1, 4], default=1, help="1: A6 pages; 4: A4 sheets"
        )
