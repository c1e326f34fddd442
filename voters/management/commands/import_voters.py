"""python manage.py import_voters FILE --election SLUG [--unit CODE] [--mode all|valid]
[--dry-run] [--errors OUT.xlsx] [--json]   (formats.md §2)

Exit status: 0 imported (or checked, with --dry-run) without rejected rows; 1 rows were
rejected (in --mode all nothing was written); 2 the file or the arguments cannot be used.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from election.models import AdminUnit, Election
from voters.services.error_report import write_error_report
from voters.services.import_list import ImportRefused, import_voters


class Command(BaseCommand):
    help = "Import a voter list (CSV or XLSX in the template of formats.md §2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--election", required=True)
        parser.add_argument("--unit", default=None)
        parser.add_argument("--mode", choices=["all", "valid"], default="all")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--errors", default=None, help="write rejected rows to this XLSX")
        parser.add_argument("--json", action="store_true")

    def _fail(self, options: dict[str, Any], message: str) -> None:
        if options["json"]:
            self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
        else:
            self.stderr.write(message)
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            self._fail(options, f"Không tìm thấy tệp {path}")
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            self._fail(options, f"Không có cuộc bầu cử {options['election']}")
        unit = None
        if options["unit"]:
            unit = AdminUnit.objects.filter(tree_id=election.tree_id, code=options["unit"]).first()
            if unit is None:
                self._fail(options, f"Không có đơn vị mã {options['unit']}")
        try:
            result = import_voters(
                election=election,
                path=path,
                actor=None,
                unit=unit,
                mode=options["mode"],
                dry_run=options["dry_run"],
                source="cli",
            )
        except ImportRefused as exc:
            self._fail(options, str(exc))
        if options["errors"] and result.errors:
            write_error_report(result, Path(options["errors"]), rehearsal=election.is_rehearsal)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, default=str))
        else:
            verb = "Đã ghi" if result.applied else "Chưa ghi (kiểm tra)"
            self.stdout.write(
                f"{verb}: {result.rows} dòng · mới {result.created} · sửa {result.updated} · "
                f"không đổi {result.unchanged} · chuyển {result.moved} · bỏ {result.removed} · "
                f"đã xóa tên, giữ nguyên {result.staff_removed} · "
                f"bổ sung, giữ nguyên {result.staff_added} · "
                f"lỗi {result.rejected} · nghi trùng {result.duplicate_count}"
            )
            for e in result.errors[:50]:
                self.stdout.write(f"  dòng {e['row']} · {e['column']}: {e['reason']}")
            if len(result.errors) > 50:
                self.stdout.write(f"  … và {len(result.errors) - 50} lỗi khác")
        if result.rejected:
            sys.exit(1)
