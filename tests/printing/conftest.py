"""Fixtures of the printing tests: media in a temporary folder, voter lists of the mini
election in the voters app's tables (the five names of the issue first in 26734-01)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from common.text import fold
from tests.printing.support import SPECIAL_NAMES

SIZES = {"26734-01": 12, "26734-02": 7, "26737-01": 9, "27496-01": 6, "27499-01": 5}
FAMILY = ["Trần", "Phạm", "Hoàng", "Võ", "Bùi", "Đỗ"]
GIVEN = ["Hạnh", "Phúc", "Dũng", "Yến", "Sửu", "Ơn"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Lists:
    """The voter lists the tests print (Voter rows by polling area code), and ways to make a
    pre-flight check fail."""

    election: object
    rows: dict[str, list] = field(default_factory=dict)
    extra_count: dict[str, int] = field(default_factory=dict)

    def rename(self, code: str, stt: int, name: str) -> None:
        voter = next(v for v in self.rows[code] if v.stt == stt)
        voter.full_name = name
        voter.search_key = fold(name)
        voter.save(update_fields=["full_name", "search_key"])

    def add_duplicate(
        self, code: str, stt: int, into: str | None = None, prefix: str = "099"
    ) -> Any:
        """The same person entered a second time, with another ID (`prefix` + the rest of
        the original's), at the end of the list (of the same polling area, or of the area
        `into`). Returns the new entry."""
        from election.models import PollingArea
        from voters.models import Voter

        original = next(v for v in self.rows[code] if v.stt == stt)
        target = into or code
        copy = Voter.objects.get(pk=original.pk)
        copy.pk = None
        copy.polling_area = PollingArea.objects.get(code=target)
        copy.stt = max(v.stt for v in self.rows[target]) + 1
        copy.national_id = prefix + original.national_id[3:]
        copy.save()
        self.rows[target].append(copy)
        from voters.services.counts import refresh_area_counts

        refresh_area_counts(election_id=self.election.id)
        return copy


def _voters(election, area, index: int) -> list:
    from voters.models import Voter

    out = []
    for i in range(SIZES[area.code]):
        if area.code == "26734-01" and i < 5:
            name = SPECIAL_NAMES[i]
        else:
            name = f"{FAMILY[i % 6]} Văn {GIVEN[(i // 6 + area.number) % 6]}"
        temporary = i % 4 == 3
        address = f"Số {i + 1} đường Hai Bà Trưng, khu phố {1 + i % 3}, {area.unit.name}"
        year_only = i == 4
        out.append(
            Voter(
                election=election,
                polling_area=area,
                stt=i + 1,
                national_id=f"079{index:03d}{i:06d}",
                full_name=name,
                search_key=fold(name),
                birth_date=None if year_only else dt.date(1980 + i % 10, 1 + i % 9, 1 + i + index),
                birth_year=1950 if year_only else 1980 + i % 10,
                sex="M" if i % 2 == 0 else "F",
                ethnicity="Ê Đê" if name in SPECIAL_NAMES[3:] else "Kinh",
                occupation="Công nhân",
                permanent_address="" if temporary else address,
                temporary_address=address if temporary else "",
                temporary_since=dt.date(2021, 1, 15) if temporary else None,
                residence=Voter.Residence.TEMPORARY if temporary else Voter.Residence.PERMANENT,
                contest_scope=Voter.Scope.NO_COMMUNE if temporary else Voter.Scope.ALL,
            )
        )
    return out


@pytest.fixture
def voter_lists(mini_election, monkeypatch) -> Lists:
    from printing import sources
    from voters.models import Voter

    lists = Lists(election=mini_election)
    areas = mini_election.polling_areas.select_related("unit").order_by("code")
    for index, area in enumerate(areas):
        lists.rows[area.code] = Voter.objects.bulk_create(_voters(mini_election, area, index))
    from voters.services.counts import refresh_area_counts

    refresh_area_counts(election_id=mini_election.id)  # rows written directly: recount
    real_count = sources.voter_count
    monkeypatch.setattr(
        sources,
        "voter_count",
        lambda area: real_count(area) + lists.extra_count.get(area.code, 0),
    )
    return lists
