"""Voter-list fixtures: the mini election moved to a future election day (lists still open)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from voters.rules import TEMPLATE_HEADERS

ELECTION_DAY = dt.date(2031, 5, 25)


@pytest.fixture
def election(db, mini_doc):
    from election.services.definition_import import import_definition

    mini_doc["election"]["date"] = ELECTION_DAY.isoformat()
    return import_definition(data=mini_doc, source="test").election


def row(**kw: Any) -> dict[str, str]:
    """A valid template row; override fields by template key names."""
    base = {
        "national_id": "079085000001",
        "full_name": "Nguyễn Văn An",
        "birth": "12/03/1985",
        "sex": "Nam",
        "ethnicity": "Kinh",
        "occupation": "Kỹ sư",
        "permanent_address": "12 Hai Bà Trưng, Phường Tân Định",
        "temporary_address": "",
        "temporary_since": "",
        "area_code": "26734-01",
        "household_code": "H1",
        "relation": "Chủ hộ",
    }
    base.update(kw)
    return base


def write_rows(path: Path, rows: list[dict[str, str]], *, title: bool = False) -> Path:
    from voters.rules import COLUMNS

    keys = list(COLUMNS)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow(["DANH SÁCH CỬ TRI"])
        w.writerow(TEMPLATE_HEADERS)
        for r in rows:
            w.writerow([r.get(k, "") for k in keys])
    return path


@pytest.fixture
def write(tmp_path):
    counter = {"n": 0}

    def make(rows: list[dict[str, str]], **kw: Any) -> Path:
        counter["n"] += 1
        return write_rows(tmp_path / f"voters{counter['n']}.csv", rows, **kw)

    return make
