"""Fixtures of the printing tests: media in a temporary folder, voter lists for the mini
election (the five names of the issue first in 26734-01)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from printing import sources
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
    """The voter lists the tests print; edit `rows`, `extra_count` or `duplicates` to make a
    pre-flight check fail."""

    rows: dict[str, list[sources.Voter]]
    duplicates: dict[str, list[list[str]]] = field(default_factory=dict)
    extra_count: dict[str, int] = field(default_factory=dict)

    def total(self, codes: list[str] | None = None) -> int:
        return sum(len(v) for k, v in self.rows.items() if codes is None or k in codes)


def _voters(area, contest_ids: frozenset[int]) -> list[sources.Voter]:
    out = []
    for i in range(SIZES[area.code]):
        if area.code == "26734-01" and i < 5:
            name = SPECIAL_NAMES[i]
        else:
            name = f"{FAMILY[i % 6]} Văn {GIVEN[(i // 6 + area.number) % 6]}"
        permanent = i % 4 != 3
        address = f"Số {i + 1} đường Hai Bà Trưng, khu phố {1 + i % 3}, {area.unit.name}"
        out.append(
            sources.Voter(
                stt=i + 1,
                full_name=name,
                birth_date="1950" if i == 4 else f"{1 + i:02d}/0{1 + i % 9}/198{i % 10}",
                male=i % 2 == 0,
                residence=address,
                ethnicity="Ê Đê" if name in SPECIAL_NAMES[3:] else "Kinh",
                occupation="Công nhân",
                permanent_address=address if permanent else "",
                temporary_address="" if permanent else address,
                contest_ids=contest_ids,
                note="",
            )
        )
    return out


@pytest.fixture
def voter_lists(mini_election, monkeypatch) -> Lists:
    from election.models import PollingAreaConstituency

    lists = Lists(rows={})
    for area in mini_election.polling_areas.select_related("unit"):
        contests = frozenset(
            PollingAreaConstituency.objects.filter(polling_area=area).values_list(
                "contest_id", flat=True
            )
        )
        lists.rows[area.code] = _voters(area, contests)
    monkeypatch.setattr(sources, "voters_of_area", lambda area: iter(lists.rows[area.code]))
    monkeypatch.setattr(
        sources,
        "voter_count",
        lambda area: len(lists.rows[area.code]) + lists.extra_count.get(area.code, 0),
    )
    monkeypatch.setattr(
        sources, "unresolved_duplicates", lambda area: lists.duplicates.get(area.code, [])
    )
    return lists
