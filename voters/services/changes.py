"""Single-voter writes: register, correct, and the typed changes of Art 30, 32, 34.

Each runs in one transaction with its ledger event(s) and an audit event. A voter is listed in
at most one list at a time (checked here and by the `voter_listed_once` constraint). After the
cut-off (24 hours before voting starts) every change is refused with ListsClosed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from common.audit import record
from election.models import PollingArea
from voters import rules
from voters.models import Voter, VoterEvent
from voters.rules import PERSON_FIELDS
from voters.services.counts import refresh_area_counts
from voters.services.import_list import lists_open


class VoterError(Exception):
    """A change the law or the data does not allow; the message is for the user (Vietnamese)."""

    def __init__(self, message: str, errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class ListsClosed(VoterError):
    pass


def _check_open(area: PollingArea, now: dt.datetime | None) -> None:
    if not lists_open(area.election, now, polling_day=area.effective_polling_day):
        close = rules.changes_close(area.effective_polling_day)
        raise ListsClosed(
            "Đã hết thời hạn thay đổi danh sách cử tri: chỉ được thay đổi đến 24 giờ trước khi "
            f"bắt đầu bỏ phiếu ({close:%H:%M ngày %d/%m/%Y}, Điều 30, 32 Luật Bầu cử)."
        )


def _snapshot(voter: Voter) -> dict[str, Any]:
    return {f: getattr(voter, f) for f in [*PERSON_FIELDS, "status", "note", "polling_area_id"]}


def _next_stt(area: PollingArea) -> int:
    PollingArea.objects.select_for_update().filter(pk=area.pk).first()  # serialise numbering
    last = Voter.objects.filter(polling_area=area).aggregate(m=Max("stt"))["m"] or 0
    return last + 1


def _event(
    *,
    voter: Voter,
    kind: str,
    actor: Any,
    now: dt.datetime,
    reason: str = "",
    note: str = "",
    source: str = "web",
    related: Voter | None = None,
    changes: dict[str, Any] | None = None,
) -> VoterEvent:
    return VoterEvent.objects.create(
        election_id=voter.election_id,
        polling_area_id=voter.polling_area_id,
        voter=voter,
        kind=kind,
        reason=reason,
        delta=rules.EVENT_DELTA[kind],
        note=note[:300],
        source=source,
        related=related,
        changes=changes or {},
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )


def _audit(actor: Any, action: str, voter: Voter, before: Any, after: Any, source: str) -> None:
    record(
        actor=actor,
        action=action,
        obj=voter,
        before=before,
        after=after,
        unit_id=voter.polling_area.unit_id,
        election_id=voter.election_id,
        source=source,
    )


def validate_person(
    data: dict[str, Any], *, area: PollingArea
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The import's row validation applied to a form (same rules, same messages)."""
    raw = dict(data)
    raw["area_code"] = area.code
    check = rules.validate_row(
        raw,
        election_day=area.election.date,
        areas={area.code: rules.AreaInfo(area.pk, area.kind, area.unit_id)},
    )
    return check.record, check.errors


def _ensure_not_listed(election_id: int, national_id: str, exclude: int | None = None) -> None:
    other = (
        Voter.objects.filter(
            election_id=election_id, national_id=national_id, status=Voter.Status.LISTED
        )
        .exclude(pk=exclude)
        .select_related("polling_area__unit")
        .first()
    )
    if other is not None:
        raise VoterError(
            f"Số định danh {national_id} đã có trong danh sách cử tri khu vực "
            f"{other.polling_area.code} ({other.polling_area.unit.name}), số thứ tự {other.stt}; "
            "một cử tri chỉ được ghi tên ở một nơi."
        )


@transaction.atomic
def voter_register(
    *,
    actor: Any,
    area: PollingArea,
    data: dict[str, Any],
    source: str = "web",
    now: dt.datetime | None = None,
) -> Voter:
    """Add one voter to a polling area's list (STT after the last number)."""
    now = now or timezone.now()
    _check_open(area, now)
    rec, errors = validate_person(data, area=area)
    if rec is None:
        raise VoterError("Dữ liệu cử tri chưa hợp lệ.", errors)
    _ensure_not_listed(area.election_id, rec["national_id"])
    rec.pop("polling_area_id")
    voter = Voter.objects.create(
        election_id=area.election_id, polling_area=area, stt=_next_stt(area), **rec
    )
    _event(voter=voter, kind="added", reason="registered", actor=actor, now=now, source=source)
    _audit(actor, "voter.registered", voter, None, _snapshot(voter), source)
    refresh_area_counts(election_id=voter.election_id, area_ids=[area.pk])
    return voter


@transaction.atomic
def voter_update(
    *,
    actor: Any,
    voter: Voter,
    data: dict[str, Any],
    source: str = "web",
    now: dt.datetime | None = None,
) -> Voter:
    """Correct a voter's details (the same validation as the import)."""
    now = now or timezone.now()
    voter = (
        Voter.objects.select_for_update().select_related("polling_area__election").get(pk=voter.pk)
    )
    area = voter.polling_area
    _check_open(area, now)
    if voter.status == Voter.Status.REMOVED:
        raise VoterError("Cử tri đã bị xóa khỏi danh sách; không sửa được.")
    rec, errors = validate_person(data, area=area)
    if rec is None:
        raise VoterError("Dữ liệu cử tri chưa hợp lệ.", errors)
    if voter.residence == Voter.Residence.ELSEWHERE:
        rec["residence"], rec["contest_scope"] = voter.residence, voter.contest_scope
    if voter.status == Voter.Status.LISTED:
        _ensure_not_listed(voter.election_id, rec["national_id"], exclude=voter.pk)
    before = _snapshot(voter)
    for key, value in rec.items():
        if key in PERSON_FIELDS or key == "search_key":
            setattr(voter, key, value)
    after = _snapshot(voter)
    if before == after:
        return voter
    voter.save()
    from common.audit import diff

    _event(
        voter=voter,
        kind="updated",
        reason="correction",
        actor=actor,
        now=now,
        source=source,
        changes=diff(before, after),
    )
    _audit(actor, "voter.updated", voter, before, after, source)
    refresh_area_counts(election_id=voter.election_id, area_ids=[voter.polling_area_id])
    return voter


REMOVAL_KINDS = ("removed", "ineligible", "died", "unreachable", "duplicate")
MOVE_REASONS = ("permanent_move", "temporary_move", "detention", "release")
_MOVE_RESIDENCE = {
    "permanent_move": rules.PERMANENT,
    "temporary_move": rules.TEMPORARY,
    "detention": rules.DETAINED,
    "release": rules.PERMANENT,
}
_NOTES = {
    "removed": "Xóa tên",
    "ineligible": "Không đủ điều kiện (Điều 30)",
    "died": "Đã chết",
    "unreachable": "Không liên lạc được",
    "duplicate": "Trùng tên, đã gộp",
    "permanent_move": "Chuyển thường trú",
    "temporary_move": "Chuyển đến nơi tạm trú",
    "detention": "Bị tạm giam, tạm giữ",
    "release": "Hết thời hạn tạm giam, tạm giữ",
}


@transaction.atomic
def voter_change(
    *,
    actor: Any,
    voter: Voter,
    kind: str,
    reason: str = "",
    note: str = "",
    target_area: PollingArea | None = None,
    kept: Voter | None = None,
    temporary_since: dt.date | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> list[VoterEvent]:
    """A typed change (biến động): removals, moves, certificates to vote elsewhere, restore.

    - removals (`removed`, `ineligible`, `died`, `unreachable`, `duplicate` with the `kept`
      entry): the entry keeps its STT, status removed, with a note. `ineligible` needs its
      Art 30(1) ground as `reason` (a key of rules.ART30_STATUSES), stored on the event.
    - `moved_out` with a reason (permanent_move, temporary_move, detention, release) and,
      when the new place is in this election, `target_area`: the voter is added there.
    - `elsewhere_issued`: the name gets the note "Bỏ phiếu ở nơi khác" and is no longer
      counted here; with `target_area` the voter is added there (NA + provincial council).
    - `restored` (Art 30(2)): a removed entry is put back on its list.
    """
    now = now or timezone.now()
    voter = (
        Voter.objects.select_for_update().select_related("polling_area__election").get(pk=voter.pk)
    )
    _check_open(voter.polling_area, now)
    if target_area is not None:
        _check_open(target_area, now)
        if target_area.election_id != voter.election_id:
            raise VoterError("Khu vực bỏ phiếu mới không thuộc cuộc bầu cử này.")
        if target_area.pk == voter.polling_area_id:
            raise VoterError("Khu vực bỏ phiếu mới trùng với khu vực hiện tại.")
    before = _snapshot(voter)
    events: list[VoterEvent] = []
    if kind == "restored":
        if voter.status != Voter.Status.REMOVED:
            raise VoterError("Chỉ khôi phục được cử tri đã bị xóa tên.")
        _ensure_not_listed(voter.election_id, voter.national_id, exclude=voter.pk)
        voter.status, voter.note = Voter.Status.LISTED, note[:200]
        voter.save(update_fields=["status", "note", "updated_at"])
        events.append(
            _event(voter=voter, kind=kind, actor=actor, now=now, note=note, source=source)
        )
        _audit(actor, "voter.restored", voter, before, _snapshot(voter), source)
        refresh_area_counts(election_id=voter.election_id, area_ids=[voter.polling_area_id])
        return events
    if voter.status != Voter.Status.LISTED:
        raise VoterError("Cử tri không còn trong danh sách (đã xóa hoặc bỏ phiếu ở nơi khác).")
    if kind in REMOVAL_KINDS:
        if kind == "duplicate":
            if kept is None or kept.pk == voter.pk or kept.election_id != voter.election_id:
                raise VoterError("Cần chọn bản ghi được giữ lại khi gộp trùng.")
        label = _NOTES[kind]
        if kind == "ineligible":
            if reason not in rules.ART30_STATUSES:
                raise VoterError(
                    "Cần chọn căn cứ theo khoản 1 Điều 30 Luật Bầu cử: "
                    + "; ".join(rules.ART30_STATUSES.values())
                    + "."
                )
            label = f"{label}: {rules.ART30_STATUSES[reason]}"
        elif reason in rules.ART30_STATUSES:
            raise VoterError("Căn cứ Điều 30 khoản 1 chỉ dùng cho thay đổi không đủ điều kiện.")
        voter.status = Voter.Status.REMOVED
        if note:
            label = f"{label} ({note})" if kind == "ineligible" else f"{label}: {note}"
        voter.note = label[:200]
        voter.save(update_fields=["status", "note", "updated_at"])
        events.append(
            _event(
                voter=voter,
                kind=kind,
                reason=reason or "other",
                actor=actor,
                now=now,
                note=note,
                source=source,
                related=kept,
            )
        )
    elif kind == "moved_out":
        if reason not in MOVE_REASONS:
            raise VoterError("Cần lý do chuyển đi.")
        voter.status = Voter.Status.REMOVED
        voter.note = _NOTES[reason][:200]
        voter.save(update_fields=["status", "note", "updated_at"])
        events.append(
            _event(
                voter=voter,
                kind="moved_out",
                reason=reason,
                actor=actor,
                now=now,
                note=note,
                source=source,
            )
        )
        if target_area is not None:
            residence = _MOVE_RESIDENCE[reason]
            if target_area.kind == "detention":
                residence = rules.DETAINED
            since = temporary_since or now.date()
            new = _copy_to(
                voter,
                target_area,
                residence=residence,
                scope=rules.contest_scope(
                    residence, since if residence == rules.TEMPORARY else None, voter_day(voter)
                ),
                temporary_since=since if residence == rules.TEMPORARY else None,
            )
            events.append(
                _event(
                    voter=new,
                    kind="moved_in",
                    reason=reason,
                    actor=actor,
                    now=now,
                    note=note,
                    source=source,
                    related=voter,
                )
            )
            _audit(actor, "voter.moved_in", new, None, _snapshot(new), source)
            # the move-out points at the new entry (a re-import of the old place's file
            # recognises the person as moved by staff, not as listed twice)
            events[0].related = new
            events[0].save(update_fields=["related"])
    elif kind == "elsewhere_issued":
        voter.status = Voter.Status.ELSEWHERE
        voter.note = rules.NOTE_ELSEWHERE
        voter.save(update_fields=["status", "note", "updated_at"])
        events.append(
            _event(
                voter=voter,
                kind="elsewhere_issued",
                actor=actor,
                now=now,
                note=note,
                source=source,
            )
        )
        if target_area is not None:
            new = _copy_to(
                voter,
                target_area,
                residence=rules.ELSEWHERE,
                scope=rules.SCOPE_NA_PROVINCE,
                temporary_since=None,
            )
            new.note = f"Giấy chứng nhận từ KVBP {voter.polling_area.code}"[:200]
            new.save(update_fields=["note"])
            events.append(
                _event(
                    voter=new,
                    kind="elsewhere_received",
                    actor=actor,
                    now=now,
                    note=note,
                    source=source,
                    related=voter,
                )
            )
            _audit(actor, "voter.elsewhere_received", new, None, _snapshot(new), source)
    else:
        raise VoterError(f"Loại thay đổi không hợp lệ: {kind}")
    _audit(actor, f"voter.{kind}", voter, before, _snapshot(voter), source)
    refresh_area_counts(
        election_id=voter.election_id,
        area_ids=[voter.polling_area_id, *([target_area.pk] if target_area else [])],
    )
    return events


def voter_day(voter: Voter) -> dt.date:
    return voter.polling_area.election.date


def _copy_to(
    voter: Voter,
    area: PollingArea,
    *,
    residence: str,
    scope: str,
    temporary_since: dt.date | None,
) -> Voter:
    _ensure_not_listed(voter.election_id, voter.national_id, exclude=voter.pk)
    fields = {f: getattr(voter, f) for f in PERSON_FIELDS}
    fields.update(
        residence=residence,
        contest_scope=scope,
        temporary_since=temporary_since,
        household_code="",
        is_head=False,
        relation="",
    )
    if residence == rules.TEMPORARY and not fields["temporary_address"]:
        fields["temporary_address"] = area.name
    return Voter.objects.create(
        election_id=voter.election_id,
        polling_area=area,
        stt=_next_stt(area),
        search_key=voter.search_key,
        **fields,
    )
