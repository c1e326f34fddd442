"""The board as a spreadsheet: one row per polling area × contest with every figure, the state
and the rules behind it; a second sheet with the roll-up per child unit. Every text cell goes
through common.spreadsheet.safe_cell."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from common.rehearsal import mark_workbook, start_sheet
from common.spreadsheet import safe_cell
from reconciliation import rules
from reconciliation.selectors import Board, attention_filter

STATE_LABELS = {
    rules.GREEN: gettext_lazy("green"),
    rules.AMBER: gettext_lazy("amber"),
    rules.RED: gettext_lazy("red"),
}
MINUTES_LABELS = {
    rules.MISSING: gettext_lazy("missing"),
    rules.IN_ENTRY: gettext_lazy("in entry"),
    rules.DIFFERENT: gettext_lazy("entries differ"),
    rules.DEFINITIVE: gettext_lazy("definitive"),
}
FILLS = {
    rules.GREEN: PatternFill("solid", fgColor="DFF0D8"),
    rules.AMBER: PatternFill("solid", fgColor="FCE8B2"),
    rules.RED: PatternFill("solid", fgColor="F4C7C3"),
}
BOLD = Font(bold=True)


def _c(value: Any) -> Any:
    return safe_cell(str(value)) if isinstance(value, str) else value


def _header(ws: Any, labels: list[Any]) -> None:
    cells = []
    for label in labels:
        cell = WriteOnlyCell(ws, value=_c(str(label)))
        cell.font = BOLD
        cells.append(cell)
    ws.append(cells)


def board_xlsx(board: Board, *, only_attention: bool = False) -> bytes:
    rehearsal = board.election.is_rehearsal
    wb = Workbook(write_only=True)
    mark_workbook(wb, rehearsal)
    ws = wb.create_sheet(_("Reconciliation"))
    start_sheet(ws, rehearsal)
    slot_labels = [_("closing") if s == rules.CLOSED else s for s in board.slots]
    _header(
        ws,
        [
            _("Polling area"),
            _("Name"),
            _("Contest"),
            _("State"),
            _("Voters at posting"),
            _("Added since posting"),
            _("Removed since posting"),
            _("Voters on the list now"),
            _("Voters on the list now (contest)"),
            _("Cards printed"),
            _("Single cards printed since"),
            *[_("Turnout %(slot)s") % {"slot": s} for s in slot_labels],
            _("Count minutes"),
            _("Voters listed (minutes)"),
            _("Voters who voted (minutes)"),
            _("Ballots issued"),
            _("Ballots received"),
            _("Valid ballots"),
            _("Invalid ballots"),
            _("Rules"),
            _("Findings"),
        ],
    )
    for r in attention_filter(board.rows, only_attention):
        f = r.facts
        state = WriteOnlyCell(ws, value=_c(str(STATE_LABELS[r.state])))
        state.fill = FILLS[r.state]
        ws.append(
            [
                _c(r.polling_area_code),
                _c(r.polling_area_name),
                _c(r.contest_code),
                state,
                f.list_at_posting,
                f.ledger_added,
                f.ledger_removed,
                f.list_now,
                f.list_now_contest,
                f.cards_printed,
                f.cards_reprinted if f.cards_printed is not None else None,
                *f.turnout,
                _c(str(MINUTES_LABELS[f.minutes_status])),
                f.voters_listed,
                f.voters_voted,
                f.ballots_issued,
                f.ballots_received,
                f.ballots_valid,
                f.ballots_invalid,
                _c(" ".join(x.code for x in r.findings)),
                _c("\n".join(x.text() for x in r.findings)),
            ]
        )
    summary = wb.create_sheet(_("By unit"))
    start_sheet(summary, rehearsal)
    _header(
        summary,
        [
            _("Code"),
            _("Unit"),
            _("Polling areas"),
            _("green"),
            _("amber"),
            _("red"),
            _("Need attention"),
        ],
    )
    for c in [*board.children, board.total]:
        summary.append(
            [_c(c.unit.code), _c(c.unit.name), c.areas, c.green, c.amber, c.red, c.attention]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
