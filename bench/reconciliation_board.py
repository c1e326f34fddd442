"""Benchmark of the reconciliation board (issue 8). Not a test: prints figures, last line one
JSON object.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baucu_recon .venv/bin/python \
        bench/reconciliation_board.py [--quick]

A city-scale election (election.demo.build_definition(shape, "city"); --quick uses hcm-2021,
otherwise hcm-2026) is imported once. Then, for every polling area, synthetic rows stand for a
whole election day, written in bulk (the board reads summaries, not voters):
- the per-area voter summary (VoterAreaCount: sex × contest scope),
- changes since posting: CHANGES_PER_AREA voters added or removed per area (Voter + VoterEvent),
- one card print (PrintedFile) per area,
- one turnout report per slot and "closed",
- one definitive count minute per area × contest, consistent with the rest,
then FAULTS areas get one broken link each (the board must flag exactly those).
Measured in the same run:
- board_city_s: board_unscoped() for the city (every area × contest, evaluated);
- board_ward_s: the same for one ward;
- document_s: the API document of the city (JSON-ready dict);
- xlsx_s: the XLSX export of the city;
- baseline_s: the raw reads the board needs, as plain SQL (no Python evaluation);
- queries: number of SQL queries of one city board.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_election import ensure_election, setup_django  # noqa: E402

CHANGES_PER_AREA = 6  # additions/removals since posting per area (realistic: ~0.5 % of a list)
FAULTS = 40  # areas with one broken link each


def load_day(election) -> dict[str, int]:  # noqa: ANN001, C901
    """Synthetic consistent day for every area; returns counts of rows written."""
    from django.db import transaction

    from common.jobs import job_create
    from election.models import PollingAreaConstituency
    from printing.models import PrintedFile
    from realtime.models import TurnoutReport
    from realtime.rules import slot_keys
    from results.models import CountMinutes
    from voters.models import Voter, VoterAreaCount, VoterEvent
    from voters.rules import VN_TZ, posting_date

    rng = random.Random(11)
    areas = list(election.polling_areas.order_by("id").values_list("id", "voters_estimate"))
    with transaction.atomic():
        for model in (CountMinutes, TurnoutReport, PrintedFile):
            model.objects.filter(polling_area__election=election).delete()
        VoterEvent.objects.filter(election=election).delete()
        Voter.objects.filter(election=election).delete()
        VoterAreaCount.objects.filter(election=election).delete()
    keys = slot_keys(election.turnout_slots)
    after = dt.datetime.combine(posting_date(election.date), dt.time(9), tzinfo=VN_TZ)
    job = job_create(kind="print_cards", election_id=election.id)
    counts, voters, reports, prints = [], [], [], []
    final: dict[int, int] = {}
    size: dict[int, int] = {}
    n_id = 0
    for area_id, estimate in areas:
        n = estimate or 1500
        size[area_id] = n
        female = n // 2
        counts += [
            VoterAreaCount(election=election, polling_area_id=area_id, sex="F",
                           contest_scope="all", n=female),
            VoterAreaCount(election=election, polling_area_id=area_id, sex="M",
                           contest_scope="all", n=n - female),
        ]  # fmt: skip
        for k in range(CHANGES_PER_AREA):
            n_id += 1
            voters.append(
                Voter(
                    election=election, polling_area_id=area_id, stt=100000 + k,
                    national_id=f"9{n_id:011d}", full_name="x", search_key="x",
                    birth_year=1980, sex="M", residence="permanent",
                    status="listed" if k % 2 == 0 else "removed",
                )
            )  # fmt: skip
        prints.append(
            PrintedFile(job=job, polling_area_id=area_id, kind="cards", path="x", sha256="0",
                        items=n, pages=n, size=1)
        )  # fmt: skip
        voted = n - rng.randint(1, max(2, n // 50))
        final[area_id] = voted
        for i, key in enumerate(keys):
            reports.append(
                TurnoutReport(election=election, polling_area_id=area_id, slot=key,
                              voted=voted * (i + 1) // len(keys), listed=n,
                              reported_at=after)
            )  # fmt: skip
    with transaction.atomic():
        VoterAreaCount.objects.bulk_create(counts, batch_size=5000)
        Voter.objects.bulk_create(voters, batch_size=5000)
        events = [
            VoterEvent(election=election, polling_area_id=v.polling_area_id, voter_id=v.id,
                       kind="added" if v.status == "listed" else "removed",
                       delta=1 if v.status == "listed" else -1, at=after)
            for v in Voter.objects.filter(election=election).only("id", "polling_area_id", "status")
        ]  # fmt: skip
        VoterEvent.objects.bulk_create(events, batch_size=5000)
        PrintedFile.objects.bulk_create(prints, batch_size=5000)
        TurnoutReport.objects.bulk_create(reports, batch_size=5000)
    # the list now = estimate + the added half of the changes (removed ones are not listed)
    added = CHANGES_PER_AREA - CHANGES_PER_AREA // 2
    minutes = []
    for area_id, contest_id, const_id in PollingAreaConstituency.objects.filter(
        polling_area__election=election
    ).values_list("polling_area_id", "contest_id", "constituency_id"):
        listed = size[area_id]
        voted = final[area_id]
        minutes.append(
            CountMinutes(polling_area_id=area_id, contest_id=contest_id, constituency_id=const_id,
                         status="definitive", version=1, voters_listed=listed, voters_voted=voted,
                         ballots_issued=voted, ballots_received=voted, ballots_valid=voted,
                         ballots_invalid=0)
        )  # fmt: skip
    with transaction.atomic():
        CountMinutes.objects.bulk_create(minutes, batch_size=5000)
        # the voters added since posting are on the list now: count them in the summary
        VoterAreaCount.objects.filter(election=election, sex="M").update(n=models_f("n") + added)
        # the cards were printed after the changes (cards = the list now) and the minutes
        # counted the list now
        PrintedFile.objects.filter(polling_area__election=election).update(
            items=models_f("items") + added
        )
        CountMinutes.objects.filter(polling_area__election=election).update(
            voters_listed=models_f("voters_listed") + added
        )
    return {
        "areas": len(areas),
        "events": len(events),
        "turnout_reports": len(reports),
        "minutes": len(minutes),
    }


def models_f(name: str):  # noqa: ANN201
    from django.db.models import F

    return F(name)


def inject_faults(election) -> set[str]:  # noqa: ANN001
    """Break one link in FAULTS areas (cycling over the kinds of fault)."""
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    codes = list(election.polling_areas.order_by("code").values_list("id", "code"))
    rng = random.Random(5)
    chosen = rng.sample(codes, FAULTS)
    for i, (area_id, _code) in enumerate(chosen):
        kind = i % 4
        if kind == 0:
            TurnoutReport.objects.filter(polling_area_id=area_id, slot="closed").update(
                voted=models_f("voted") - 3
            )
        elif kind == 1:
            TurnoutReport.objects.filter(polling_area_id=area_id).order_by("slot").first().delete()
        elif kind == 2:
            CountMinutes.objects.filter(polling_area_id=area_id).update(
                ballots_invalid=models_f("ballots_invalid") + 1
            )
        else:
            CountMinutes.objects.filter(polling_area_id=area_id).delete()
    return {code for _id, code in chosen}


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def baseline(election) -> float:  # noqa: ANN001
    """The same reads as plain SQL, fetched, without building facts or evaluating rules."""
    from django.db import connection

    sqls = [
        "SELECT polling_area_id, contest_scope, n FROM voters_voterareacount WHERE election_id=%s",
        "SELECT polling_area_id, slot, voted FROM realtime_turnoutreport WHERE election_id=%s",
        """SELECT m.polling_area_id, m.contest_id, m.status, m.voters_listed, m.voters_voted,
                  m.ballots_issued, m.ballots_received, m.ballots_valid, m.ballots_invalid
           FROM results_countminutes m JOIN election_pollingarea a ON a.id = m.polling_area_id
           WHERE a.election_id=%s""",
        """SELECT polling_area_id, SUM(delta) FROM voters_voterevent
           WHERE election_id=%s GROUP BY polling_area_id""",
        """SELECT f.polling_area_id, f.items FROM printing_printedfile f
           JOIN election_pollingarea a ON a.id = f.polling_area_id WHERE a.election_id=%s""",
    ]
    t = time.perf_counter()
    with connection.cursor() as cur:
        for sql in sqls:
            cur.execute(sql, [election.id])
            cur.fetchall()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--shape", default=None)
    args = parser.parse_args()
    setup_django()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from election.models import AdminUnit
    from reconciliation import rules
    from reconciliation.document import board_document
    from reconciliation.exports import board_xlsx
    from reconciliation.selectors import board_unscoped

    shape = args.shape or ("hcm-2021" if args.quick else "hcm-2026")
    election, import_s = ensure_election(shape, slug=f"bench-recon-{shape}")
    t = time.perf_counter()
    rows = load_day(election)
    load_s = time.perf_counter() - t
    faulty = inject_faults(election)
    analyze()
    now = dt.datetime.combine(
        election.date, dt.time(23, 0), tzinfo=dt.timezone(dt.timedelta(hours=7))
    )
    root = election.root
    board_unscoped(election=election, unit=root, now=now)  # warm caches and the connection
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        board = board_unscoped(election=election, unit=root, now=now)
        board_s = time.perf_counter() - t
    flagged = {r.polling_area_code for r in board.rows if r.state != rules.GREEN}
    ward = (
        AdminUnit.objects.filter(tree=election.tree, polling_areas__election=election)
        .order_by("code")
        .first()
    )
    t = time.perf_counter()
    board_unscoped(election=election, unit=ward, now=now)
    ward_s = time.perf_counter() - t
    with translation.override("vi"):
        t = time.perf_counter()
        json.dumps(board_document(board), default=str)
        document_s = time.perf_counter() - t
        t = time.perf_counter()
        xlsx = board_xlsx(board)
        xlsx_s = time.perf_counter() - t
    base_s = min(baseline(election) for _ in range(3))
    figures = {
        "shape": shape,
        "areas": rows["areas"],
        "rows": len(board.rows),
        "events_since_posting": rows["events"],
        "turnout_reports": rows["turnout_reports"],
        "minutes": rows["minutes"],
        "import_s": round(import_s, 2),
        "load_s": round(load_s, 2),
        "board_city_s": round(board_s, 3),
        "board_ward_s": round(ward_s, 3),
        "document_s": round(document_s, 3),
        "xlsx_s": round(xlsx_s, 3),
        "xlsx_bytes": len(xlsx),
        "baseline_s": round(base_s, 3),
        "ratio_to_baseline": round(board_s / base_s, 1) if base_s else None,
        "queries": len(ctx.captured_queries),
        "faults_injected": len(faulty),
        "faults_caught": len(faulty & flagged),
        "false_alarms": len(flagged - faulty),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_avg": round(os.getloadavg()[0], 2),
    }
    for k, v in figures.items():
        print(f"{k:>22}: {v}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
