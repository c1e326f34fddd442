"""Writes of turnout: a Team's report for a slot, and the committee's publication of a slot.

Each write runs in one transaction with its audit row; the live push (the area marked changed for
the coalescer) happens after commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from common.audit import record
from election.access import Cap, can, can_area
from election.models import Election, PollingArea
from realtime import clock, denominators, live, rules
from realtime.models import TurnoutPublication, TurnoutReport
from realtime.selectors import locked_slots, publication_data


class TurnoutRejected(Exception):
    """The report breaks a rule; `errors` are codes of rules.MESSAGES."""

    def __init__(self, errors: tuple[str, ...] | list[str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = tuple(errors)

    def messages(self) -> list[dict[str, str]]:
        return [
            {"code": code, "message": str(rules.MESSAGES.get(code, code))} for code in self.errors
        ]


@dataclass(frozen=True)
class Outcome:
    report: TurnoutReport
    created: bool
    corrected: bool
    unchanged: bool
    late: bool


def _fields(report: TurnoutReport) -> dict[str, Any]:
    return {
        "slot": report.slot,
        "voted": report.voted,
        "voted_female": report.voted_female,
        "voted_male": report.voted_male,
        "listed": report.listed,
        "is_late": report.is_late,
    }


def turnout_report_submit(
    *,
    actor: Any,
    area: PollingArea,
    slot: str,
    voted: int,
    voted_female: int | None = None,
    voted_male: int | None = None,
    voted_confirm: int | None = None,
    reason: str = "",
    source: str = TurnoutReport.Source.WEB,
    now: dt.datetime | None = None,
) -> Outcome:
    """Save a cumulative count for one slot of one polling area (only its own Team reports).

    Takes the area's row lock itself; a caller that has found the area with its row lock in its
    own transaction calls turnout_report_locked instead (the API)."""
    if not can_area(actor, Cap.REPORT_AREA, area):
        raise PermissionDenied
    sub = rules.Submission(
        slot=slot,
        voted=voted,
        voted_female=voted_female,
        voted_male=voted_male,
        voted_confirm=voted_confirm,
        reason=reason or "",
    )
    with transaction.atomic():
        # one writer per area at a time (row lock on PostgreSQL; SQLite writes are serial)
        PollingArea.objects.select_for_update().filter(pk=area.pk).first()
        published = slot in locked_slots(election=area.election)
        result = turnout_report_locked(
            actor=actor, area=area, sub=sub, published=published, source=source, now=now
        )
    if isinstance(result, TurnoutRejected):
        raise result
    return result


def turnout_report_locked(
    *,
    actor: Any,
    area: PollingArea,
    sub: rules.Submission,
    published: bool,
    source: str,
    now: dt.datetime | None = None,
) -> Outcome | TurnoutRejected:
    """The checks and writes of one report inside the caller's open transaction, which holds
    the area's row lock (one writer per area) and has read, after taking it or in the statement
    that took it, whether the slot `sub.slot` has been published.

    A broken rule is returned, not raised: the caller leaves its transaction block normally
    (nothing was written) and answers after it, since an exception out of a block without a
    savepoint would doom an enclosing transaction."""
    if not can_area(actor, Cap.REPORT_AREA, area):
        raise PermissionDenied
    election: Election = area.election
    now = now or clock.now_for(election)
    existing = _existing_reports(area)
    # rules.check asks only whether the reported slot is locked
    locked = frozenset({sub.slot}) if published else frozenset()
    ctx = _context(area, existing, locked=locked, now=now)
    verdict = rules.check(sub, ctx)
    if not verdict.ok:
        return TurnoutRejected(verdict.errors)
    report = existing.get(sub.slot)
    if verdict.unchanged and report is not None:
        return Outcome(report, created=False, corrected=False, unchanged=True, late=False)
    before = _fields(report) if report is not None else None
    report = _write(report, area, sub, ctx=ctx, verdict=verdict, actor=actor, source=source)
    reason = sub.reason.strip()
    record(
        actor=actor,
        action="turnout.correct" if verdict.correction else "turnout.report",
        obj=report,
        object_repr=f"{area.code} {sub.slot}: {sub.voted}",
        before=before,
        after=_fields(report),
        unit_id=area.unit_id,
        election_id=election.id,
        source=source,
        extra={"reason": reason}
        if verdict.correction
        else ({"after_publication": True} if published else None),
    )
    election_id, area_id = election.id, area.id
    transaction.on_commit(lambda: live.area_changed(election_id, [area_id]))
    return Outcome(
        report,
        created=before is None,
        corrected=verdict.correction,
        unchanged=False,
        late=verdict.late,
    )


def _existing_reports(area: PollingArea) -> dict[str, TurnoutReport]:
    """The area's reports by slot, read under its row lock."""
    existing = {r.slot: r for r in TurnoutReport.objects.filter(polling_area=area)}
    for r in existing.values():  # the caller's objects: no query per relation afterwards
        r.polling_area, r.election = area, area.election
    return existing


def _context(
    area: PollingArea,
    existing: dict[str, TurnoutReport],
    *,
    locked: frozenset[str],
    now: dt.datetime,
) -> rules.Context:
    election = area.election
    # the lists are frozen before voting starts: the cached counts of the election serve
    listed = denominators.listed(election_id=election.id).get(area.id, 0)
    by_sex = denominators.listed_by_sex(election_id=election.id)
    return rules.Context(
        keys=rules.slot_keys(election.turnout_slots),
        polling_day=area.effective_polling_day,
        rehearsal=election.is_rehearsal,
        now=now,
        listed=listed,
        listed_female=by_sex.get(area.id, {}).get("F") if by_sex else None,
        listed_male=by_sex.get(area.id, {}).get("M") if by_sex else None,
        existing={
            k: rules.Figures(r.voted, r.voted_female, r.voted_male) for k, r in existing.items()
        },
        locked=locked,
    )


def _write(
    report: TurnoutReport | None,
    area: PollingArea,
    sub: rules.Submission,
    *,
    ctx: rules.Context,
    verdict: rules.Verdict,
    actor: Any,
    source: str,
) -> TurnoutReport:
    """Save the slot's report: a new one, or the existing one corrected."""
    if report is None:
        report = TurnoutReport(
            election=area.election, polling_area=area, slot=sub.slot, is_late=verdict.late
        )
    else:
        report.corrections += 1
        report.correction_reason = sub.reason.strip()[:300]
    report.voted = sub.voted
    report.voted_female = sub.voted_female
    report.voted_male = sub.voted_male
    report.listed = ctx.listed
    report.source = source
    report.reported_by = actor if getattr(actor, "pk", None) else None
    report.reported_at = ctx.now
    report.save()
    return report


def turnout_epoch_advance(*, election_id: int) -> None:
    """Raise the election's turnout epoch: call it in the transaction that deletes turnout
    reports (a rehearsal wipe, a drill reset), which makes snapshot versions restart lower.
    Dashboards order snapshots by (epoch, version), so the lower versions that follow are
    accepted. The caller audits the deletion and calls live.election_changed after commit."""
    Election.objects.filter(pk=election_id).update(turnout_epoch=F("turnout_epoch") + 1)


class PublishRejected(Exception):
    pass


def _slot_label(key: str) -> str:
    return str(_("Closed (final)")) if key == rules.CLOSED else key


def turnout_publish(
    *, actor: Any, election: Election, slot: str, now: dt.datetime | None = None
) -> TurnoutPublication:
    """Publish the aggregates of a slot (immutable, versioned); the slot is locked from then."""
    if not can(actor, Cap.APPROVE, election.root_id):
        raise PermissionDenied
    now = now or clock.now()
    keys = rules.slot_keys(election.turnout_slots)
    if slot not in keys:
        raise PublishRejected(rules.MESSAGES["unknown_slot"])
    day = rules.reporting_day(
        polling_day=election.date, today=now.date(), rehearsal=election.is_rehearsal
    )
    if rules.slot_instant(keys, slot, day, now.tzinfo) > now:
        raise PublishRejected(rules.MESSAGES["future_slot"])
    try:
        with transaction.atomic():
            Election.objects.select_for_update().filter(pk=election.pk).first()
            published = list(election.turnout_publications.values_list("slot", flat=True))
            if slot in published:
                raise PublishRejected(_("This slot has already been published."))
            later = rules.later_published(keys, slot, published)
            if later is not None:
                raise PublishRejected(
                    _(
                        "The slot %(slot)s cannot be published: the later slot %(later)s has "
                        "already been published."
                    )
                    % {"slot": _slot_label(slot), "later": _slot_label(later)}
                )
            last = election.turnout_publications.order_by("-version").first()
            publication = TurnoutPublication.objects.create(
                election=election,
                version=(last.version + 1) if last else 1,
                slot=slot,
                published_at=now,
                published_by=actor if getattr(actor, "pk", None) else None,
                data=publication_data(election=election, slot=slot, now=now),
            )
            root = publication.data["units"][0] if publication.data["units"] else {}
            record(
                actor=actor,
                action="turnout.publish",
                obj=publication,
                object_repr=f"{election.slug} {slot} v{publication.version}",
                after={"slot": slot, "version": publication.version},
                unit_id=election.root_id,
                election_id=election.id,
                extra={"voted": root.get("voted"), "listed": root.get("listed")},
            )
    except IntegrityError as exc:  # a concurrent publication of the same slot
        raise PublishRejected(_("This slot has already been published.")) from exc
    return publication
