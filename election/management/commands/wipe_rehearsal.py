"""python manage.py wipe_rehearsal --election SLUG [--yes] [--including-structure] [--json]

Deletes everything a rehearsal election produced (voters, turnout, minutes, results, printed
files, jobs), never anything of a real election. Without --yes it lists what would be deleted
and asks for the election's slug to be typed. Exits 0 when wiped, 1 when refused (a real
election, or the confirmation did not match), 2 on a usage error.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from election.models import Election
from election.services import rehearsal


class Command(BaseCommand):
    help = "Wipe the data of a rehearsal election (never a real one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--including-structure",
            action="store_true",
            help="also delete the election with its contests, areas, candidates and bodies",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["election"]
        election = Election.objects.filter(slug=slug).first()
        if election is None:
            raise CommandError(f"Không có cuộc bầu cử {slug}", returncode=1)
        if not election.is_rehearsal:
            raise CommandError(
                f"{slug} là cuộc bầu cử thật, không phải diễn tập: không xóa gì.", returncode=1
            )
        if not options["yes"]:
            counts = rehearsal.data_counts(election)
            for name, n in counts.items():
                self.stdout.write(f"{rehearsal.DATA_LABELS[name]}: {n}")
            self.stdout.write(f"Gõ mã cuộc bầu cử ({slug}) để xác nhận xóa dữ liệu diễn tập: ")
            try:
                typed = input().strip()
            except EOFError:
                typed = ""
            if typed != slug:
                raise CommandError("Không khớp mã cuộc bầu cử: không xóa gì.", returncode=1)
        try:
            summary = rehearsal.wipe_rehearsal(
                actor=None,
                election=election,
                including_structure=options["including_structure"],
                source="cli",
            )
        except rehearsal.RehearsalError as exc:
            raise CommandError(exc.messages[0], returncode=1) from exc
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_json(), ensure_ascii=False))
            return
        self.stdout.write(
            f"Đã xóa dữ liệu diễn tập của {slug}: {summary.total} bản ghi, {summary.files} tệp."
        )
        if summary.accounts_retired:
            self.stdout.write(
                f"Đã thu hồi {summary.accounts_retired} tài khoản diễn tập (vai trò, mã API)."
            )
