"""Set-up shared by the benchmarks that work on a city-scale demo election: Django with the
base settings (DATABASE_URL picks the database), migrated, and the election imported once."""

from __future__ import annotations

import os
import time
from typing import Any


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_election(shape: str, *, slug: str) -> tuple[Any, float]:
    """The demo election of `shape` at city scale under `slug`: reused when already imported
    whole, else imported; returns it and the seconds the import took (0 when reused)."""
    from election.demo import build_definition
    from election.models import Election
    from election.services.definition_import import import_definition

    doc = build_definition(shape, "city")
    doc["election"]["slug"] = slug
    existing = Election.objects.filter(slug=slug).first()
    if existing is not None and existing.polling_areas.count() == len(doc["polling_areas"]):
        return existing, 0.0
    t = time.perf_counter()
    election = import_definition(data=doc, source="bench").election
    return election, time.perf_counter() - t
