"""python manage.py reconcile --election SLUG [--unit CODE] [--only-attention] [--json]

The reconciliation board of a unit (the election's root by default) on the console: one line per
child unit (areas, green, amber, red), then every contest of the polling areas needing attention
with its rules (--only-attention: only the amber and red contests), then the totals. --json
prints the API document (baucu.reconciliation/1) instead. Exit 0; an unknown
election or unit exits 1, a usage error 2 (formats.md §5).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from election.models import AdminUnit, Election, UnitAncestry
from reconciliation import rules
from reconciliation.document import board_document
from reconciliation.selectors import attention_filter, board_unscoped


class Command(BaseCommand):
    help = "Show the reconciliation board of a unit: list, cards, turnout and count minutes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument("--unit", help="unit code (default: the election's root)")
        parser.add_argument("--only-attention", action="store_true", help="amber and red only")
        parser.add_argument("--json", action="store_true", help="print baucu.reconciliation/1")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']}", returncode=1)
        code = options["unit"] or election.root.code
        unit = AdminUnit.objects.filter(tree_id=election.tree_id, code=code).first()
        if (
            unit is None
            or not UnitAncestry.objects.filter(
                ancestor_id=election.root_id, descendant_id=unit.pk
            ).exists()
        ):
            raise CommandError(f"no unit {code} in {election.slug}", returncode=1)
        board = board_unscoped(election=election, unit=unit)
        only = options["only_attention"]
        if options["json"]:
            doc = board_document(board, only_attention=only)
            self.stdout.write(json.dumps(doc, ensure_ascii=False, default=str))
            return
        for c in board.children:
            self.stdout.write(
                f"{c.unit.code}\t{c.unit.name}\t{c.areas} areas\t{c.green} green\t"
                f"{c.amber} amber\t{c.red} red"
            )
        for r in attention_filter(board.rows, True):
            if r.state == rules.GREEN and only:
                continue
            codes = " ".join(f.code for f in r.findings) or "-"
            self.stdout.write(f"{r.polling_area_code}\t{r.contest_code}\t{r.state}\t{codes}")
            for f in r.findings:
                self.stdout.write(f"\t{f.severity}\t{f.text()}")
        t = board.total
        self.stdout.write(
            f"{t.areas} polling areas: {t.green} green, {t.amber} amber, {t.red} red; "
            f"{board.attention} need attention"
        )
