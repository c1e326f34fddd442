"""The rejected rows of an import as an XLSX: the row as it was, bad cells filled red, and
the row number, column and reason in Vietnamese. Every text cell goes through safe_cell."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from common.rehearsal import mark_workbook, start_sheet
from common.spreadsheet import safe_cell
from voters import rules

BAD = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)
# The template column of each of rules.PARSED_FIELDS (birth_year folds into the birth column).
_TEMPLATE_KEY = {"birth_date": "birth", "birth_year": None, "polling_area_id": "area_code"}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return safe_cell(value)
    return value


def build_error_workbook(
    result: Any, area_codes: dict[int, str] | None = None, *, rehearsal: bool = False
) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "Dòng bị từ chối"
    start_sheet(ws, rehearsal)
    mark_workbook(wb, rehearsal)
    headers = list(rules.TEMPLATE_HEADERS)
    keys = list(rules.COLUMNS)
    ws.append([*[_cell(h) for h in headers], "Dòng trong tệp", "Lỗi"])
    head_row = ws.max_row
    for c in ws[head_row]:
        c.font = BOLD
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in result.errors:
        by_row[e["row"]].append(e)
    header_map = getattr(result, "header_map", {}) or {}
    for row_no in sorted(by_row):
        raw = result.bad_rows.get(row_no)
        values: dict[str, Any] = {}
        if raw and raw[0] == "__parsed__":
            parsed = dict(zip(rules.PARSED_FIELDS, raw[1:], strict=False))
            for column, value in parsed.items():
                key = _TEMPLATE_KEY.get(column, column)
                if key is None:
                    continue
                if key == "area_code" and area_codes is not None:
                    value = area_codes.get(value, value)
                values[key] = value
            if values.get("birth") is None:
                values["birth"] = parsed.get("birth_year")
            if values.get("sex") in ("M", "F"):
                values["sex"] = "Nam" if values["sex"] == "M" else "Nữ"
        elif raw:
            values = {k: raw[i] if i < len(raw) else None for k, i in header_map.items()}
        line = [_cell(values.get(k)) for k in keys]
        errs = by_row[row_no]
        line += [row_no, _cell("; ".join(f"{e['column']}: {e['reason']}" for e in errs))]
        ws.append(line)
        bad_cols = {e["column"] for e in errs}
        for i, h in enumerate(headers):
            if h in bad_cols:
                ws.cell(row=ws.max_row, column=i + 1).fill = BAD
    for i, width in enumerate([16, 26, 12, 9, 9, 16, 30, 30, 14, 14, 12, 14, 10, 60], start=1):
        ws.column_dimensions[ws.cell(row=head_row, column=i).column_letter].width = width
    ws.freeze_panes = f"A{head_row + 1}"
    return wb


def write_error_report(
    result: Any, path: Path, area_codes: dict[int, str] | None = None, *, rehearsal: bool = False
) -> None:
    build_error_workbook(result, area_codes, rehearsal=rehearsal).save(path)


def error_report_bytes(result: Any, area_codes: dict[int, str] | None = None) -> bytes:
    buf = io.BytesIO()
    build_error_workbook(result, area_codes).save(buf)
    return buf.getvalue()
