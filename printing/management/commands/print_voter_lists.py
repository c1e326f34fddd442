"""python manage.py print_voter_lists --election SLUG --unit CODE --out DIR"""

from __future__ import annotations

from printing.management.commands._base import PrintCommand
from printing.services.documents import LISTS


class Command(PrintCommand):
    help = "Print the posted voter list of every polling area under a unit, one PDF per area."
    kind = LISTS
    noun = "voters"
