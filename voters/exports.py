"""Spreadsheets of voter lists and reports. Every text cell goes through common.spreadsheet
.safe_cell, so a name or address starting with = + - @ is never run as a formula."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from common.rehearsal import mark_workbook, start_sheet
from common.spreadsheet import safe_cell
from common.vn import format_date
from voters import rules
from voters.services.error_report import build_error_workbook

BOLD = Font(bold=True)


def _c(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def _save(wb: Workbook, election: Any = None) -> bytes:
    mark_workbook(wb, bool(election and election.is_rehearsal))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_xlsx(election: Any = None) -> bytes:
    """The import template (formats.md §2) with one example row (a rehearsal's carries the
    banner above the headers: the import takes the first row holding the headers)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách cử tri"
    start_sheet(ws, bool(election and election.is_rehearsal))
    ws.append(list(rules.TEMPLATE_HEADERS))
    head_row = ws.max_row
    for c in ws[head_row]:
        c.font = BOLD
    ws.append(
        [
            "079085000001",
            "Nguyễn Văn An",
            "12/03/1985",
            "Nam",
            "Kinh",
            "Kỹ sư",
            "12 Hai Bà Trưng, Phường Tân Định",
            "",
            "",
            "26734-01",
            "H0001",
            "Chủ hộ",
        ]
    )
    for col in "ABCDEFGHIJKL":
        ws.column_dimensions[col].width = 20
    for row in ws.iter_rows(min_row=head_row + 1):
        for c in row:
            c.number_format = "@"
    return _save(wb, election)


def template_csv(election: Any = None) -> bytes:
    """The import template as CSV (formats.md §2): the header row only, UTF-8 with a byte order
    mark so that spreadsheet programs read the accents; a rehearsal's has the banner above the
    headers (the import takes the first row holding the headers)."""
    import csv

    from common.rehearsal import NOTICE

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    if election is not None and election.is_rehearsal:
        writer.writerow([NOTICE])
    writer.writerow(rules.TEMPLATE_HEADERS)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def area_list_xlsx(*, election: Any, area: Any, voters: Iterable[Any]) -> bytes:
    """The list of a polling area in the columns of Mẫu 33 (write-only: any size)."""
    from voters.selectors import area_contest_tiers, rollup_area

    tiers = {cid: t for _a, cid, t in area_contest_tiers(election=election, area_ids=[area.id])}
    footer = rollup_area(election=election, area=area)
    contests = [c for c, _n in footer["contests"]]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách")
    start_sheet(ws, election.is_rehearsal)
    ws.append([_c(f"DANH SÁCH CỬ TRI · {election.name}")])
    ws.append([_c(f"Khu vực bỏ phiếu {area.code} · {area.name} · {area.unit.name}")])
    ws.append(
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Nam",
            "Nữ",
            "Dân tộc",
            "Nghề nghiệp",
            "Thường trú",
            "Tạm trú",
            *[_c(c.name) for c in contests],
            "Ghi chú",
        ]
    )
    for v in voters:
        born = format_date(v.birth_date) if v.birth_date else str(v.birth_year)
        ws.append(
            [
                v.stt,
                _c(v.full_name),
                born,
                "x" if v.sex == "M" else "",
                "x" if v.sex == "F" else "",
                _c(v.ethnicity),
                _c(v.occupation),
                _c(v.permanent_address if not v.temporary_address else ""),
                _c(v.temporary_address),
                *[
                    "x"
                    if v.status == "listed" and rules.takes_part(v.contest_scope, tiers[c.id])
                    else ""
                    for c in contests
                ],
                _c(v.note),
            ]
        )
    ws.append([])
    ws.append(["Tổng số cử tri", footer["total"], "Nam", footer["M"], "Nữ", footer["F"]])
    for c, n in footer["contests"]:
        ws.append([_c(c.name), n])
    return _save(wb, election)


def rollup_xlsx(*, election: Any, unit: Any, data: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp cử tri"
    start_sheet(ws, election.is_rehearsal)
    ws.append([_c(f"TỔNG HỢP SỐ CỬ TRI · {unit.name}")])
    ws.append([_c(election.name)])
    head = ["Mã", "Đơn vị / Khu vực bỏ phiếu", "Tổng số cử tri", "Nam", "Nữ"]
    head += [_c(c.name) for c in data["contests"]]
    ws.append(head)
    for c in ws[ws.max_row]:
        c.font = BOLD
    for r in data["rows"]:
        obj = r["obj"]
        code = obj.code if r["kind"] == "unit" else obj["code"]
        name = obj.name if r["kind"] == "unit" else obj["name"]
        ws.append([_c(code), _c(name), r["total"], r["M"], r["F"], *r["contest_list"]])
    t = data["total"]
    ws.append(["", "Tổng cộng", t["total"], t["M"], t["F"], *t["contest_list"]])
    for c in ws[ws.max_row]:
        c.font = BOLD
    ws.column_dimensions["B"].width = 36
    return _save(wb, election)


def changes_xlsx(
    *,
    election: Any,
    unit: Any,
    report: dict[str, Any],
    kinds: list[tuple[str, str]],
    start: dt.date,
    end: dt.date,
    grounds: list[tuple[str, str]] | None = None,
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Biến động cử tri"
    start_sheet(ws, election.is_rehearsal)
    ws.append([_c(f"BÁO CÁO BIẾN ĐỘNG CỬ TRI · {unit.name}")])
    ws.append([_c(f"Từ {format_date(start)} đến {format_date(end)} · {election.name}")])
    ws.append(["Khu vực", "Đầu kỳ", "Tăng", "Giảm", "Cuối kỳ", *[_c(label) for _k, label in kinds]])
    for c in ws[ws.max_row]:
        c.font = BOLD
        c.alignment = Alignment(wrap_text=True)
    for r in report["areas"]:
        ws.append(
            [_c(r["area"].code), r["start"], r["added"], r["removed"], r["end"], *r["kind_list"]]
        )
    t = report["totals"]
    ws.append(["Tổng cộng", t["start"], t["added"], t["removed"], t["end"], *t["kind_list"]])
    if grounds:  # removals as ineligible by their Art 30(1) ground, on a sheet of their own
        gs = wb.create_sheet("Căn cứ Điều 30")
        start_sheet(gs, election.is_rehearsal)
        gs.append(["Không đủ điều kiện (khoản 1 Điều 30 Luật Bầu cử), theo căn cứ"])
        gs.append(["Khu vực", *[_c(label) for _k, label in grounds]])
        for c in gs[gs.max_row]:
            c.font = BOLD
            c.alignment = Alignment(wrap_text=True)
        for r in report["areas"]:
            gs.append([_c(r["area"].code), *r["ground_list"]])
        gs.append(["Tổng cộng", *t["ground_list"]])
    if report["events"]:
        names = wb.create_sheet("Danh sách biến động")
        start_sheet(names, election.is_rehearsal)
        names.append(["Khu vực", "STT", "Họ và tên", "Ngày sinh", "Biến động", "Lý do", "Ghi chú",
                      "Thời điểm"])  # fmt: skip
        for e in report["events"]:
            v = e.voter
            names.append(
                [
                    _c(e.polling_area.code),
                    v.stt,
                    _c(v.full_name),
                    format_date(v.birth_date) if v.birth_date else str(v.birth_year),
                    _c(str(e.get_kind_display())),
                    _c(str(e.get_reason_display()) if e.reason else ""),
                    _c(e.note),
                    e.at.astimezone(rules.VN_TZ).strftime("%d/%m/%Y %H:%M"),
                ]
            )
    return _save(wb, election)


def import_errors_xlsx(imp: Any) -> bytes:
    """The rejected rows of an import, bad cells highlighted (from the stored check result)."""
    data = imp.result or {}
    bad = {int(k): v for k, v in (data.get("bad_rows") or {}).items()}
    result = SimpleNamespace(
        errors=imp.errors or [], bad_rows=bad, header_map=data.get("header_map") or {}
    )
    from election.models import PollingArea

    codes = dict(PollingArea.objects.filter(election=imp.election).values_list("id", "code"))
    codes.update({str(k): v for k, v in codes.items()})
    return _save(build_error_workbook(result, codes, rehearsal=imp.election.is_rehearsal))
