"""Benchmark: voter cards (with Code128 and QR) and posted lists, against a bare reportlab canvas.

    .venv/bin/python bench/print_cards.py            # 40,000 cards over 10 polling areas
    .venv/bin/python bench/print_cards.py --quick    # 8,000 cards over 4 areas (< 2 min)

Each polling area is rendered in its own spawned process (as a Celery task would be), so the
peak memory reported is that of one task. The same run measures a baseline: a bare canvas
drawing the same texts, one card per page, with no form, frame or barcode. The last line of
the output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Ngọc", "Minh", "Thị Ngọc", "Hữu", "Đức", "Thị Thu", ""]
GIVEN = ["Ánh", "Hường", "Ưng", "Yến", "Dũng", "Hạnh", "Phúc", "Quyên", "Đạt", "Sửu", "Ơn"]
STREETS = ["Hai Bà Trưng", "Trần Quang Khải", "Nguyễn Đình Chiểu", "Lê Văn Sỹ", "Đinh Tiên Hoàng"]


def _setup() -> None:
    import django

    django.setup()


def _header(i: int):
    from printing.layouts.data import AreaHeader
    from printing.rules import election_title

    return AreaHeader(
        election_title=election_title(2021),
        year=2021,
        area_code=f"26734-{i + 1:02d}",
        area_number=i + 1,
        commune_name="Phường Tân Định",
        province_name="Thành phố Hồ Chí Minh",
        district_name="Quận 1",
    )


def _people(n: int, seed: int):
    out = []
    for k in range(n):
        j = k + seed * 7919
        name = " ".join(
            p for p in (FAMILY[j % 11], MIDDLE[(j // 11) % 9], GIVEN[(j // 99) % 11]) if p
        )
        birth = f"{1 + j % 28:02d}/{1 + j % 12:02d}/{1940 + j % 63}"
        address = f"Số {1 + j % 300} đường {STREETS[j % 5]}, khu phố {1 + j % 9}, phường Tân Định"
        out.append((k + 1, name, birth, j % 2 == 0, address))
    return out


def _render_cards(i, n, outdir, barcode, per_sheet, qr_code=None):
    from printing.layouts.cards import render_cards
    from printing.layouts.data import CardRow

    rows = [CardRow(s, nm, b, "Nam" if m else "Nữ", a) for s, nm, b, m, a in _people(n, i)]
    header = _header(i)
    qr_code = barcode if qr_code is None else qr_code
    path = Path(outdir) / f"{header.area_code}-{per_sheet}-{int(barcode)}-{int(qr_code)}.pdf"
    t0, c0 = time.perf_counter(), time.process_time()
    render_cards(header, rows, str(path), barcode=barcode, per_sheet=per_sheet, qr_code=qr_code)
    return time.perf_counter() - t0, path.stat().st_size, time.process_time() - c0


def _render_baseline(i, n, outdir):
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from printing.layouts.fonts import register

    regular, bold = register()
    people = _people(n, i)
    t0, c0 = time.perf_counter(), time.process_time()
    c = Canvas(str(Path(outdir) / f"base-{i}.pdf"), pagesize=(148 * mm, 105 * mm), invariant=1)
    for stt, name, birth, male, address in people:
        c.setFont(bold, 10.5)
        c.drawString(30 * mm, 60 * mm, name)
        c.setFont(bold, 9)
        c.drawString(45 * mm, 55 * mm, birth)
        c.drawString(25 * mm, 50 * mm, "Nam" if male else "Nữ")
        c.setFont(regular, 9)
        c.drawString(25 * mm, 45 * mm, address)
        c.drawString(30 * mm, 35 * mm, str(stt))
        c.showPage()
    c.save()
    return time.perf_counter() - t0, 0, time.process_time() - c0


def _render_list(i, n, outdir):
    from printing.layouts.data import ContestColumn, ListDocument, ListRow
    from printing.layouts.voter_list import render_voter_list

    cols = [
        ContestColumn("Bầu cử ĐBQH", False, "đại biểu Quốc hội"),
        ContestColumn("Tỉnh", True, "đại biểu HĐND tỉnh"),
        ContestColumn("Huyện", True, "đại biểu HĐND huyện"),
        ContestColumn("Xã", True, "đại biểu HĐND xã"),
    ]
    rows = [
        ListRow(s, nm, b, m, "Kinh", "Công nhân", a, "", (True, True, True, s % 9 != 0))
        for s, nm, b, m, a in _people(n, i)
    ]
    doc = ListDocument(_header(i), cols, rows)
    t0, c0 = time.perf_counter(), time.process_time()
    pages = render_voter_list(doc, str(Path(outdir) / f"list-{i}.pdf"))
    return time.perf_counter() - t0, pages, time.process_time() - c0


def _worker(args):
    """A long-lived worker (like a Celery worker process): warm up once, then render each
    polling area of its share in turn, every variant of an area one after the other (on a
    shared machine the load changes by the minute: interleaving keeps the ratios between
    variants fair); returns the render times per variant and its peak memory."""
    variants, areas, n, outdir = args
    _setup()
    from printing.layouts.fonts import register

    register()
    _render_cards(999, 8, outdir, True, 1)  # warm-up: font parsing, imports
    out: dict[str, list] = {name: [] for name, _, _ in variants}
    for i in areas:
        for name, kind, opts in variants:
            if kind == "cards":
                out[name].append(_render_cards(i, n, outdir, *opts))
            elif kind == "baseline":
                out[name].append(_render_baseline(i, n, outdir))
            else:
                out[name].append(_render_list(i, n, outdir))
    return out, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(ctx, variants, shares, n, outdir):
    with ctx.Pool(len(shares)) as pool:
        return pool.map(_worker, [(variants, s, n, outdir) for s in shares], chunksize=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cards", type=int, default=40_000)
    ap.add_argument("--areas", type=int, default=10)
    ap.add_argument("--list-rows", type=int, default=8_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="8,000 cards over 4 areas")
    a = ap.parse_args()
    if a.quick:
        a.cards, a.areas, a.list_rows = 8_000, 4, 4_000
    per_area = a.cards // a.areas
    areas = list(range(a.areas))
    ctx = mp.get_context("spawn")
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        # One worker, the areas one after the other: throughput per core.
        [(one, one_mb)] = _run(
            ctx,
            [
                ("a6", "cards", (True, 1)),
                ("four", "cards", (True, 4)),
                ("base", "baseline", ()),
            ],
            [areas],
            per_area,
            tmp,
        )
        seq, four, base = one["a6"], one["four"], one["base"]
        [(two, _)] = _run(
            ctx,
            [("nobar", "cards", (False, 1)), ("noqr", "cards", (True, 1, False))],
            [areas[:2]],
            per_area,
            tmp,
        )
        nobar, noqr = two["nobar"], two["noqr"]
        list_areas = max(1, a.list_rows // per_area)
        [(lists_out, list_mb)] = _run(
            ctx, [("list", "list", ())], [list(range(list_areas))], per_area, tmp
        )
        lists = lists_out["list"]
        # `workers` workers at once, the areas shared out: wall-clock throughput.
        shares = [areas[w :: a.workers] for w in range(a.workers)]
        par = [
            (w["a6"], mb)
            for w, mb in _run(ctx, [("a6", "cards", (True, 1))], shares, per_area, tmp)
        ]
        par_4 = [
            (w["four"], mb)
            for w, mb in _run(ctx, [("four", "cards", (True, 4))], shares, per_area, tmp)
        ]
    cards = per_area * a.areas
    cps = cards / sum(r[0] for r in seq)
    # Per CPU-second of the worker: what a core gives when it is not shared (the wall-clock
    # figures above drop when other processes take the cores).
    cpu_cps = cards / sum(r[2] for r in seq)
    cpu_cps_4 = cards / sum(r[2] for r in four)
    cpu_base = cards / sum(r[2] for r in base)
    cps_4 = cards / sum(r[0] for r in four)
    base_cps = cards / sum(r[0] for r in base)
    nobar_cps = 2 * per_area / sum(r[0] for r in nobar)
    noqr_cps = 2 * per_area / sum(r[0] for r in noqr)
    par_cps = cards / max(sum(r[0] for r in w[0]) for w in par)
    par_cps_4 = cards / max(sum(r[0] for r in w[0]) for w in par_4)
    rows_ps = per_area * list_areas / sum(r[0] for r in lists)
    peak = max([one_mb, list_mb] + [w[1] for w in par + par_4])
    result = {
        "cards": cards,
        "areas": a.areas,
        "cards_per_s": round(cps),
        "cards_per_s_4_per_sheet": round(cps_4),
        "cards_per_s_no_barcode": round(nobar_cps),
        "cards_per_s_no_qr": round(noqr_cps),
        "baseline_cards_per_s": round(base_cps),
        "ratio_vs_baseline": round(cps / base_cps, 3),
        "cards_per_cpu_s": round(cpu_cps),
        "cards_per_cpu_s_4_per_sheet": round(cpu_cps_4),
        "baseline_cards_per_cpu_s": round(cpu_base),
        "ratio_vs_baseline_cpu": round(cpu_cps / cpu_base, 3),
        f"cards_per_s_{a.workers}_workers": round(par_cps),
        f"cards_per_s_{a.workers}_workers_4_per_sheet": round(par_cps_4),
        "projected_minutes_9_6M_on_2_workers": round(9_600_000 / par_cps / 60, 1),
        "projected_minutes_9_6M_on_2_workers_4_per_sheet": round(9_600_000 / par_cps_4 / 60, 1),
        # From the one-worker figures: two cores that are not shared with anything else.
        "projected_minutes_9_6M_2_cores_from_per_core": round(9_600_000 / (2 * cps) / 60, 1),
        "projected_minutes_9_6M_2_cores_from_per_core_4_per_sheet": round(
            9_600_000 / (2 * cps_4) / 60, 1
        ),
        "projected_minutes_9_6M_2_cores_from_cpu_time": round(9_600_000 / (2 * cpu_cps) / 60, 1),
        "peak_mb": round(peak, 1),
        "bytes_per_card": round(sum(r[1] for r in seq) / cards),
        "list_rows_per_s": round(rows_ps),
        "list_pages": sum(r[1] for r in lists),
    }
    print(
        f"cards: {cards} in {a.areas} areas · {cps:,.0f} cards/s per core "
        f"({cps_4:,.0f} 4 per sheet, {nobar_cps:,.0f} without barcode) · "
        f"baseline {base_cps:,.0f}/s · per CPU-second {cpu_cps:,.0f} "
        f"(baseline {cpu_base:,.0f}) · {a.workers} workers {par_cps:,.0f}/s "
        f"({par_cps_4:,.0f} 4 per sheet) · lists {rows_ps:,.0f} rows/s · "
        f"peak {peak:.0f} MB per task"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (other processes share the cores)")
    result["load_average_1min_start"] = round(load_start, 2)
    result["load_average_1min"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
