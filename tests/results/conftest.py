"""Fixtures of the results tests: consistent count minutes for the mini election, and the
Vietnamese strings of locale/fragments/results.po compiled for the test run."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def results_catalogue(tmp_path_factory, settings):
    """The lead merges fragments into the main catalogue; until then compile ours alongside."""
    out = tmp_path_factory.getbasetemp() / "results-locale"
    mo = out / "vi" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        mo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["msgfmt", "-o", str(mo), str(ROOT / "locale" / "fragments" / "results.po")],
            check=True,
        )
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, out]
    yield


def minute(
    area: str,
    contest: str,
    votes: dict[str, int],
    *,
    listed: int,
    voted: int,
    invalid: int = 0,
    received: int | None = None,
    kept: dict[int, int] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    received = voted if received is None else received
    m = {
        "polling_area": area,
        "contest": contest,
        "voters_listed": listed,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": received,
        "ballots_valid": received - invalid,
        "ballots_invalid": invalid,
        "votes": [{"candidate": k, "votes": v} for k, v in votes.items()],
        **extra,
    }
    if kept is not None:
        m["valid_by_names_kept"] = {str(k): n for k, n in kept.items()}
    return m


QH = ["Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Bình", "Đặng Thị Ân", "Phạm Minh An"]


def qh_minutes() -> list[dict[str, Any]]:
    """QH constituency 1 (3 seats) over the five areas. Valid ballots keep 3 names each, so
    Σ votes = 3 × valid. Totals: listed 6350, voted 6300, valid 6250."""
    rows = [
        ("26734-01", 1200, 1190, 10, [1000, 900, 600, 500, 540]),
        ("26734-02", 350, 350, 0, [300, 250, 200, 150, 150]),
        ("26737-01", 2100, 2080, 30, [1800, 1500, 1200, 800, 850]),
        ("27496-01", 1800, 1790, 0, [1500, 1300, 1200, 700, 670]),
        ("27499-01", 900, 890, 10, [700, 650, 560, 400, 330]),
    ]
    out = []
    for code, listed, voted, invalid, vs in rows:
        valid = voted - invalid
        assert sum(vs) == 3 * valid, code
        out.append(
            minute(
                code,
                "QH",
                dict(zip(QH, vs, strict=True)),
                listed=listed,
                voted=voted,
                invalid=invalid,
                kept={3: valid},
            )
        )
    return out


@pytest.fixture
def qh_doc() -> dict[str, Any]:
    return {"format": "baucu.count/1", "minutes": qh_minutes()}
