"""Denominators of turnout: voters on the list per polling area, from the voter-list module.

The lists are frozen 24 hours before voting starts (domain.md §2.4), so on the day the counts of a
whole election are cached for a short time per process (BAUCU_TURNOUT_LIST_TTL, 30 s): the
roll-up reads them on every tick and every report is checked against them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from django.conf import settings

_lock = threading.Lock()
_cache: dict[tuple[str, int], tuple[float, dict]] = {}


def _ttl() -> float:
    return float(getattr(settings, "BAUCU_TURNOUT_LIST_TTL", 30))


def clear() -> None:
    with _lock:
        _cache.clear()


def listed(*, election_id: int, area_ids: Iterable[int] | None = None) -> dict[int, int]:
    """{area_id: voters on the list}; areas without a list are absent (count 0)."""
    from voters.selectors import listed_counts

    if area_ids is not None:
        return listed_counts(election=election_id, area_ids=list(area_ids))
    return cached("all", election_id, lambda: listed_counts(election=election_id))


def listed_by_sex(
    *, election_id: int, area_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{area_id: {"M": n, "F": n}}."""
    from voters.selectors import listed_counts_by_sex

    if area_ids is not None:
        return listed_counts_by_sex(election=election_id, area_ids=list(area_ids))
    return cached("sex", election_id, lambda: listed_counts_by_sex(election=election_id))


def cached(kind: str, election_id: int, load):  # noqa: ANN001, ANN201
    """A value of an election computed by load(), kept BAUCU_TURNOUT_LIST_TTL seconds."""
    key = (kind, election_id)
    ttl = _ttl()
    with _lock:
        hit = _cache.get(key)
        if hit and ttl > 0 and time.monotonic() - hit[0] < ttl:
            return hit[1]
    value = load()
    with _lock:
        _cache[key] = (time.monotonic(), value)
    return value
