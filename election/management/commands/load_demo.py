"""python manage.py load_demo — demo elections (hcm-2021, hcm-2026) and demo accounts.

The demo definitions are built by election.demo and loaded through the same import as any file.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from election.demo import SHAPES, build_definition
from election.models import Election, ElectionBody, PollingArea, Role
from election.services.accounts import role_grant, user_ensure
from election.services.definition_import import import_definition

DEMO_PASSWORD = "baucu-demo-2026"


class Command(BaseCommand):
    help = "Load the demo elections and create demo accounts (printed on the console)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
        parser.add_argument("--scale", choices=["small", "city"], default="small")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--no-accounts", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        shapes = SHAPES if options["shape"] == "all" else (options["shape"],)
        accounts: list[tuple[str, str, str]] = []
        for shape in shapes:
            t0 = time.perf_counter()
            definition = build_definition(shape, scale=options["scale"], seed=options["seed"])
            summary = import_definition(data=definition, source="demo")
            self.stdout.write(
                f"{shape} ({options['scale']}): {summary.changed} change(s), "
                f"{summary.election.polling_areas.count()} polling areas, "
                f"{time.perf_counter() - t0:.1f}s"
            )
            if not options["no_accounts"]:
                accounts += self._accounts(summary.election)
        if not options["no_accounts"]:
            user_ensure(
                username="admin",
                password=DEMO_PASSWORD,
                full_name="Quản trị hệ thống",
                superuser=True,
            )
            accounts.insert(0, ("admin", "System administrator", "—"))
            self.stdout.write("")
            self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
            for username, role, where in accounts:
                self.stdout.write(f"  {username:<22} {role:<28} {where}")

    def _accounts(self, election: Election) -> list[tuple[str, str, str]]:
        year = election.date.year
        root = election.root
        area = (
            PollingArea.objects.filter(election=election)
            .select_related("unit__parent")
            .order_by("code")
            .first()
        )
        out: list[tuple[str, str, str]] = []

        def grant(username: str, full_name: str, kind: str, unit: Any, body: Any = None) -> None:
            user = user_ensure(username=username, password=DEMO_PASSWORD, full_name=full_name)
            role_grant(actor=None, user=user, kind=kind, unit=unit, body=body, source="demo")
            out.append((username, str(Role.Kind(kind).label), f"{unit.name} ({election.slug})"))

        grant(f"ubbc-{year}", "Nguyễn Văn Thành", Role.Kind.COMMITTEE_MEMBER, root)
        grant(f"quansat-{year}", "Trần Thị Quan", Role.Kind.OBSERVER, root)
        if area is not None:
            ward = area.unit
            if ward.parent_id and ward.parent_id != root.id:
                grant(f"ubbc-quan-{year}", "Lê Văn Quận", Role.Kind.COMMITTEE_MEMBER, ward.parent)
            grant(f"phuong-{year}", "Phạm Thị Phường", Role.Kind.WARD_STAFF, ward)
            team = ElectionBody.objects.filter(polling_area=area).first()
            grant(f"thuky-{year}", "Hoàng Văn Thư", Role.Kind.TEAM_SECRETARY, ward, team)
        return out
