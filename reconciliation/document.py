"""The board as plain data (`baucu.reconciliation/1`): the API's body, read by the drill."""

from __future__ import annotations

import dataclasses
from typing import Any

from reconciliation.rules import AreaFacts
from reconciliation.selectors import AreaRow, Board, ChildSummary, attention_filter

FORMAT = "baucu.reconciliation/1"
FACT_FIELDS = [f for f in dataclasses.fields(AreaFacts) if f.name not in ("slots", "turnout")]


def _counts(s: ChildSummary) -> dict[str, Any]:
    return {
        "areas": s.areas,
        "green": s.green,
        "amber": s.amber,
        "red": s.red,
        "attention": s.attention,
        "state": s.state,
    }


def facts_data(row: AreaRow) -> dict[str, Any]:
    facts = row.facts
    data = {f.name: getattr(facts, f.name) for f in FACT_FIELDS}
    data["turnout"] = {k: v for k, v in zip(facts.slots, facts.turnout, strict=True)}
    data["turnout_final"] = facts.turnout_final
    return data


def row_data(row: AreaRow) -> dict[str, Any]:
    return {
        "polling_area": row.polling_area_code,
        "name": row.polling_area_name,
        "contest": row.contest_code,
        "state": row.state,
        "findings": [f.as_dict() for f in row.findings],
        "facts": facts_data(row),
    }


def board_document(
    board: Board, *, only_attention: bool = False, with_rows: bool = True
) -> dict[str, Any]:
    """The board of a unit; rows of areas needing attention only when asked."""
    return {
        "format": FORMAT,
        "election": board.election.slug,
        "unit": {"code": board.unit.code, "name": board.unit.name},
        "at": board.now.isoformat(),
        "slots": board.slots,
        "slots_due": {day.isoformat(): sorted(keys) for day, keys in board.due.items()},
        "totals": _counts(board.total),
        "children": [
            {"code": c.unit.code, "name": c.unit.name, **_counts(c)} for c in board.children
        ],
        "rows": (
            [row_data(r) for r in attention_filter(board.rows, only_attention)] if with_rows else []
        ),
    }
