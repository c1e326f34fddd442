"""Writes of count minutes: first and second entry, resolution, reopening, checked import.

Every write runs in one transaction with its audit row. The minutes row is locked
(SELECT … FOR UPDATE on PostgreSQL; SQLite transactions are IMMEDIATE, i.e. serialised) and
carries a version: a save made on a stale form is refused, never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import record
from election.access import can_enter_minutes, can_settle_minutes
from election.models import Contest, PollingArea, PollingAreaConstituency
from results import rules, selectors
from results.models import (
    CandidateVotes,
    ContestPublication,
    CountMinutes,
    MinutesEntry,
    Round,
    VoteRound,
)


class MinutesError(Exception):
    """The minutes cannot be saved; `findings` says why (rule codes) where it applies."""

    def __init__(self, message: str, findings: list[rules.Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class MinutesRejected(MinutesError):
    """Blocking errors (F codes)."""


class NeedsAcknowledgement(MinutesError):
    """Warnings (W codes) not yet acknowledged by the person entering."""


class StaleVersion(MinutesError):
    """Someone else saved these minutes since the form was opened."""


class WrongState(MinutesError):
    """The state machine does not allow this action now."""


@dataclass
class EntryOutcome:
    minutes: CountMinutes
    entry: MinutesEntry
    findings: list[rules.Finding]


def _system(actor: Any) -> bool:
    return actor is None or not getattr(actor, "is_authenticated", False)


def minutes_get_or_create(
    *, area: PollingArea, contest: Contest, round: str = Round.MAIN
) -> CountMinutes:
    """The minutes row of (area, contest, round), created empty on first use."""
    existing = CountMinutes.objects.filter(polling_area=area, contest=contest, round=round).first()
    if existing:
        return existing
    link = PollingAreaConstituency.objects.filter(polling_area=area, contest=contest).first()
    if link is None:
        raise MinutesError(
            _("Polling area %(area)s does not take part in contest %(contest)s.")
            % {"area": area.code, "contest": contest.code}
        )
    if (
        round != Round.MAIN
        and not VoteRound.objects.filter(constituency_id=link.constituency_id, kind=round).exists()
    ):
        raise WrongState(
            _("%(round)s: not decided for this constituency.")
            % {"round": Round(round).label if round in Round.values else round}
        )
    try:
        with transaction.atomic():
            return CountMinutes.objects.create(
                polling_area=area,
                contest=contest,
                constituency_id=link.constituency_id,
                round=round,
            )
    except IntegrityError:
        return CountMinutes.objects.get(polling_area=area, contest=contest, round=round)


def _lock(minutes: CountMinutes) -> CountMinutes:
    return (
        CountMinutes.objects.select_for_update(of=("self",))
        .select_related("polling_area__election", "polling_area__unit", "constituency__contest")
        .get(pk=minutes.pk)
    )


def _check_version(m: CountMinutes, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != m.version:
        raise StaleVersion(
            _("These minutes were saved by someone else since you opened them; reload and check.")
        )


def _snapshot(m: CountMinutes) -> dict[str, Any]:
    return {
        "status": m.status,
        **{f: getattr(m, f) for f in rules.FIELDS},
        "valid_by_names_kept": m.valid_by_names_kept,
        "votes": {
            str(cid): v
            for cid, v in m.votes.order_by("candidate_id").values_list("candidate_id", "votes")
        },
    }


def check(
    *, minutes: CountMinutes, figures: rules.Figures, expected_listed: int | None = None
) -> list[rules.Finding]:
    """All findings of these figures in the context of the minutes (seats, candidates,
    thresholds, voter list, last turnout report, other areas of the unit)."""
    area = minutes.polling_area
    election = area.election
    cands = selectors.minutes_candidates(constituency=minutes.constituency, round=minutes.round)
    if expected_listed is None and minutes.round == Round.MAIN:
        expected_listed = selectors.listed_prefill(election=election, area_ids=[area.id]).get(
            (area.id, minutes.contest_id)
        )
    # turnout reports count people, who all get a National Assembly ballot; council contests
    # may legitimately have fewer voters (temporary residents, soldiers), so W.203 is checked
    # on the National Assembly minutes only
    turnout = (
        selectors.turnout_reported(election=election, area_ids=[area.id]).get(area.id)
        if minutes.round == Round.MAIN and minutes.contest.kind == rules.NATIONAL_ASSEMBLY
        else None
    )
    seats = minutes.constituency.seats
    if minutes.round == Round.ADDITIONAL:
        seats = len(cands)  # bounded below by the remaining seats; ballots list only these
    return rules.check_minutes(
        figures,
        seats=seats,
        candidate_names={c.id: c.full_name for c in cands},
        thresholds=selectors.thresholds_for(election),
        expected_listed=expected_listed,
        turnout_reported=turnout,
        identical_to=selectors.identical_vote_areas(minutes=minutes, votes=dict(figures.votes)),
    )


def _make_definitive(m: CountMinutes, data: dict[str, Any], acknowledged: list[str]) -> None:
    fig = rules.Figures.from_data(data)
    for f in rules.FIELDS:
        setattr(m, f, getattr(fig, f))
    m.voters_listed_reason = fig.voters_listed_reason
    m.valid_by_names_kept = data.get("valid_by_names_kept")
    m.acknowledged = sorted(set(acknowledged))
    m.status = CountMinutes.Status.DEFINITIVE
    m.definitive_at = timezone.now()
    m.votes.all().delete()
    CandidateVotes.objects.bulk_create(
        CandidateVotes(minutes=m, candidate_id=int(k), votes=v, round=m.round)
        for k, v in (data.get("votes") or {}).items()
    )


def _clear(m: CountMinutes) -> None:
    for f in rules.FIELDS:
        setattr(m, f, None)
    m.valid_by_names_kept = None
    m.voters_listed_reason = ""
    m.acknowledged = []
    m.definitive_at = None
    m.votes.all().delete()


def _save_and_audit(
    m: CountMinutes, *, actor: Any, action: str, source: str, **fields: Any
) -> None:
    """Bump the minutes' version, save them, and write the audit row of the change."""
    m.version += 1
    m.save()
    record(
        actor=actor,
        action=action,
        obj=m,
        object_repr=f"{m.polling_area.code} {m.contest.code} {m.round}",
        unit_id=m.polling_area.unit_id,
        election_id=m.polling_area.election_id,
        source=source,
        **fields,
    )


@transaction.atomic
def minutes_enter(
    *,
    actor: Any,
    minutes: CountMinutes,
    figures: rules.Figures,
    acknowledged: list[str] | tuple[str, ...] = (),
    expected_version: int | None = None,
    expected_listed: int | None = None,
    expected_number: int | None = None,
    source: str = "web",
) -> EntryOutcome:
    """Submit one whole entry. The first entry waits for a second, by another person, made
    blind; equal entries make the minutes definitive, different ones go to a coordinator.
    expected_number (1 or 2): refuse unless this is the entry the minutes wait for."""
    m = _lock(minutes)
    if not _system(actor) and not can_enter_minutes(actor, m.polling_area):
        raise PermissionDenied
    _check_version(m, expected_version)
    waits_for = {CountMinutes.Status.EMPTY: 1, CountMinutes.Status.FIRST_ENTRY: 2}.get(m.status)
    if expected_number is not None and waits_for != expected_number:
        raise WrongState(
            _("Entry %(n)s was asked for, but these minutes are %(state)s.")
            % {"n": expected_number, "state": m.get_status_display()}
        )
    findings = check(minutes=m, figures=figures, expected_listed=expected_listed)
    errors = rules.blocking(findings)
    if errors:
        raise MinutesRejected(_("The minutes have errors."), errors)
    pending = rules.unacknowledged(findings, acknowledged)
    if pending:
        raise NeedsAcknowledgement(_("Each warning must be acknowledged."), pending)
    data = figures.as_data()
    ack = sorted({f.code for f in findings if f.severity == rules.WARNING})
    first = m.entries.filter(current=True, number=1).first()
    same_person = bool(
        first
        and not _system(actor)
        and first.entered_by_id is not None
        and first.entered_by_id == actor.pk
    )
    equal = rules.entries_equal(rules.Figures.from_data(first.data), figures) if first else None
    try:
        new_state = rules.next_state_after_entry(m.status, same_person=same_person, equal=equal)
    except rules.TransitionError as exc:
        raise WrongState(str(exc)) from exc
    number = 1 if m.status == CountMinutes.Status.EMPTY else 2
    entry = MinutesEntry.objects.create(
        minutes=m,
        number=number,
        data=data,
        acknowledged=ack,
        entered_by=None if _system(actor) else actor,
        source=source,
    )
    if new_state == CountMinutes.Status.DEFINITIVE:
        _make_definitive(m, data, sorted(set(ack) | set(first.acknowledged if first else [])))
    m.status = new_state
    _save_and_audit(
        m,
        actor=actor,
        action=f"minutes.entry{number}",
        source=source,
        after={"status": new_state, **({} if number == 2 else {"entry": 1})},
        extra={
            "acknowledged": ack,
            **(
                {"differences": rules.entry_differences(first.data, data)}
                if first and new_state == CountMinutes.Status.DIFFERENT
                else {}
            ),
        },
    )
    return EntryOutcome(m, entry, findings)


@transaction.atomic
def minutes_resolve(
    *,
    actor: Any,
    minutes: CountMinutes,
    action: str,
    expected_version: int | None = None,
    source: str = "web",
) -> CountMinutes:
    """A coordinator settles differing entries: keep_first / keep_second (the kept entry must
    have no errors), discard_first / discard_second (the other waits for a new second entry),
    or discard_both (entry starts again)."""
    m = _lock(minutes)
    if not _system(actor) and not can_settle_minutes(actor, m.polling_area, m.constituency):
        raise PermissionDenied
    _check_version(m, expected_version)
    try:
        new_state = rules.next_state_after_resolve(m.status, action)
    except rules.TransitionError as exc:
        raise WrongState(str(exc)) from exc
    entries = {e.number: e for e in m.entries.filter(current=True)}
    if action in ("keep_first", "keep_second"):
        kept = entries[1 if action == "keep_first" else 2]
        errors = rules.blocking(check(minutes=m, figures=rules.Figures.from_data(kept.data)))
        if errors:
            raise MinutesRejected(_("The entry kept has errors."), errors)
        _make_definitive(m, kept.data, kept.acknowledged)
    elif action == "discard_first":
        entries[1].current = False
        entries[1].save(update_fields=["current"])
        entries[2].number = 1
        entries[2].save(update_fields=["number"])
    elif action == "discard_second":
        entries[2].current = False
        entries[2].save(update_fields=["current"])
    else:
        m.entries.filter(current=True).update(current=False)
    m.status = new_state
    _save_and_audit(
        m,
        actor=actor,
        action="minutes.resolved",
        source=source,
        after={"status": new_state},
        extra={
            "resolution": action,
            "differences": rules.entry_differences(entries[1].data, entries[2].data),
        },
    )
    return m


@transaction.atomic
def minutes_reopen(
    *, actor: Any, minutes: CountMinutes, reason: str, source: str = "web"
) -> CountMinutes:
    """Definitive minutes are changed only by a coordinator reopening them with a reason;
    both entries are kept as history and entry starts again."""
    m = _lock(minutes)
    if not _system(actor) and not can_settle_minutes(actor, m.polling_area, m.constituency):
        raise PermissionDenied
    if ContestPublication.objects.filter(contest_id=m.contest_id).exists():
        raise WrongState(
            _(
                "The results of this contest are published as official: its count minutes can "
                "no longer be reopened."
            )
        )
    try:
        new_state = rules.next_state_after_reopen(m.status, reason)
    except rules.TransitionError as exc:
        raise WrongState(str(exc)) from exc
    before = _snapshot(m)
    m.entries.filter(current=True).update(current=False)
    _clear(m)
    m.status = new_state
    _save_and_audit(
        m,
        actor=actor,
        action="minutes.reopened",
        source=source,
        before=before,
        after={"status": new_state},
        extra={"reason": reason},
    )
    return m


@transaction.atomic
def minutes_import_checked(
    *, actor: Any, minutes: CountMinutes, figures: rules.Figures, source: str = "cli"
) -> str:
    """Load minutes already checked on paper (both entries equal): returns "created",
    "unchanged"; raises when the minutes are in entry or definitive with other figures."""
    m = _lock(minutes)
    if m.status == CountMinutes.Status.DEFINITIVE:
        current = m.entries.filter(current=True, number=2).first()
        if current and rules.entries_equal(rules.Figures.from_data(current.data), figures):
            return "unchanged"
        raise WrongState(
            _(
                "These minutes are definitive with other figures: a coordinator must reopen "
                "them first."
            )
        )
    if m.status != CountMinutes.Status.EMPTY:
        raise WrongState(
            _("Entry is already under way (%(state)s).") % {"state": m.get_status_display()}
        )
    findings = check(minutes=m, figures=figures)
    errors = rules.blocking(findings)
    if errors:
        raise MinutesRejected(_("The minutes have errors."), errors)
    ack = sorted({f.code for f in findings if f.severity == rules.WARNING})
    data = figures.as_data()
    actor_obj = None if _system(actor) else actor
    for n in (1, 2):
        MinutesEntry.objects.create(
            minutes=m, number=n, data=data, acknowledged=ack, entered_by=actor_obj, source=source
        )
    _make_definitive(m, data, ack)
    _save_and_audit(
        m,
        actor=actor,
        action="minutes.imported",
        source=source,
        after={"status": m.status},
        extra={"acknowledged": ack},
    )
    return "created"
