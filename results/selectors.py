"""Reads of count minutes, progress and results. Every figure a committee sees comes from the
definitive polling-area minutes through compute_results (one query path, set-based)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from common.rehearsal import mark_json
from common.vn import percent, percent_str
from election.access import (
    Cap,
    board_constituency_ids,
    can,
    can_constituency,
    scope_areas,
    scope_units,
)
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Contest,
    Election,
    PollingArea,
    PollingAreaConstituency,
    UnitAncestry,
)
from results import rules
from results.models import (
    CandidateVotes,
    ContestPublication,
    CountMinutes,
    NoAdditionalElection,
    ResultsSettings,
    Round,
    TieDecision,
    VoteRound,
)

# --------------------------------------------------------------------------------------------
# Other modules' data, read through small adapters that tolerate their absence
# --------------------------------------------------------------------------------------------


def listed_prefill(*, election: Election, area_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """{(area id, contest id): voters listed} from the voter lists, to pre-fill the minutes.

    Imported lazily: without the voters module (or with no voters imported) nothing is
    pre-filled and the field stays empty.
    """
    try:
        from voters.selectors import listed_counts_by_contest
    except ImportError:
        return {}
    counts = listed_counts_by_contest(election=election, area_ids=list(area_ids))
    return {k: v for k, v in counts.items() if v}


def turnout_reported(*, election: Election, area_ids: Iterable[int]) -> dict[int, int]:
    """{area id: voters who had voted in the area's last turnout report of the day} (the
    "closed" slot, else the latest), read from the turnout module when it is installed
    (`realtime.models.TurnoutReport`); {} otherwise, and W.203 is then skipped."""
    try:
        from realtime.models import TurnoutReport  # type: ignore[attr-defined]
    except ImportError:
        return {}
    best: dict[int, tuple[str, int]] = {}
    for area_id, slot, voted in TurnoutReport.objects.filter(
        polling_area_id__in=list(area_ids)
    ).values_list("polling_area_id", "slot", "voted"):
        # "closed" sorts after every "HH:MM"
        if area_id not in best or slot > best[area_id][0]:
            best[area_id] = (slot, voted)
    return {a: v for a, (_, v) in best.items()}


def thresholds_for(election: Election) -> rules.Thresholds:
    s = ResultsSettings.objects.filter(election=election).first()
    if s is None:
        return rules.Thresholds()
    return rules.Thresholds(s.invalid_warning_pct, s.turnout_tolerance)


# --------------------------------------------------------------------------------------------
# Minutes of a polling area
# --------------------------------------------------------------------------------------------


def area_contests(*, area: PollingArea) -> list[PollingAreaConstituency]:
    return list(area.assignments.select_related("contest", "constituency").order_by("contest_id"))


def minutes_for_area(*, area: PollingArea) -> list[dict[str, Any]]:
    """One row per contest (and declared extra round) of the area, with its minutes if any."""
    existing = {(m.contest_id, m.round): m for m in CountMinutes.objects.filter(polling_area=area)}
    rounds = defaultdict(list)
    for vr in VoteRound.objects.filter(
        constituency_id__in=[a.constituency_id for a in area.assignments.all()]
    ):
        rounds[vr.constituency_id].append(vr.kind)
    rows = []
    for a in area_contests(area=area):
        for rnd in [Round.MAIN, *sorted(rounds.get(a.constituency_id, []))]:
            rows.append(
                {
                    "contest": a.contest,
                    "constituency": a.constituency,
                    "round": rnd,
                    "round_label": Round(rnd).label,
                    "minutes": existing.get((a.contest_id, rnd)),
                }
            )
    return rows


def minutes_candidates(*, constituency: Constituency, round: str) -> list[Candidate]:
    """Candidates on the ballot of this round: all of them, or for an additional election
    those not elected before (Art 79)."""
    cands = list(constituency.candidates.order_by("ballot_order", "id"))
    if round != Round.ADDITIONAL:
        return cands
    first = compute_results(
        election=constituency.contest.election, constituency_ids=[constituency.id]
    )[0]
    elected = set(first.first_decision.elected) if first.first_decision else set()
    return [c for c in cands if c.id not in elected]


def identical_vote_areas(*, minutes: CountMinutes, votes: dict[int, int | None]) -> list[str]:
    """Other polling areas of the same unit whose definitive votes equal these (W.204)."""
    others = CountMinutes.objects.filter(
        contest_id=minutes.contest_id,
        round=minutes.round,
        status=CountMinutes.Status.DEFINITIVE,
        polling_area__unit_id=minutes.polling_area.unit_id,
    ).exclude(pk=minutes.pk)
    vectors: dict[Any, list[int]] = {"self": [votes.get(k) or 0 for k in sorted(votes)]}
    codes = dict(others.values_list("id", "polling_area__code"))
    per: dict[int, dict[int, int]] = defaultdict(dict)
    for mid, cid, v in CandidateVotes.objects.filter(minutes_id__in=codes).values_list(
        "minutes_id", "candidate_id", "votes"
    ):
        per[mid][cid] = v
    for mid, vv in per.items():
        vectors[mid] = [vv.get(k, 0) for k in sorted(votes)]
    return [codes[m] for m in rules.identical_vectors(vectors).get("self", [])]


# --------------------------------------------------------------------------------------------
# Results (formats.md §4)
# --------------------------------------------------------------------------------------------


@dataclass
class CandidateRow:
    id: int
    full_name: str
    title: str
    birth_date: dt.date | None
    birth_year: int | None
    ballot_order: int
    votes: int = 0
    pct: Any = None
    elected: bool = False
    undecided: bool = False
    additional_votes: int | None = None
    additional_pct: Any = None


@dataclass
class ConstituencyResult:
    constituency: Constituency
    contest: Contest
    seats: int
    areas: int
    reported: int
    totals: rules.Totals
    candidates: list[CandidateRow]
    decision: rules.Decision | None
    first_decision: rules.Decision | None = None
    round: str = Round.MAIN
    rounds: list[str] = field(default_factory=list)
    additional_totals: rules.Totals | None = None
    additional_reported: int = 0
    official: bool = False

    @property
    def complete(self) -> bool:
        return self.areas > 0 and self.reported == self.areas

    @property
    def awaiting_round(self) -> str | None:
        """The re-vote or additional election this constituency still waits for: proposed and
        not yet decided, or decided and its minutes not all definitive (domain.md §5.7: the
        Committee's minute is made after those votes)."""
        d = self.decision
        if d and d.needs_revote:
            return Round.REVOTE
        if d and d.needs_additional:
            return Round.ADDITIONAL
        if Round.ADDITIONAL in self.rounds and self.additional_reported < self.areas:
            return Round.ADDITIONAL
        return None

    @property
    def status(self) -> str:
        return "official" if self.official else "provisional"

    @property
    def elected(self) -> list[CandidateRow]:
        by_id = {c.id: c for c in self.candidates}
        return [by_id[k] for k in (self.decision.elected if self.decision else [])]

    @property
    def notes(self) -> list[str]:
        out = []
        if not self.complete:
            out.append(
                rules.Note("incomplete", (("areas", self.areas), ("reported", self.reported))).text
            )
        if self.decision is None:
            out.append(rules.Note("no_minutes").text)
        else:
            out += [n.text for n in self.decision.notes]
        return out

    def as_json(self) -> dict[str, Any]:
        t = self.totals
        d = self.decision
        return {
            "contest": self.contest.code,
            "number": self.constituency.number,
            "name": self.constituency.name,
            "seats": self.seats,
            "status": self.status,
            "round": self.round,
            "polling_areas": self.areas,
            "polling_areas_reported": self.reported,
            "voters_listed": t.voters_listed,
            "voters_voted": t.voters_voted,
            "turnout_pct": percent_str(t.voters_voted, t.voters_listed),
            "ballots_issued": t.ballots_issued,
            "ballots_received": t.ballots_received,
            "ballots_valid": t.ballots_valid,
            "valid_pct": percent_str(t.ballots_valid, t.ballots_received),
            "ballots_invalid": t.ballots_invalid,
            "invalid_pct": percent_str(t.ballots_invalid, t.ballots_received),
            "valid": bool(d and d.valid),
            "candidates": [
                {
                    "full_name": c.full_name,
                    "votes": c.votes,
                    "pct": percent_str(c.votes, t.ballots_valid),
                    "elected": c.elected,
                    **({"undecided": True} if c.undecided else {}),
                    **(
                        {"additional_votes": c.additional_votes}
                        if c.additional_votes is not None
                        else {}
                    ),
                }
                for c in self.candidates
            ],
            "elected": [c.full_name for c in self.elected],
            "undecided": [c.full_name for c in self.candidates if c.undecided],
            "seats_undecided": d.seats_undecided if d else 0,
            "seats_unfilled": d.seats_unfilled if d else self.seats,
            "needs_revote": bool(d and d.needs_revote),
            "needs_additional_election": bool(d and d.needs_additional),
            **({"no_additional_election": True} if d and d.no_additional else {}),
            "notes": self.notes,
        }


def _sum_fields() -> dict[str, Any]:
    return {f: Sum(f) for f in rules.FIELDS}


def _with_tie_decision(
    decision: rules.Decision, tie: TieDecision | None, names: dict[int, str]
) -> rules.Decision:
    """The decision with the Committee's choice on its undecided tie applied, if one was
    recorded for this round (rules.apply_tie_decision)."""
    if tie is None or not decision.undecided:
        return decision
    return rules.apply_tie_decision(
        decision,
        [c.id for c in tie.candidates.all()],
        names=names,
        date=timezone.localtime(tie.decided_at).strftime("%d/%m/%Y"),
        reason=tie.reason,
    )


def _with_no_additional(
    decision: rules.Decision, rec: NoAdditionalElection | None, *, contest_kind: str, round: str
) -> rules.Decision:
    """The decision with the recorded "no additional election" applied, if one was recorded
    for this constituency (rules.apply_no_additional); a record of another round no longer
    fits."""
    if rec is None:
        return decision
    return rules.apply_no_additional(
        decision,
        contest_kind=contest_kind,
        decided_unfilled=rec.seats_unfilled if rec.round == round else None,
        date=timezone.localtime(rec.decided_at).strftime("%d/%m/%Y"),
        reason=rec.reason,
    )


def compute_results(
    *,
    election: Election,
    contest: Contest | None = None,
    constituency_ids: Iterable[int] | None = None,
) -> list[ConstituencyResult]:
    """Every constituency's result from the definitive minutes: five set-based queries, then
    the pure rules. Ordered by contest, then constituency number."""
    contests = {c.id: c for c in Contest.objects.filter(election=election).select_related("unit")}
    for c in contests.values():
        c.election = election
    cq = Constituency.objects.filter(contest__election=election)
    if contest is not None:
        cq = cq.filter(contest=contest)
    if constituency_ids is not None:
        cq = cq.filter(id__in=list(constituency_ids))
    constituencies = list(cq.order_by("contest_id", "number"))
    for const in constituencies:
        const.contest = contests[const.contest_id]
    ids = [c.id for c in constituencies]
    scope = Q(constituency__contest__election=election)
    if contest is not None:
        scope &= Q(constituency__contest=contest)
    if constituency_ids is not None:
        scope &= Q(constituency_id__in=ids)

    areas = dict(
        PollingAreaConstituency.objects.filter(scope)
        .values("constituency_id")
        .annotate(n=Count("id"))
        .values_list("constituency_id", "n")
    )
    sums: dict[tuple[int, str], dict[str, Any]] = {}
    for row in (
        CountMinutes.objects.filter(scope, status=CountMinutes.Status.DEFINITIVE)
        .values("constituency_id", "round")
        .annotate(n=Count("id"), **_sum_fields())
    ):
        sums[(row["constituency_id"], row["round"])] = row
    votes: dict[tuple[int, str], int] = {}
    # CandidateVotes rows exist only for definitive minutes (services.minutes keeps it so)
    vq = CandidateVotes.objects.filter(candidate__constituency__contest__election=election)
    if contest is not None:
        vq = vq.filter(candidate__constituency__contest=contest)
    if constituency_ids is not None:
        vq = vq.filter(candidate__constituency_id__in=ids)
    for cid, rnd, v in (
        vq.values("candidate_id", "round")
        .annotate(v=Sum("votes"))
        .values_list("candidate_id", "round", "v")
    ):
        votes[(cid, rnd)] = v
    cands: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Candidate.objects.filter(scope)
        .order_by("ballot_order", "id")
        .values_list(
            "constituency_id", "id", "full_name", "sex", "birth_date", "birth_year", "ballot_order"
        )
    ):
        cands[row[0]].append(row[1:])
    rounds: dict[int, list[str]] = defaultdict(list)
    for cid, kind in VoteRound.objects.filter(scope).values_list("constituency_id", "kind"):
        rounds[cid].append(kind)
    ties: dict[tuple[int, str], TieDecision] = {
        (t.constituency_id, t.round): t
        for t in TieDecision.objects.filter(scope).prefetch_related("candidates")
    }
    no_additional = {rec.constituency_id: rec for rec in NoAdditionalElection.objects.filter(scope)}
    published = set(
        ContestPublication.objects.filter(contest__election=election).values_list(
            "contest_id", flat=True
        )
    )

    out = []
    for const in constituencies:
        first_round = Round.REVOTE if Round.REVOTE in rounds[const.id] else Round.MAIN
        row = sums.get((const.id, first_round))
        totals = rules.Totals()
        if row:
            totals.add(row)
        reported = row["n"] if row else 0
        crows = [
            CandidateRow(
                id=cid,
                full_name=name,
                title="Ông" if sex == Candidate.Sex.MALE else "Bà",
                birth_date=bdate,
                birth_year=byear,
                ballot_order=order,
                votes=votes.get((cid, first_round), 0),
            )
            for cid, name, sex, bdate, byear, order in cands[const.id]
        ]
        for c in crows:
            c.pct = percent(c.votes, totals.ballots_valid)
        decision = first = None
        add_totals = add_row = None
        if reported:
            first = rules.decide(
                contest_kind=const.contest.kind,
                seats=const.seats,
                voters_listed=totals.voters_listed,
                voters_voted=totals.voters_voted,
                ballots_valid=totals.ballots_valid,
                candidates=[
                    rules.CandidateIn(c.id, c.full_name, c.votes, c.birth_date, c.birth_year)
                    for c in crows
                ],
                round=first_round,
            )
            names = {c.id: c.full_name for c in crows}
            first = _with_tie_decision(first, ties.get((const.id, first_round)), names)
            if Round.ADDITIONAL not in rounds[const.id]:
                first = _with_no_additional(
                    first,
                    no_additional.get(const.id),
                    contest_kind=const.contest.kind,
                    round=first_round,
                )
            decision = first
            add_row = sums.get((const.id, Round.ADDITIONAL))
            if Round.ADDITIONAL in rounds[const.id] and add_row:
                add_totals = rules.Totals()
                add_totals.add(add_row)
                pool = [c for c in crows if c.id not in set(first.elected)]
                for c in pool:
                    c.additional_votes = votes.get((c.id, Round.ADDITIONAL), 0)
                    c.additional_pct = percent(c.additional_votes, add_totals.ballots_valid)
                second = rules.decide(
                    contest_kind=const.contest.kind,
                    seats=max(first.seats_unfilled, 0),
                    voters_listed=add_totals.voters_listed,
                    voters_voted=add_totals.voters_voted,
                    ballots_valid=add_totals.ballots_valid,
                    candidates=[
                        rules.CandidateIn(
                            c.id, c.full_name, c.additional_votes or 0, c.birth_date, c.birth_year
                        )
                        for c in pool
                    ],
                    round=Round.ADDITIONAL,
                )
                second = _with_tie_decision(second, ties.get((const.id, Round.ADDITIONAL)), names)
                decision = rules.combine(first, second)
            elected, undecided = set(decision.elected), set(decision.undecided)
            for c in crows:
                c.elected = c.id in elected
                c.undecided = c.id in undecided
        crows.sort(key=lambda c: (-c.votes, c.ballot_order, c.id))
        n_areas = areas.get(const.id, 0)
        out.append(
            ConstituencyResult(
                constituency=const,
                contest=const.contest,
                seats=const.seats,
                areas=n_areas,
                reported=reported,
                totals=totals,
                candidates=crows,
                decision=decision,
                first_decision=first,
                round=first_round,
                rounds=sorted(rounds[const.id]),
                additional_totals=add_totals,
                additional_reported=add_row["n"] if add_row else 0,
                official=const.contest_id in published and reported == n_areas,
            )
        )
    return out


def results_document(
    *, election: Election, contest: Contest | None = None, results: list | None = None
) -> dict[str, Any]:
    """baucu.results/1 (formats.md §4)."""
    results = (
        results if results is not None else compute_results(election=election, contest=contest)
    )
    doc = {
        "format": "baucu.results/1",
        "election": election.slug,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "constituencies": [r.as_json() for r in results],
    }
    return mark_json(doc, election.is_rehearsal)


@dataclass
class ContestSummary:
    """A committee's view of one contest (Mẫu 27/HĐBC-HĐND, 22/HĐBC-QH)."""

    contest: Contest
    results: list[ConstituencyResult]
    totals: rules.Totals
    seats: int
    candidates: int
    elected: int
    official: bool


def contest_summary(*, contest: Contest, results: list[ConstituencyResult]) -> ContestSummary:
    totals = rules.Totals()
    for r in results:
        totals.add(r.totals)
    return ContestSummary(
        contest=contest,
        results=results,
        totals=totals,
        seats=sum(r.seats for r in results),
        candidates=sum(len(r.candidates) for r in results),
        elected=sum(len(r.decision.elected) if r.decision else 0 for r in results),
        official=bool(results) and all(r.official for r in results),
    )


def contest_summaries(results: list[ConstituencyResult]) -> list[ContestSummary]:
    """Group constituency results by contest (in their order) into committee summaries."""
    groups: dict[int, list[ConstituencyResult]] = {}
    for r in results:
        groups.setdefault(r.contest.id, []).append(r)
    return [contest_summary(contest=rs[0].contest, results=rs) for rs in groups.values()]


# --------------------------------------------------------------------------------------------
# Progress (who has not reported) and roll-ups by unit
# --------------------------------------------------------------------------------------------


def _descendants(unit: AdminUnit) -> QuerySet:
    return UnitAncestry.objects.filter(ancestor=unit).values("descendant_id")


def progress(*, election: Election, unit: AdminUnit) -> list[dict[str, Any]]:
    """Per contest under the unit: minutes definitive / in entry / missing (main round), the
    missing polling areas named, and the same counts per child unit."""
    assignments = list(
        PollingAreaConstituency.objects.filter(
            polling_area__election=election, polling_area__unit_id__in=_descendants(unit)
        )
        .select_related("contest")
        .values_list(
            "polling_area_id",
            "contest_id",
            "polling_area__code",
            "polling_area__name",
            "polling_area__unit_id",
            "polling_area__unit__name",
        )
    )
    status = {
        (a, c): s
        for a, c, s in CountMinutes.objects.filter(
            polling_area__election=election,
            round=Round.MAIN,
            polling_area__unit_id__in=_descendants(unit),
        ).values_list("polling_area_id", "contest_id", "status")
    }
    children = list(unit.children.order_by("code"))
    child_of = dict(
        UnitAncestry.objects.filter(ancestor__in=children).values_list(
            "descendant_id", "ancestor_id"
        )
    )
    contests = {c.id: c for c in election.contests.select_related("unit")}
    per: dict[int, dict[str, Any]] = {}
    for area_id, contest_id, code, name, unit_id, unit_name in assignments:
        p = per.setdefault(
            contest_id,
            {
                "contest": contests[contest_id],
                "total": 0,
                "definitive": 0,
                "in_entry": 0,
                "missing": 0,
                "missing_areas": [],
                "children": defaultdict(lambda: {"total": 0, "definitive": 0}),
            },
        )
        s = status.get((area_id, contest_id), CountMinutes.Status.EMPTY)
        p["total"] += 1
        if s == CountMinutes.Status.DEFINITIVE:
            p["definitive"] += 1
        elif s == CountMinutes.Status.EMPTY:
            p["missing"] += 1
            p["missing_areas"].append({"code": code, "name": name, "unit": unit_name})
        else:
            p["in_entry"] += 1
        child = child_of.get(unit_id)
        if child is not None:
            p["children"][child]["total"] += 1
            p["children"][child]["definitive"] += int(s == CountMinutes.Status.DEFINITIVE)
    out = []
    for contest_id in sorted(per):
        p = per[contest_id]
        p["missing_areas"].sort(key=lambda a: a["code"])
        p["pct"] = percent(p["definitive"], p["total"])
        p["children"] = [
            {"unit": c, **p["children"][c.id]} for c in children if c.id in p["children"]
        ]
        out.append(p)
    return out


def unit_rollup(*, election: Election, unit: AdminUnit, contest: Contest) -> dict[str, Any]:
    """Totals of the definitive main-round minutes of one contest under the unit, and per
    child unit (turnout, valid, invalid at every level)."""
    children = list(unit.children.order_by("code"))
    child_of = dict(
        UnitAncestry.objects.filter(ancestor__in=children).values_list(
            "descendant_id", "ancestor_id"
        )
    )
    total = rules.Totals()
    per: dict[int, rules.Totals] = defaultdict(rules.Totals)
    for row in (
        CountMinutes.objects.filter(
            contest=contest,
            round=Round.MAIN,
            status=CountMinutes.Status.DEFINITIVE,
            polling_area__unit_id__in=_descendants(unit),
        )
        .values("polling_area__unit_id")
        .annotate(**_sum_fields())
    ):
        total.add(row)
        child = child_of.get(row["polling_area__unit_id"])
        if child is not None:
            per[child].add(row)
    return {
        "totals": total,
        "children": [{"unit": c, "totals": per[c.id]} for c in children if c.id in per],
    }


def rollup_tree(*, election: Election) -> dict[tuple[int, int], rules.Totals]:
    """{(unit id, contest id): totals} for every unit of the election's tree and every contest,
    from the definitive main-round minutes: one grouped query and the closure table."""
    leaf: dict[tuple[int, int], dict[str, Any]] = {}
    for row in (
        CountMinutes.objects.filter(
            polling_area__election=election,
            round=Round.MAIN,
            status=CountMinutes.Status.DEFINITIVE,
        )
        .values("polling_area__unit_id", "contest_id")
        .annotate(**_sum_fields())
    ):
        leaf[(row["polling_area__unit_id"], row["contest_id"])] = row
    leaf_units = {u for u, _ in leaf}
    ancestors: dict[int, list[int]] = defaultdict(list)
    for desc, anc in UnitAncestry.objects.filter(descendant_id__in=leaf_units).values_list(
        "descendant_id", "ancestor_id"
    ):
        ancestors[desc].append(anc)
    out: dict[tuple[int, int], rules.Totals] = defaultdict(rules.Totals)
    for (unit_id, contest_id), row in leaf.items():
        for anc in ancestors[unit_id]:
            out[(anc, contest_id)].add(row)
    return dict(out)


# --------------------------------------------------------------------------------------------
# Scoped lookups for views and the API
# --------------------------------------------------------------------------------------------


def constituency_get(
    *, user: Any, election: Election, contest_code: str, number: int, cap: Cap = Cap.VIEW
) -> Constituency:
    const = (
        Constituency.objects.select_related("contest__unit", "contest__election")
        .filter(contest__election=election, contest__code=contest_code, number=number)
        .first()
    )
    if const is None:
        raise Http404
    if not can_constituency(user, cap, const):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return const


def visible_constituency_ids(*, user: Any, election: Election) -> set[int] | None:
    """None = all (the user sees the whole election); else the constituencies visible."""
    if can(user, Cap.VIEW, election.root):
        return None
    ids = set(board_constituency_ids(user))
    contests = scope_units(user, election.contests.all(), Cap.VIEW, field="unit_id")
    ids |= set(Constituency.objects.filter(contest__in=contests).values_list("id", flat=True))
    # constituencies with a polling area the user sees
    areas = scope_areas(user, election.polling_areas.all(), Cap.VIEW)
    ids |= set(
        PollingAreaConstituency.objects.filter(polling_area__in=areas).values_list(
            "constituency_id", flat=True
        )
    )
    return ids


def published_contests(*, election: Election) -> list[ContestPublication]:
    return list(
        ContestPublication.objects.filter(contest__election=election)
        .select_related("contest")
        .order_by("contest_id")
    )
