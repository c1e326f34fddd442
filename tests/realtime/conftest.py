"""Turnout fixtures: voter lists of given sizes, a controllable clock, a clean live store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def add_voters(election: Any, sizes: dict[str, int | tuple[int, int]]) -> None:
    """Put voters on the lists: {"26734-01": 1000} or {"26734-01": (1000, 520 women)}."""
    from voters.models import Voter

    areas = {a.code: a for a in election.polling_areas.all()}
    rows = []
    serial = Voter.objects.filter(election=election).count()
    for code, size in sizes.items():
        total, female = size if isinstance(size, tuple) else (size, size // 2)
        area = areas[code]
        start = Voter.objects.filter(polling_area=area).count()
        for i in range(total):
            serial += 1
            rows.append(
                Voter(
                    election=election,
                    polling_area=area,
                    stt=start + i + 1,
                    national_id=f"{serial:012d}",
                    full_name="Nguyễn Văn A",
                    search_key="nguyen van a",
                    birth_year=1980,
                    sex="F" if i < female else "M",
                    residence="permanent",
                )
            )
    Voter.objects.bulk_create(rows, batch_size=5000)
    from voters.services.counts import refresh_area_counts

    refresh_area_counts(election_id=election.id)  # rows written directly: recount the summary


@pytest.fixture
def lists() -> Callable[..., None]:
    return add_voters


class Clock:
    def __init__(self) -> None:
        self.value = dt.datetime(2021, 5, 23, 11, 10, tzinfo=VN)

    def set(self, hh: int, mm: int = 0, day: dt.date | None = None) -> dt.datetime:
        d = day or self.value.date()
        self.value = dt.datetime(d.year, d.month, d.day, hh, mm, tzinfo=VN)
        return self.value

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The turnout clock, frozen on the mini election's day (23/05/2021 11:10) unless set."""
    from realtime import clock as clock_module

    c = Clock()
    monkeypatch.setattr(clock_module, "now", c)
    return c


@pytest.fixture(autouse=True)
def _clean_live():
    from realtime import denominators, live

    denominators.clear()
    live.reset_store()
    store = live.store()
    if hasattr(store, "_r"):
        for key in store._r.scan_iter(f"{store._prefix}:turnout:*"):
            store._r.delete(key)
    yield
    denominators.clear()
    live.reset_store()
