"""Benchmark of results (issue 7). Not a test: prints figures, last line one JSON object.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/baucu_results .venv/bin/python \
        bench/results.py [--shape hcm-2026] [--quick]

A city-scale election (election.demo.build_definition(shape, "city"): every polling area ×
every contest; --quick uses hcm-2021, otherwise hcm-2026) is imported once, then one
definitive count minute per polling area and contest is loaded (bulk, consistent figures).
Measured in the same run:
- compute_s: every constituency's result (winners by the rules), the committee totals per
  contest, and the totals of every unit of the tree for every contest;
- progress_s: the city's progress page data (definitive / in entry / missing per contest);
- baseline_s: one aggregate SQL query over the same minutes (sums per constituency);
- documents_s: every Board minutes PDF (one file per constituency) and the city's XLSX;
- board_pdfs_parallel_s: the same PDFs split over forked processes (as Celery workers would);
- import_rate: minutes per second through the checked import service (a sample).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_election import ensure_election, setup_django  # noqa: E402


def spread(seats: int, n: int, valid: int, rng: random.Random) -> list[int]:
    """Votes of n candidates with each ≤ valid and Σ = seats × valid (every valid ballot keeps
    `seats` names), uneven so that ranking and thresholds matter."""
    total = seats * valid
    base, rest = divmod(total, n)
    votes = [base + (1 if i < rest else 0) for i in range(n)]
    for _ in range(3 * n):
        i, j = rng.randrange(n), rng.randrange(n)
        room = min(votes[j], valid - votes[i])
        if i != j and room > 0:
            t = rng.randint(0, room)
            votes[i] += t
            votes[j] -= t
    return votes


def load_minutes(election) -> int:  # noqa: ANN001
    from django.db import transaction

    from election.models import Candidate, PollingAreaConstituency
    from results.models import CandidateVotes, CountMinutes

    CountMinutes.objects.filter(polling_area__election=election).delete()
    rng = random.Random(7)
    cands: dict[int, list[int]] = {}
    for cid, const_id in (
        Candidate.objects.filter(constituency__contest__election=election)
        .order_by("ballot_order", "id")
        .values_list("id", "constituency_id")
    ):
        cands.setdefault(const_id, []).append(cid)
    links = list(
        PollingAreaConstituency.objects.filter(polling_area__election=election).values_list(
            "polling_area_id",
            "contest_id",
            "constituency_id",
            "constituency__seats",
            "polling_area__voters_estimate",
        )
    )
    minutes, votes = [], []
    for area_id, contest_id, const_id, seats, estimate in links:
        listed = estimate or 1500
        voted = listed - rng.randint(0, max(1, listed // 100))
        invalid = rng.randint(0, max(1, voted // 80))
        valid = voted - invalid
        m = CountMinutes(
            polling_area_id=area_id,
            contest_id=contest_id,
            constituency_id=const_id,
            status="definitive",
            version=1,
            voters_listed=listed,
            voters_voted=voted,
            ballots_issued=voted,
            ballots_received=voted,
            ballots_valid=valid,
            ballots_invalid=invalid,
            valid_by_names_kept={str(seats): valid},
        )
        minutes.append(m)
        ids = cands[const_id]
        votes.append(list(zip(ids, spread(seats, len(ids), valid, rng), strict=True)))
    with transaction.atomic():
        CountMinutes.objects.bulk_create(minutes, batch_size=2000)
        CandidateVotes.objects.bulk_create(
            (
                CandidateVotes(minutes=m, candidate_id=c, votes=v, round="main")
                for m, vv in zip(minutes, votes, strict=True)
                for c, v in vv
            ),
            batch_size=5000,
        )
    return len(minutes)


def analyze() -> None:
    """Fresh planner statistics after the bulk load (as autovacuum would give later)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def baseline(election) -> float:  # noqa: ANN001
    from django.db import connection

    sql = """
        SELECT m.constituency_id, COUNT(*), SUM(m.voters_listed), SUM(m.voters_voted),
               SUM(m.ballots_received), SUM(m.ballots_valid), SUM(m.ballots_invalid)
        FROM results_countminutes m JOIN election_pollingarea a ON a.id = m.polling_area_id
        WHERE a.election_id = %s AND m.status = 'definitive'
        GROUP BY m.constituency_id
    """
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(sql, [election.id])
        cur.fetchall()
    return time.perf_counter() - t


def compute(election) -> tuple[float, list]:  # noqa: ANN001
    from results import selectors

    t = time.perf_counter()
    results = selectors.compute_results(election=election)
    selectors.contest_summaries(results)  # committee totals per contest
    selectors.rollup_tree(election=election)  # every unit × every contest
    return time.perf_counter() - t, results


def progress_time(election) -> float:  # noqa: ANN001
    from results import selectors

    t = time.perf_counter()
    selectors.progress(election=election, unit=election.root)
    return time.perf_counter() - t


def documents_time(election, results, out: Path) -> tuple[float, float, float]:  # noqa: ANN001
    from django.utils import translation

    from results import documents, selectors

    out.mkdir(parents=True, exist_ok=True)
    with translation.override("vi"):
        t = time.perf_counter()
        for r in results:
            data = documents.board_minutes_pdf(r, election)
            (out / f"{r.contest.code}-{r.constituency.number}.pdf").write_bytes(data)
        pdf_s = time.perf_counter() - t
        t = time.perf_counter()
        xlsx = documents.results_xlsx(selectors.contest_summaries(results), election)
        (out / "city.xlsx").write_bytes(xlsx)
        xlsx_s = time.perf_counter() - t
    return pdf_s + xlsx_s, pdf_s, xlsx_s


_JOB: dict = {}


def _pdf_slice(bounds: tuple[int, int]) -> int:
    from django.utils import translation

    from results import documents

    election, results, out = _JOB["election"], _JOB["results"], _JOB["out"]
    with translation.override("vi"):
        for r in results[bounds[0] : bounds[1]]:
            data = documents.board_minutes_pdf(r, election)
            (out / f"{r.contest.code}-{r.constituency.number}.pdf").write_bytes(data)
    return bounds[1] - bounds[0]


def documents_parallel(election, results, out: Path, workers: int) -> float:  # noqa: ANN001
    """The Board PDFs split over `workers` forked processes (as Celery workers would)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    _JOB.update(election=election, results=results, out=out)
    step = -(-len(results) // workers)
    bounds = [(i, min(i + step, len(results))) for i in range(0, len(results), step)]
    t = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        assert sum(pool.map(_pdf_slice, bounds)) == len(results)
    return time.perf_counter() - t


def import_rate(election, n: int = 200) -> float:  # noqa: ANN001
    """Minutes per second through import_count_minutes (checked, all rules), on a sample."""
    from django.db import transaction

    from results.models import CountMinutes
    from results.services.import_minutes import import_count_minutes

    sample = list(
        CountMinutes.objects.filter(polling_area__election=election)
        .select_related("polling_area", "contest")
        .prefetch_related("votes__candidate")
        .order_by("id")[:n]
    )
    doc = {
        "format": "baucu.count/1",
        "minutes": [
            {
                "polling_area": m.polling_area.code,
                "contest": m.contest.code,
                "voters_listed": m.voters_listed,
                "voters_voted": m.voters_voted,
                "ballots_issued": m.ballots_issued,
                "ballots_received": m.ballots_received,
                "ballots_valid": m.ballots_valid,
                "ballots_invalid": m.ballots_invalid,
                "valid_by_names_kept": m.valid_by_names_kept,
                "votes": [{"id": v.candidate.ref, "votes": v.votes} for v in m.votes.all()],
            }
            for m in sample
        ],
    }
    ids = [m.id for m in sample]

    class Rollback(Exception):
        pass

    t = time.perf_counter()
    try:
        with transaction.atomic():
            CountMinutes.objects.filter(id__in=ids).delete()
            import_count_minutes(election=election, data=doc)
            raise Rollback
    except Rollback:
        pass
    return len(sample) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default=None, help="hcm-2021 or hcm-2026 (default hcm-2026)")
    ap.add_argument("--quick", action="store_true", help="hcm-2021 (smaller city)")
    ap.add_argument("--workers", type=int, default=0, help="processes for the parallel PDFs")
    args = ap.parse_args()
    shape = args.shape or ("hcm-2021" if args.quick else "hcm-2026")
    setup_django()
    from django.db import connection

    election, import_s = ensure_election(shape, slug=f"bench-results-{shape}")
    t = time.perf_counter()
    n_minutes = load_minutes(election)
    load_s = time.perf_counter() - t
    analyze()
    base = min(baseline(election) for _ in range(3))
    compute_s, results = min((compute(election) for _ in range(2)), key=lambda x: x[0])
    prog_s = min(progress_time(election) for _ in range(2))
    out = Path(tempfile.mkdtemp(prefix="bench-results-"))
    documents_s, pdf_s, xlsx_s = documents_time(election, results, out)
    workers = args.workers or os.cpu_count() or 1
    (out / "parallel").mkdir()
    par_s = documents_parallel(election, results, out / "parallel", workers)
    rate = import_rate(election)
    elected = sum(len(r.decision.elected) for r in results if r.decision)
    figures = {
        "database": connection.vendor,
        "shape": shape,
        "polling_areas": election.polling_areas.count(),
        "constituencies": len(results),
        "minutes": n_minutes,
        "elected": elected,
        "definition_import_s": round(import_s, 2),
        "minutes_load_s": round(load_s, 2),
        "compute_s": round(compute_s, 3),
        "baseline_s": round(base, 4),
        "ratio_compute_baseline": round(compute_s / base, 1) if base else None,
        "progress_s": round(prog_s, 3),
        "documents_s": round(documents_s, 2),
        "board_pdfs_s": round(pdf_s, 2),
        "xlsx_s": round(xlsx_s, 2),
        "board_pdfs_parallel_s": round(par_s, 2),
        "workers": workers,
        "import_minutes_per_s": round(rate, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "out": str(out),
    }
    for k, v in figures.items():
        print(f"{k:>24}: {v}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
