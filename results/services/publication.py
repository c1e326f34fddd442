"""Committee decisions on results: declaring a re-vote or additional election for a
constituency, and publishing a contest's results as official (a hashed snapshot)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import record
from election.access import Cap, can, can_constituency
from election.models import Constituency, Contest
from results import rules, selectors
from results.models import (
    ContestPublication,
    NoAdditionalElection,
    Round,
    TieDecision,
    VoteRound,
)


class PublicationError(Exception):
    pass


@transaction.atomic
def vote_round_declare(
    *,
    actor: Any,
    constituency: Constituency,
    kind: str,
    date: dt.date | None = None,
    reason: str = "",
    source: str = "web",
) -> VoteRound:
    """The Election Committee decides a re-vote (Art 80) or additional election (Art 79).
    Each may happen once per constituency; an additional election needs unfilled seats."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not can_constituency(actor, Cap.APPROVE, constituency):
            raise PermissionDenied
    if kind not in (Round.REVOTE, Round.ADDITIONAL):
        raise PublicationError(_("Unknown round: %(kind)s.") % {"kind": kind})
    if VoteRound.objects.filter(constituency=constituency, kind=kind).exists():
        raise PublicationError(_("This round was already decided (the law allows only one)."))
    result = selectors.compute_results(
        election=constituency.contest.election, constituency_ids=[constituency.id]
    )[0]
    d = result.decision
    if kind == Round.REVOTE and not (d and d.needs_revote) and not reason.strip():
        raise PublicationError(_("A re-vote without low turnout needs a reason (Art 80)."))
    if kind == Round.ADDITIONAL and not (d and d.seats_unfilled > 0):
        raise PublicationError(_("No seat is unfilled: no additional election."))
    if kind == Round.ADDITIONAL and d and d.no_additional:
        raise PublicationError(
            _("The National Election Council decided that no additional election is held here.")
        )
    vr = VoteRound.objects.create(
        constituency=constituency,
        kind=kind,
        date=date,
        reason=reason,
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action=f"results.{kind}_declared",
        obj=vr,
        object_repr=f"{constituency}",
        unit_id=constituency.contest.unit_id,
        election_id=constituency.contest.election_id,
        source=source,
        after={"kind": kind, "date": date, "reason": reason},
    )
    return vr


@transaction.atomic
def tie_decide(
    *,
    actor: Any,
    constituency: Constituency,
    candidate_ids: list[int],
    reason: str,
    source: str = "web",
) -> TieDecision:
    """The Election Committee running the contest records how it settled a tie at the last
    seat that the birth dates cannot decide (Art 78(4) is silent on equal birth dates;
    domain.md §6.4). The chosen candidates must be among those tied, as many as the seats
    left undecided; the results then elect them, citing this decision."""
    contest = constituency.contest
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not can(actor, Cap.APPROVE, contest.unit_id):
            raise PermissionDenied
    if ContestPublication.objects.filter(contest_id=contest.id).exists():
        raise PublicationError(_("The contest is already published: its results cannot change."))
    if not reason.strip():
        raise PublicationError(_("Give the reason or how the Committee decided."))
    (result,) = selectors.compute_results(
        election=contest.election, constituency_ids=[constituency.id]
    )
    if result.first_decision and result.first_decision.undecided:
        decision, rnd = result.first_decision, result.round
    elif result.decision and result.decision.undecided:
        decision, rnd = result.decision, Round.ADDITIONAL  # the first round had no tie left
    else:
        raise PublicationError(_("There is no undecided tie in this result."))
    chosen = sorted(set(candidate_ids))
    try:
        rules.check_tie_choice(decision, chosen)
    except rules.TieChoiceError as exc:
        raise PublicationError(str(exc)) from exc
    old = TieDecision.objects.filter(constituency=constituency, round=rnd).first()
    before = (
        {"candidates": sorted(old.candidates.values_list("id", flat=True)), "reason": old.reason}
        if old
        else None
    )
    if old:  # a decision that no longer fits the tie (the figures changed since)
        old.delete()
    tie = TieDecision.objects.create(
        constituency=constituency,
        round=rnd,
        reason=reason.strip(),
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    tie.candidates.set(chosen)
    names = {c.id: c.full_name for c in result.candidates}
    record(
        actor=actor,
        action="results.tie_decided",
        obj=tie,
        object_repr=f"{constituency}",
        unit_id=contest.unit_id,
        election_id=contest.election_id,
        source=source,
        before=before,
        after={"candidates": chosen, "reason": tie.reason},
        extra={
            "round": rnd,
            "tied": [names.get(k, k) for k in decision.undecided],
            "chosen": [names.get(k, k) for k in chosen],
        },
    )
    return tie


@transaction.atomic
def no_additional_decide(
    *, actor: Any, constituency: Constituency, reason: str, source: str = "web"
) -> NoAdditionalElection:
    """Record that a National Assembly constituency left short of deputies holds no additional
    election. Art 79 gives the decision to the National Election Council (on the provincial
    Election Committee's request; domain.md §6.5); Baucu has no body above the contest's
    Election Committee, so a committee member of the contest's unit records it, citing the
    Council's decision in the reason. The constituency's minutes must all be definitive and
    no additional election decided; the result then cites the decision and the contest can be
    published with the seat(s) unfilled."""
    contest = constituency.contest
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not can(actor, Cap.APPROVE, contest.unit_id):
            raise PermissionDenied
    if ContestPublication.objects.filter(contest_id=contest.id).exists():
        raise PublicationError(_("The contest is already published: its results cannot change."))
    reason = reason.strip()
    if not reason:
        raise PublicationError(
            _("Give the National Election Council's decision (number, date) or the reason.")
        )
    if VoteRound.objects.filter(constituency=constituency, kind=Round.ADDITIONAL).exists():
        raise PublicationError(_("An additional election was already decided here."))
    (result,) = selectors.compute_results(
        election=contest.election, constituency_ids=[constituency.id]
    )
    if not result.complete:
        raise PublicationError(
            _("Every count minute of the constituency must be definitive first (%(n)s/%(of)s).")
            % {"n": result.reported, "of": result.areas}
        )
    old = NoAdditionalElection.objects.filter(constituency=constituency).first()
    d = result.first_decision
    try:
        rules.check_no_additional(d or rules.Decision(0, False), contest_kind=contest.kind)
    except rules.NoAdditionalError as exc:
        if old and d and d.no_additional:
            raise PublicationError(_("This decision is already recorded.")) from exc
        raise PublicationError(str(exc)) from exc
    before = (
        {"round": old.round, "seats_unfilled": old.seats_unfilled, "reason": old.reason}
        if old
        else None
    )
    if old:  # a decision for another shortfall (the figures changed since)
        old.delete()
    rec = NoAdditionalElection.objects.create(
        constituency=constituency,
        round=result.round,
        seats_unfilled=d.seats_unfilled,
        reason=reason,
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        action="results.no_additional_election",
        obj=rec,
        object_repr=f"{constituency}",
        unit_id=contest.unit_id,
        election_id=contest.election_id,
        source=source,
        before=before,
        after={"round": rec.round, "seats_unfilled": rec.seats_unfilled, "reason": reason},
        extra={"elected": [c.full_name for c in result.elected], "seats": result.seats},
    )
    return rec


@transaction.atomic
def contest_publish(*, actor: Any, contest: Contest, source: str = "web") -> ContestPublication:
    """Publish a contest's results as official: every constituency must have all its minutes
    definitive and no tie left undecided. The snapshot and its SHA-256 are kept."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        if not can(actor, Cap.APPROVE, contest.unit_id):
            raise PermissionDenied
    if ContestPublication.objects.filter(contest=contest).exists():
        raise PublicationError(_("The contest is already published: its results cannot change."))
    results = selectors.compute_results(election=contest.election, contest=contest)
    problems = [
        f"{r.constituency.name or r.constituency.number}: {r.reported}/{r.areas}"
        for r in results
        if not r.complete
    ]
    if problems:
        raise PublicationError(
            _("Count minutes are missing (definitive / polling areas): %(list)s")
            % {"list": "; ".join(problems)}
        )
    undecided = [
        str(r.constituency.name or r.constituency.number)
        for r in results
        if r.decision and r.decision.undecided
    ]
    if undecided:
        raise PublicationError(
            _("A tie is left undecided in: %(list)s") % {"list": "; ".join(undecided)}
        )
    waiting = [
        f"{r.constituency.name or r.constituency.number}: {Round(r.awaiting_round).label}"
        for r in results
        if r.awaiting_round
    ]
    if waiting:
        raise PublicationError(
            _(
                "Some constituencies still wait for a re-vote or an additional election; the "
                "results are published after those votes: %(list)s"
            )
            % {"list": "; ".join(waiting)}
        )
    doc = selectors.results_document(election=contest.election, results=results)
    doc.pop("generated_at", None)
    for c in doc["constituencies"]:
        c["status"] = "official"
    payload = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    pub = ContestPublication.objects.create(
        contest=contest,
        published_by=actor if getattr(actor, "pk", None) else None,
        snapshot=doc,
        sha256=hashlib.sha256(payload.encode()).hexdigest(),
    )
    record(
        actor=actor,
        action="results.published",
        obj=pub,
        object_repr=f"{contest.code}",
        unit_id=contest.unit_id,
        election_id=contest.election_id,
        source=source,
        after={"sha256": pub.sha256},
    )
    return pub
