"""A small consistent election day on the mini election: voter lists with changes after
posting, cards printed, turnout at every slot, definitive count minutes — every area green —
and helpers to break one link of the chain. Vietnamese strings of locale/fragments/recon.po are
compiled for the test run."""

from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VN = dt.timezone(dt.timedelta(hours=7))
DAY = dt.date(2021, 5, 23)  # the mini election's day
AFTER_CLOSE = dt.datetime(2021, 5, 23, 21, 0, tzinfo=VN)
MORNING = dt.datetime(2021, 5, 23, 10, 0, tzinfo=VN)  # 09:00 due, nothing else
SIZES = {"26734-01": 60, "26734-02": 20, "26737-01": 80, "27496-01": 50, "27499-01": 30}
TEMPORARY = {"27496-01": 5}  # temporary residents < 12 months: no commune council ballot
ADDED_AFTER_POSTING = {"26734-01": 2}
REMOVED_AFTER_POSTING = {"26734-01": 1}
ABSENT = 2  # voters of each area who did not vote


@pytest.fixture(autouse=True)
def recon_catalogue(tmp_path_factory, settings):
    """The lead merges fragments into the main catalogue; until then compile ours alongside."""
    out = tmp_path_factory.getbasetemp() / "recon-locale"
    mo = out / "vi" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        mo.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["msgfmt", "-o", str(mo), str(ROOT / "locale" / "fragments" / "recon.po")],
            check=True,
        )
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, out]
    yield


@dataclass
class Day:
    election: Any
    admin: Any
    areas: dict[str, Any]
    contests: dict[str, Any]
    final: dict[str, int] = field(default_factory=dict)

    def board(self, unit: str = "79", now: dt.datetime = AFTER_CLOSE) -> Any:
        from election.models import AdminUnit
        from reconciliation.selectors import board_unscoped

        u = AdminUnit.objects.get(tree=self.election.tree, code=unit)
        return board_unscoped(election=self.election, unit=u, now=now)

    def rows(self, area: str, **kw: Any) -> dict[str, Any]:
        """{contest code: AreaRow} of one area."""
        return {r.contest_code: r for r in self.board(**kw).rows if r.polling_area_code == area}


def _voters(election: Any, areas: dict[str, Any]) -> None:
    from voters.models import Voter, VoterEvent
    from voters.rules import posting_date
    from voters.services.counts import refresh_area_counts

    posted = dt.datetime.combine(posting_date(election.date), dt.time(8), tzinfo=VN)
    n_id = 0
    voters, events = [], []
    for code, n in SIZES.items():
        area = areas[code]
        extra = ADDED_AFTER_POSTING.get(code, 0)
        for stt in range(1, n + extra + 1):
            n_id += 1
            temporary = stt <= TEMPORARY.get(code, 0)
            v = Voter(
                election=election,
                polling_area=area,
                stt=stt,
                national_id=f"0790850{n_id:05d}",
                full_name=f"Cử tri {n_id}",
                search_key=f"cu tri {n_id}",
                birth_year=1980,
                sex="F" if stt % 2 else "M",
                residence="temporary" if temporary else "permanent",
                contest_scope="no_commune" if temporary else "all",
            )
            voters.append(v)
    Voter.objects.bulk_create(voters)
    for v in Voter.objects.filter(election=election):
        late = v.stt > SIZES[areas_code(areas, v.polling_area_id)]
        at = posted + dt.timedelta(days=3) if late else posted - dt.timedelta(days=5)
        events.append(
            VoterEvent(
                election=election, polling_area_id=v.polling_area_id, voter=v,
                kind="added", reason="import", delta=1, at=at,
            )
        )  # fmt: skip
    for code, k in REMOVED_AFTER_POSTING.items():
        for v in Voter.objects.filter(polling_area=areas[code]).order_by("-stt")[:k]:
            v.status = "removed"
            v.save(update_fields=["status"])
            events.append(
                VoterEvent(
                    election=election, polling_area_id=v.polling_area_id, voter=v,
                    kind="died", delta=-1, at=posted + dt.timedelta(days=4),
                )
            )  # fmt: skip
    VoterEvent.objects.bulk_create(events)
    refresh_area_counts(election_id=election.id)


def areas_code(areas: dict[str, Any], area_id: int) -> str:
    return next(code for code, a in areas.items() if a.id == area_id)


def print_cards(area: Any, items: int, admin: Any) -> Any:
    from common.jobs import job_create
    from printing.models import PrintedFile

    job = job_create(kind="print_cards", actor=admin, unit_id=area.unit_id)
    return PrintedFile.objects.create(
        job=job, polling_area=area, kind="cards", path=f"x/{area.code}.pdf", sha256="0" * 64,
        items=items, pages=items, size=1,
    )  # fmt: skip


def report(area: Any, slot: str, voted: int, admin: Any) -> None:
    from realtime.services.turnout import turnout_report_submit

    turnout_report_submit(actor=admin, area=area, slot=slot, voted=voted, now=AFTER_CLOSE)


def minutes_doc(
    day: Day, area: str, contest: str, *, invalid: int = 0, **override: Any
) -> dict[str, Any]:
    """Consistent minutes: listed = the list for the contest, voted = the final turnout
    (councils: at most their list), every valid ballot keeps one name (the first candidate)."""
    from election.models import PollingAreaConstituency
    from voters.selectors import listed_counts_by_contest

    a, c = day.areas[area], day.contests[contest]
    listed = listed_counts_by_contest(election=day.election, area_ids=[a.id])[(a.id, c.id)]
    voted = min(day.final[area], listed)
    pac = PollingAreaConstituency.objects.get(polling_area=a, contest=c)
    names = list(pac.constituency.candidates.order_by("id").values_list("full_name", flat=True))
    m = {
        "polling_area": area,
        "contest": contest,
        "voters_listed": listed,
        "voters_voted": voted,
        "ballots_issued": voted,
        "ballots_received": voted,
        "ballots_valid": voted - invalid,
        "ballots_invalid": invalid,
        "valid_by_names_kept": {"1": voted - invalid},
        "votes": [
            {"candidate": n, "votes": voted - invalid if i == 0 else 0} for i, n in enumerate(names)
        ],
    }
    m.update(override)
    return m


def enter_minutes(
    day: Day, items: list[dict[str, Any]], entry: str | None = None, actor: Any = None
) -> None:
    from results.services.import_minutes import import_count_minutes

    import_count_minutes(
        election=day.election,
        data={"format": "baucu.count/1", "minutes": items},
        entry=entry,
        actor=actor or day.admin,
    )


def build_day(election: Any, admin: Any, *, minutes: bool = True, skip: tuple = ()) -> Day:
    """The whole consistent day; `skip` leaves out (area, contest) minutes."""
    from election.models import PollingAreaConstituency

    areas = {a.code: a for a in election.polling_areas.select_related("unit", "election")}
    contests = {c.code: c for c in election.contests.all()}
    day = Day(election, admin, areas, contests)
    _voters(election, areas)
    from voters.selectors import listed_counts

    listed = listed_counts(election=election)
    keys = [*election.turnout_slots, "closed"]
    for code, area in areas.items():
        n = listed[area.id]
        print_cards(area, n, admin)
        final = n - ABSENT
        day.final[code] = final
        for i, slot in enumerate(keys):
            report(area, slot, final * (i + 1) // len(keys), admin)
    if minutes:
        items = [
            minutes_doc(day, pac.polling_area.code, pac.contest.code)
            for pac in PollingAreaConstituency.objects.filter(
                polling_area__election=election
            ).select_related("polling_area", "contest")
            if (pac.polling_area.code, pac.contest.code) not in skip
        ]
        enter_minutes(day, items)
    return day


@pytest.fixture
def admin(make_user):
    return make_user(superuser=True)


@pytest.fixture
def day(mini_election, admin) -> Day:
    return build_day(mini_election, admin)


@pytest.fixture
def broken(day):
    """The consistent day with two faults: a missing 11:00 report in 26734-02 (amber) and
    unbalanced ballots in the HDND-79 minutes of 27499-01 (red)."""
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    TurnoutReport.objects.filter(polling_area=day.areas["26734-02"], slot="11:00").delete()
    CountMinutes.objects.filter(
        polling_area=day.areas["27499-01"], contest=day.contests["HDND-79"]
    ).update(ballots_invalid=4)
    return day
