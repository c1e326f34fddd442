"""Pages of the reconciliation board (thin): the board of a unit and its XLSX export."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.audit import record
from election import selectors as esel
from reconciliation import exports, rules, selectors

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AREA_ROWS_LIMIT = 500  # polling areas listed on one page (the XLSX export has them all)


def _bar(s: selectors.ChildSummary) -> list[tuple[str, int, int]]:
    """(state, count, width in per mille) of a stacked green/amber/red bar."""
    total = s.areas or 1
    return [
        (state, n, round(1000 * n / total))
        for state, n in ((rules.GREEN, s.green), (rules.AMBER, s.amber), (rules.RED, s.red))
    ]


def _area_groups(rows: list[selectors.AreaRow]) -> list[dict[str, Any]]:
    """Rows grouped by polling area: area-wide findings once, contest findings per contest,
    and the figures each finding concerns (to mark the cells)."""
    out = []
    for _area_id, group in groupby(rows, key=lambda r: r.polling_area_id):
        contest_rows = list(group)
        first = contest_rows[0]
        area_findings: dict[str, rules.Finding] = {}
        contests = []
        for r in contest_rows:
            own = [f for f in r.findings if f.code not in rules.AREA_CODES]
            for f in r.findings:
                if f.code in rules.AREA_CODES:
                    area_findings.setdefault(f.code, f)
            marked = {name for f in r.findings for name in rules.CONCERNS[f.code]}
            contests.append(
                {
                    "row": r,
                    "facts": r.facts,
                    "findings": [(f, f.text()) for f in own],
                    "marked": marked,
                }
            )
        facts = first.facts
        last = facts.turnout_last
        out.append(
            {
                "code": first.polling_area_code,
                "name": first.polling_area_name,
                "state": rules.worst(r.state for r in contest_rows),
                "facts": facts,
                "turnout_last": last,
                "area_findings": [(f, f.text()) for f in area_findings.values()],
                "area_marked": {n for f in area_findings.values() for n in rules.CONCERNS[f.code]},
                "contests": contests,
                "span": len(contests),
            }
        )
    return out


@login_required
@require_GET
def unit_board(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code)
    board = selectors.board(user=request.user, election=election, unit=unit)
    only = request.GET.get("only") == "attention"
    if only:
        rows = selectors.attention_filter(board.rows, True)
    else:
        # without the filter, the areas placed directly in this unit (a ward's own areas)
        rows = [r for r in board.rows if r.unit_id == unit.id]
    groups = _area_groups(rows)
    shown = groups[:AREA_ROWS_LIMIT]
    # VIEW on the unit holds for everything under it: every child's board is open
    children = [
        {"summary": c, "bar": _bar(c), "visible": True}
        for c in board.children
        if c.attention or not only
    ]
    return render(
        request,
        "reconciliation/unit.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "board": board,
            "total_bar": _bar(board.total),
            "children": children,
            "groups": shown,
            "hidden": len(groups) - len(shown),
            "only": only,
            "slot_labels": [(_("closing") if s == rules.CLOSED else s) for s in board.slots],
            "due_today": sorted(
                {s for keys in board.due.values() for s in keys},
                key=board.slots.index,
            ),
            "codes": rules.CODES,
        },
    )


@login_required
@require_GET
def unit_xlsx(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code)
    board = selectors.board(user=request.user, election=election, unit=unit)
    only = request.GET.get("only") == "attention"
    data = exports.board_xlsx(board, only_attention=only)
    record(
        actor=request.user,
        action="reconciliation.exported",
        object_type="election.AdminUnit",
        object_id=str(unit.pk),
        object_repr=unit.code,
        unit_id=unit.id,
        election_id=election.id,
        extra={"only_attention": only, "rows": len(board.rows), "attention": board.attention},
    )
    resp = HttpResponse(data, content_type=XLSX)
    suffix = "-can-chu-y" if only else ""
    resp["Content-Disposition"] = (
        f'attachment; filename="doi-soat-{election.slug}-{unit.code}{suffix}.xlsx"'
    )
    return resp
