"""The minutes and reports, pre-filled and exact: Election Board minutes of a constituency
(Mẫu 26/HĐBC-HĐND; the NA Board form), the Committee's minutes of a contest (Mẫu 27/HĐBC-HĐND;
Mẫu 22/HĐBC-QH with its table per constituency) as PDF ready to sign, and the working copies
as XLSX. Every figure comes from selectors.compute_results; nothing is recomputed here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from common.rehearsal import mark_workbook, pdf_subject, stamp_page, start_sheet
from common.spreadsheet import safe_cell
from common.vn import format_int, format_percent, percent
from election.models import Constituency, Election
from printing.layouts.fonts import BOLD, REGULAR, register
from results.selectors import ConstituencyResult, ContestSummary

NA = "national_assembly"

# Form numbers: 2021 from the NEC resolution (26/HĐBC-HĐND, 22/HĐBC-QH, 27/HĐBC-HĐND verified;
# 21/HĐBC-QH inferred); 2026 numbering (19, 24, 20, 25) inferred from the 2026 team forms
# 18/HĐBC-QH and 23/HĐBC-HĐND (domain.md §5.5–5.7).
FORMS = {
    2021: {
        "board_na": "21/HĐBC-QH",
        "board_pc": "26/HĐBC-HĐND",
        "comm_na": "22/HĐBC-QH",
        "comm_pc": "27/HĐBC-HĐND",
    },
    2026: {
        "board_na": "19/HĐBC-QH",
        "board_pc": "24/HĐBC-HĐND",
        "comm_na": "20/HĐBC-QH",
        "comm_pc": "25/HĐBC-HĐND",
    },
}


def form_number(election: Election, kind: str, contest_kind: str) -> str:
    table = FORMS[2026 if election.date.year >= 2026 else 2021]
    return table[f"{kind}_{'na' if contest_kind == NA else 'pc'}"]


def status_line(official: bool) -> str:
    return "KẾT QUẢ CHÍNH THỨC" if official else "KẾT QUẢ TẠM THỜI — CHƯA CÔNG BỐ"


def figures_hash(result: ConstituencyResult) -> str:
    """SHA-256 of the constituency's figures: the same on the PDF, the XLSX and the JSON."""
    data = result.as_json()
    data.pop("notes", None)
    data.pop("status", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def pct(part: int, whole: int) -> str:
    return format_percent(percent(part, whole))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self) -> None:
        register()
        self.body = ParagraphStyle("body", fontName=REGULAR, fontSize=9.5, leading=12.3)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=10)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.hdr = ParagraphStyle("hdr", parent=self.center, fontSize=9, leading=11.5)
        self.hdr_b = ParagraphStyle("hdr_b", parent=self.hdr, fontName=BOLD)
        self.center_b = ParagraphStyle("center_b", parent=self.center, fontName=BOLD)
        self.title = ParagraphStyle(
            "title", parent=self.center_b, fontSize=12, leading=16, spaceBefore=6, spaceAfter=6
        )
        self.right = ParagraphStyle("right", parent=self.small, alignment=TA_RIGHT)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=9, leading=11)
        self.cell_r = ParagraphStyle("cell_r", parent=self.cell, alignment=TA_RIGHT)
        self.cell_b = ParagraphStyle("cell_b", parent=self.cell, fontName=BOLD)
        self.head = ParagraphStyle("head", parent=self.cell_b, alignment=TA_CENTER)
        self.status = ParagraphStyle(
            "status", parent=self.center_b, textColor=colors.HexColor("#a40000")
        )


_STYLES: _Styles | None = None


def styles() -> _Styles:
    global _STYLES
    if _STYLES is None:
        _STYLES = _Styles()
    return _STYLES


def P(text: str, style: ParagraphStyle) -> Paragraph:  # noqa: N802
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _grid(
    rows: list[list[Any]], widths: list[float], head_rows: int = 1, right: tuple[int, ...] = ()
) -> Table:
    """A ruled table; body cells may be plain strings (drawn directly, much faster than
    paragraphs), right-aligned in the columns `right`."""
    t = Table(rows, colWidths=widths, repeatRows=head_rows)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                *[("ALIGN", (c, head_rows), (c, -1), "RIGHT") for c in right],
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, head_rows - 1), colors.HexColor("#eeeeee")),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _header(body_lines: list[str], form: str, official: bool) -> list[Flowable]:
    s = styles()
    left = [P(line, s.hdr_b if i else s.hdr) for i, line in enumerate(body_lines)]
    right = [
        P("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", s.hdr_b),
        P("Độc lập - Tự do - Hạnh phúc", s.hdr_b),
    ]
    t = Table([[left, right]], colWidths=[88 * mm, 90 * mm])
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [P(f"Mẫu số {form}", s.right), t, Spacer(0, 3 * mm), P(status_line(official), s.status)]


def _signatures(left: str, right: str) -> Flowable:
    s = styles()
    t = Table(
        [
            [P(left, s.center_b), P(right, s.center_b)],
            [
                P("(Ký, ghi rõ họ và tên)", s.center),
                P("(Ký, ghi rõ họ và tên, đóng dấu)", s.center),
            ],
            [Spacer(0, 14 * mm), Spacer(0, 14 * mm)],
        ],
        colWidths=[89 * mm, 89 * mm],
    )
    return KeepTogether([Spacer(0, 2 * mm), t])


def _dots(label: str) -> list[Flowable]:
    s = styles()
    return [P(label, s.body), P("." * 150, s.small)]


def board_story(
    result: ConstituencyResult, election: Election, unit_names: list[str]
) -> list[Flowable]:
    """Biên bản xác định kết quả bầu cử ở đơn vị bầu cử (domain.md §5.6)."""
    s = styles()
    const, contest, t = result.constituency, result.contest, result.totals
    d = result.decision
    form = form_number(election, "board", contest.kind)
    story = _header(
        [
            f"ỦY BAN BẦU CỬ {contest.unit.name.upper()}",
            f"BAN BẦU CỬ {contest.name.upper()}",
            f"ĐƠN VỊ BẦU CỬ SỐ {const.number}",
        ],
        form,
        result.official,
    )
    round_word = {"revote": " (BẦU CỬ LẠI)", "main": ""}.get(result.round, "")
    story.append(
        P(
            f"BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ {contest.name.upper()}{round_word}\n"
            f"Ở ĐƠN VỊ BẦU CỬ SỐ {const.number}",
            s.title,
        )
    )
    story.append(P(f"{election.name}", s.center))
    story.append(Spacer(0, 2 * mm))
    story.append(
        P(
            f"Đơn vị bầu cử số {const.number} gồm: {', '.join(unit_names) or '…'}.\n"
            f"Ban bầu cử đã họp vào hồi …… giờ …… ngày …… tháng …… năm {election.date.year} "
            f"để xác định kết quả bầu cử ở đơn vị bầu cử, trên cơ sở {result.reported} biên bản "
            f"kết quả kiểm phiếu của {result.areas} Tổ bầu cử.",
            s.body,
        )
    )
    lines = [
        f"1. Số đại biểu được bầu đã ấn định cho đơn vị bầu cử: {format_int(result.seats)} người.",
        f"2. Số người ứng cử: {format_int(len(result.candidates))} người.",
        f"3. Tổng số cử tri của đơn vị bầu cử: {format_int(t.voters_listed)} người.",
        f"4. Số cử tri đã tham gia bỏ phiếu: {format_int(t.voters_voted)} người, đạt "
        f"{pct(t.voters_voted, t.voters_listed)} so với tổng số cử tri của đơn vị bầu cử.",
        f"5. Số phiếu phát ra: {format_int(t.ballots_issued)} phiếu.",
        f"6. Số phiếu thu vào: {format_int(t.ballots_received)} phiếu.",
        f"7. Số phiếu hợp lệ: {format_int(t.ballots_valid)} phiếu, bằng "
        f"{pct(t.ballots_valid, t.ballots_received)} so với tổng số phiếu thu vào.",
        f"8. Số phiếu không hợp lệ: {format_int(t.ballots_invalid)} phiếu, bằng "
        f"{pct(t.ballots_invalid, t.ballots_received)} so với tổng số phiếu thu vào.",
        "9. Số phiếu bầu cho mỗi người ứng cử:",
    ]
    story += [P(x, s.body) for x in lines]
    rows = [
        [
            P("STT", s.head),
            P("Họ và tên", s.head),
            P("Số phiếu bầu", s.head),
            P("Tỷ lệ % so với tổng số phiếu hợp lệ", s.head),
        ]
    ]
    for i, c in enumerate(result.candidates, 1):
        rows.append(
            [
                str(i),
                f"{c.title} {c.full_name}",
                format_int(c.votes),
                pct(c.votes, t.ballots_valid),
            ]
        )
    story += [
        Spacer(0, 1 * mm),
        _grid(rows, [12 * mm, 86 * mm, 32 * mm, 48 * mm], right=(2, 3)),
        Spacer(0, 2 * mm),
    ]
    story.append(
        P(
            "10. Danh sách những người trúng cử (xếp theo thứ tự từ người có số phiếu cao "
            "nhất đến người có số phiếu thấp nhất):",
            s.body,
        )
    )
    elected = result.elected
    if elected:
        rows = [
            [
                P("STT", s.head),
                P("Họ và tên", s.head),
                P("Số phiếu bầu", s.head),
                P("Tỷ lệ % so với tổng số phiếu hợp lệ", s.head),
            ]
        ]
        for i, c in enumerate(elected, 1):
            votes = c.votes if c.additional_votes is None else c.additional_votes
            base = (
                t.ballots_valid
                if c.additional_votes is None
                else result.additional_totals.ballots_valid
            )
            rows.append(
                [
                    str(i),
                    f"{c.title} {c.full_name}",
                    format_int(votes),
                    pct(votes, base),
                ]
            )
        story += [
            Spacer(0, 1 * mm),
            _grid(rows, [12 * mm, 86 * mm, 32 * mm, 48 * mm], right=(2, 3)),
        ]
    else:
        story.append(P("Không có người trúng cử.", s.body))
    undecided = [c for c in result.candidates if c.undecided]
    if undecided:
        story.append(
            P(
                "Số phiếu bằng nhau, chưa xác định được theo tuổi, đề nghị Ủy ban bầu cử xem xét "
                "quyết định: " + ", ".join(f"{c.title} {c.full_name}" for c in undecided) + ".",
                s.body,
            )
        )
    story.append(Spacer(0, 2 * mm))
    story.append(P("Kết luận:", s.cell_b))
    if d is None:
        story.append(P("Chưa có biên bản kiểm phiếu đã chốt.", s.body))
    elif not d.valid:
        story.append(
            P(
                f"a) Số cử tri đã tham gia bỏ phiếu đạt {pct(t.voters_voted, t.voters_listed)} so "
                "với tổng số cử tri của đơn vị bầu cử, không quá một nửa: cuộc bầu cử tại đơn vị "
                f"bầu cử số {const.number} không có giá trị. Đề nghị Ủy ban bầu cử xem xét, quyết "
                "định việc bầu cử lại.",
                s.body,
            )
        )
    else:
        story.append(
            P(
                f"a) Số cử tri đã tham gia bỏ phiếu đạt {pct(t.voters_voted, t.voters_listed)} so "
                "với tổng số cử tri của đơn vị bầu cử.",
                s.body,
            )
        )
        story.append(
            P(
                "b) Những người trúng cử là những người nhận được quá nửa tổng số phiếu hợp lệ và "
                "có nhiều phiếu hơn.",
                s.body,
            )
        )
        story.append(
            P(
                f"c) Số đại biểu được bầu đã ấn định: {result.seats}; số người trúng cử: "
                f"{len(d.elected)}; số đại biểu còn thiếu: {d.seats_unfilled}"
                + (f" (chưa xác định: {d.seats_undecided})" if d.seats_undecided else "")
                + "."
                + (" Đề nghị bầu cử thêm." if d.needs_additional else ""),
                s.body,
            )
        )
    story.append(Spacer(0, 1 * mm))
    story.append(P("Căn cứ xác định (Luật Bầu cử số 85/2015/QH13, sửa đổi 2025):", s.small))
    story += [P("– " + n, s.small) for n in result.notes]
    story += _dots("Tóm tắt những sự việc quan trọng:")
    story += _dots(
        "Khiếu nại, tố cáo do các Tổ bầu cử, Ban bầu cử đã giải quyết; chuyển đến Ủy ban bầu cử:"
    )
    story.append(
        P(f"Biên bản lập thành 04 bản. Mã kiểm tra số liệu: {figures_hash(result)[:16]}", s.small)
    )
    story.append(_signatures("CÁC PHÓ TRƯỞNG BAN BẦU CỬ", "TRƯỞNG BAN BẦU CỬ"))
    return story


def _footer(text: str, rehearsal: bool = False) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        if rehearsal:
            stamp_page(canvas, *doc.pagesize)
        canvas.saveState()
        canvas.setFont(REGULAR, 7)
        canvas.drawString(15 * mm, 8 * mm, text)
        canvas.drawRightString(195 * mm, 8 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], footer: str, title: str, rehearsal: bool = False) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=9 * mm,
        bottomMargin=12 * mm,
        title=pdf_subject(title, rehearsal),
        author="Baucu",
    )
    on_page = _footer(footer, rehearsal)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def constituency_units(constituencies: Iterable[Constituency]) -> dict[int, list[str]]:
    ids = [c.id for c in constituencies]
    out: dict[int, list[str]] = defaultdict(list)
    through = Constituency.units.through
    for cid, name in (
        through.objects.filter(constituency_id__in=ids)
        .order_by("adminunit__code")
        .values_list("constituency_id", "adminunit__name")
    ):
        out[cid].append(name)
    return out


def _stamp(official: bool) -> str:
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=7)))
    return f"Baucu · {status_line(official)} · lập lúc {now:%H:%M %d/%m/%Y}"


def board_minutes_pdf(result: ConstituencyResult, election: Election) -> bytes:
    units = constituency_units([result.constituency])
    story = board_story(result, election, units.get(result.constituency.id, []))
    return _build(
        story,
        _stamp(result.official),
        f"Biên bản xác định kết quả bầu cử – ĐVBC số {result.constituency.number}",
        election.is_rehearsal,
    )


def committee_story(summary: ContestSummary, election: Election) -> list[Flowable]:
    """Committee minutes of a contest: Mẫu 22/HĐBC-QH (NA, province) or 27/HĐBC-HĐND."""
    s = styles()
    contest, t = summary.contest, summary.totals
    na = contest.kind == NA
    form = form_number(election, "comm", contest.kind)
    story = _header([f"ỦY BAN BẦU CỬ {contest.unit.name.upper()}", ""], form, summary.official)
    title = (
        f"BIÊN BẢN XÁC ĐỊNH KẾT QUẢ BẦU CỬ {contest.name.upper()}\nỞ {contest.unit.name.upper()}"
        if na
        else f"BIÊN BẢN TỔNG KẾT CUỘC BẦU CỬ {contest.name.upper()}"
    )
    story.append(P(title, s.title))
    story.append(P(election.name, s.center))
    lines = [
        f"1. Tổng số đơn vị bầu cử: {format_int(len(summary.results))}.",
        f"2. Tổng số đại biểu được bầu: {format_int(summary.seats)} người.",
        f"3. Tổng số người ứng cử: {format_int(summary.candidates)} người.",
        f"4. Tổng số cử tri: {format_int(t.voters_listed)} người.",
        f"5. Tổng số cử tri đã tham gia bỏ phiếu: {format_int(t.voters_voted)} người, đạt "
        f"{pct(t.voters_voted, t.voters_listed)} so với tổng số cử tri.",
        f"6. Số phiếu hợp lệ: {format_int(t.ballots_valid)} phiếu, bằng "
        f"{pct(t.ballots_valid, t.ballots_received)} so với tổng số phiếu thu vào.",
        f"7. Số phiếu không hợp lệ: {format_int(t.ballots_invalid)} phiếu, bằng "
        f"{pct(t.ballots_invalid, t.ballots_received)} so với tổng số phiếu thu vào.",
        f"8. Số người trúng cử: {format_int(summary.elected)} người.",
        "9. Kết quả ở từng đơn vị bầu cử:",
    ]
    story += [P(x, s.body) for x in lines]
    head = [
        P(h, s.head)
        for h in (
            "Đơn vị bầu cử",
            "Tổng số cử tri",
            "Số cử tri đã bỏ phiếu",
            "Tỷ lệ",
            "Phiếu hợp lệ",
            "Tỷ lệ",
            "Phiếu không hợp lệ",
            "Tỷ lệ",
            "Ghi chú",
        )
    ]
    rows = [head]
    for r in summary.results:
        rt = r.totals
        note = ""
        if r.decision is None:
            note = "Chưa có số liệu"
        elif r.decision.needs_revote:
            note = "Đề nghị bầu cử lại"
        elif r.decision.needs_additional:
            note = "Đề nghị bầu cử thêm"
        elif r.reported < r.areas:
            note = f"{r.reported}/{r.areas} KVBP"
        rows.append(
            [
                f"Số {r.constituency.number}",
                format_int(rt.voters_listed),
                format_int(rt.voters_voted),
                pct(rt.voters_voted, rt.voters_listed),
                format_int(rt.ballots_valid),
                pct(rt.ballots_valid, rt.ballots_received),
                format_int(rt.ballots_invalid),
                pct(rt.ballots_invalid, rt.ballots_received),
                P(note, s.cell),
            ]
        )
    w = [17, 20, 20, 17, 20, 17, 17, 17, 33]
    story += [
        Spacer(0, 1 * mm),
        _grid(rows, [x * mm for x in w], right=(1, 2, 3, 4, 5, 6, 7)),
        Spacer(0, 2 * mm),
    ]
    story.append(
        P(
            "10. Số phiếu bầu cho mỗi người ứng cử và danh sách người trúng cử ở từng "
            "đơn vị bầu cử:",
            s.body,
        )
    )
    for r in summary.results:
        rows = [
            [
                P(f"Đơn vị bầu cử số {r.constituency.number} ({r.seats} đại biểu)", s.cell_b),
                P("Số phiếu", s.head),
                P("Tỷ lệ", s.head),
                P("Trúng cử", s.head),
            ]
        ]
        for c in r.candidates:
            rows.append(
                [
                    f"{c.title} {c.full_name}",
                    format_int(c.votes),
                    pct(c.votes, r.totals.ballots_valid),
                    P("x" if c.elected else ("?" if c.undecided else ""), s.center),
                ]
            )
        story += [
            Spacer(0, 1 * mm),
            _grid(rows, [100 * mm, 28 * mm, 28 * mm, 22 * mm], right=(1, 2)),
        ]
    revote = [r for r in summary.results if r.decision and r.decision.needs_revote]
    additional = [r for r in summary.results if r.decision and r.decision.needs_additional]
    story.append(Spacer(0, 2 * mm))
    story.append(
        P(
            "11. Đơn vị bầu cử phải bầu cử lại: "
            + (", ".join(f"số {r.constituency.number}" for r in revote) or "không có")
            + ".",
            s.body,
        )
    )
    story.append(
        P(
            "12. Đơn vị bầu cử phải bầu cử thêm: "
            + (", ".join(f"số {r.constituency.number}" for r in additional) or "không có")
            + ".",
            s.body,
        )
    )
    story += _dots("Những sự việc quan trọng; khiếu nại, tố cáo đã giải quyết:")
    story.append(P(f"Biên bản lập thành {'04' if na else '06'} bản.", s.small))
    story.append(_signatures("CÁC PHÓ CHỦ TỊCH", "CHỦ TỊCH ỦY BAN BẦU CỬ"))
    return story


def committee_minutes_pdf(summary: ContestSummary, election: Election) -> bytes:
    return _build(
        committee_story(summary, election),
        _stamp(summary.official),
        f"Biên bản của Ủy ban bầu cử – {summary.contest.code}",
        election.is_rehearsal,
    )


def election_pdf(
    summaries: list[ContestSummary], election: Election, with_boards: bool = True
) -> bytes:
    """All committee minutes, each followed by its Boards' minutes, in one file."""
    units = constituency_units([r.constituency for s in summaries for r in s.results])
    story: list[Flowable] = []
    for summary in summaries:
        if story:
            story.append(PageBreak())
        story += committee_story(summary, election)
        if with_boards:
            for r in summary.results:
                story.append(PageBreak())
                story += board_story(r, election, units.get(r.constituency.id, []))
    official = bool(summaries) and all(s.official for s in summaries)
    title = f"Kết quả bầu cử – {election.slug}"
    return _build(story, _stamp(official), title, election.is_rehearsal)


def printed_texts(summaries: list[ContestSummary], election: Election) -> list[str]:
    """Every variable text the PDFs print (for the glyph check)."""
    out = [election.name]
    for s in summaries:
        out += [s.contest.name, s.contest.name.upper(), s.contest.unit.name.upper()]
        for r in s.results:
            out += [f"{c.title} {c.full_name}" for c in r.candidates] + r.notes
    return out


# --------------------------------------------------------------------------------------------
# XLSX (officials' working copies)
# --------------------------------------------------------------------------------------------


def results_xlsx(summaries: list[ContestSummary], election: Election) -> bytes:
    """Sheets: Đơn vị bầu cử (one row per constituency), Người ứng cử (one row per candidate).
    Numbers are numbers, percentages are the same two-decimal figures as the JSON; every text
    cell goes through safe_cell."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    official = bool(summaries) and all(s.official for s in summaries)

    def header(ws: Any, titles: list[str]) -> None:
        start_sheet(ws, election.is_rehearsal)
        ws.append([safe_cell(f"{election.name} — {status_line(official)}")])
        cells = []
        for t in titles:
            from openpyxl.cell import WriteOnlyCell

            c = WriteOnlyCell(ws, value=safe_cell(t))
            c.font = bold
            c.alignment = Alignment(wrap_text=True)
            cells.append(c)
        ws.append(cells)

    def p(part: int, whole: int) -> float | None:
        v = percent(part, whole)
        return None if v is None else float(v)

    ws = wb.create_sheet("Đơn vị bầu cử")
    header(
        ws,
        [
            "Cuộc bầu cử",
            "Mã",
            "Đơn vị bầu cử số",
            "Tên",
            "Số đại biểu",
            "Số KVBP",
            "KVBP đã chốt",
            "Tổng số cử tri",
            "Cử tri đã bỏ phiếu",
            "Tỷ lệ (%)",
            "Phiếu phát ra",
            "Phiếu thu vào",
            "Phiếu hợp lệ",
            "Tỷ lệ hợp lệ (%)",
            "Phiếu không hợp lệ",
            "Tỷ lệ không hợp lệ (%)",
            "Số trúng cử",
            "Còn thiếu",
            "Bầu cử lại",
            "Bầu cử thêm",
            "Trạng thái",
            "Mã kiểm tra",
        ],
    )
    for s in summaries:
        for r in s.results:
            t, d = r.totals, r.decision
            ws.append(
                [
                    safe_cell(s.contest.name),
                    safe_cell(s.contest.code),
                    r.constituency.number,
                    safe_cell(r.constituency.name),
                    r.seats,
                    r.areas,
                    r.reported,
                    t.voters_listed,
                    t.voters_voted,
                    p(t.voters_voted, t.voters_listed),
                    t.ballots_issued,
                    t.ballots_received,
                    t.ballots_valid,
                    p(t.ballots_valid, t.ballots_received),
                    t.ballots_invalid,
                    p(t.ballots_invalid, t.ballots_received),
                    len(d.elected) if d else 0,
                    d.seats_unfilled if d else r.seats,
                    "x" if d and d.needs_revote else "",
                    "x" if d and d.needs_additional else "",
                    safe_cell("chính thức" if r.official else "tạm thời"),
                    safe_cell(figures_hash(r)[:16]),
                ]
            )
    ws = wb.create_sheet("Người ứng cử")
    header(
        ws,
        [
            "Mã",
            "Đơn vị bầu cử số",
            "Xếp hạng",
            "Họ và tên",
            "Số phiếu",
            "Tỷ lệ so với phiếu hợp lệ (%)",
            "Trúng cử",
        ],
    )
    for s in summaries:
        for r in s.results:
            for i, c in enumerate(r.candidates, 1):
                ws.append(
                    [
                        safe_cell(s.contest.code),
                        r.constituency.number,
                        i,
                        safe_cell(f"{c.title} {c.full_name}"),
                        c.votes,
                        p(c.votes, r.totals.ballots_valid),
                        "x" if c.elected else ("?" if c.undecided else ""),
                    ]
                )
    ws = wb.create_sheet("Căn cứ")
    header(ws, ["Mã", "Đơn vị bầu cử số", "Căn cứ xác định"])
    for s in summaries:
        for r in s.results:
            for n in r.notes:
                ws.append([safe_cell(s.contest.code), r.constituency.number, safe_cell(n)])
    mark_workbook(wb, election.is_rehearsal)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
