"""The per-area summary of voters on the list (VoterAreaCount), recomputed set-based for the
areas a write touched, inside the writer's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def refresh_area_counts(*, election_id: int, area_ids: Iterable[int] | None = None) -> None:
    """Recount the given polling areas (all areas of the election when None)."""
    with connection.cursor() as cur:
        if area_ids is None:
            cur.execute("DELETE FROM voters_voterareacount WHERE election_id = %s", [election_id])
            where, params = "v.election_id = %s", [election_id]
        else:
            ids = sorted(set(area_ids))
            if not ids:
                return
            marks = ", ".join(["%s"] * len(ids))
            cur.execute(
                f"DELETE FROM voters_voterareacount WHERE polling_area_id IN ({marks})", ids
            )
            where, params = f"v.polling_area_id IN ({marks})", ids
        cur.execute(
            f"""
            INSERT INTO voters_voterareacount (election_id, polling_area_id, sex, contest_scope, n)
            SELECT v.election_id, v.polling_area_id, v.sex, v.contest_scope, COUNT(*)
            FROM voters_voter v
            WHERE {where} AND v.status = 'listed'
            GROUP BY v.election_id, v.polling_area_id, v.sex, v.contest_scope
            """,
            params,
        )
