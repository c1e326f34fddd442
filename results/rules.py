"""The law on counting and winners, as pure functions: plain data in, plain data out, no ORM.

Integers are compared exactly: "more than half of n" is `2 * x > n`, never a float ratio.
Sources (domain.md): §5.5 minutes contents, §5.8 invariants of a tally, §6 winner rules
(Art 78 validity, threshold, ranking, age; Art 79 additional election; Art 80 re-vote).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from common.vn import format_int, format_percent, percent

NATIONAL_ASSEMBLY = "national_assembly"
PEOPLE_COUNCIL = "people_council"

MAIN, REVOTE, ADDITIONAL = "main", "revote", "additional"

FIELDS = (
    "voters_listed",
    "voters_voted",
    "ballots_issued",
    "ballots_received",
    "ballots_valid",
    "ballots_invalid",
)

# --------------------------------------------------------------------------------------------
# Checks of one count minute (coded like Abacus: F = error, blocks; W = warning, acknowledge)
# --------------------------------------------------------------------------------------------

ERROR, WARNING = "error", "warning"

MESSAGES: dict[str, Any] = {
    "F.101": _("%(field)s is empty: write 0 if there were none."),
    "F.102": _("The votes of %(candidate)s are empty: write 0 if there were none."),
    "F.103": _("Votes are given for a candidate who is not on this ballot (%(candidate)s)."),
    "F.201": _(
        "Valid ballots (%(valid)s) + invalid ballots (%(invalid)s) must equal ballots "
        "received (%(received)s)."
    ),
    "F.202": _("Ballots received (%(received)s) exceed ballots issued (%(issued)s)."),
    "F.203": _("Voters who voted (%(voted)s) exceed voters on the list (%(listed)s)."),
    "F.204": _("%(candidate)s has %(votes)s votes, more than the valid ballots (%(valid)s)."),
    "F.205": _(
        "The candidates' votes add up to %(total)s, but the valid ballots by names kept give "
        "%(expected)s."
    ),
    "F.206": _(
        "The candidates' votes add up to %(total)s, more than seats × valid ballots "
        "(%(seats)s × %(valid)s = %(limit)s)."
    ),
    "F.207": _(
        "The candidates' votes add up to %(total)s, fewer than the valid ballots (%(valid)s): "
        "every valid ballot keeps at least one name."
    ),
    "F.208": _(
        "Valid ballots by names kept add up to %(total)s, not to the valid ballots (%(valid)s)."
    ),
    "F.209": _("A valid ballot keeps from 1 to %(seats)s names; %(k)s is not possible."),
    "F.210": _(
        "Voters on the list (%(listed)s) differ from the voter list (%(expected)s): give the "
        "reason."
    ),
    "W.201": _(
        "Invalid ballots are %(pct)s of ballots received, above the warning threshold of %(limit)s."
    ),
    "W.202": _("Ballots issued (%(issued)s) differ from voters who voted (%(voted)s)."),
    "W.203": _(
        "Voters who voted (%(voted)s) differ from the last turnout report of the day "
        "(%(reported)s)."
    ),
    "W.204": _(
        "The votes per candidate are identical to those of %(other)s in the same unit: check "
        "that the minutes of the right polling area were entered."
    ),
}

FIELD_LABELS: dict[str, Any] = {
    "voters_listed": _("Voters on the list"),
    "voters_voted": _("Voters who voted"),
    "ballots_issued": _("Ballots issued"),
    "ballots_received": _("Ballots received"),
    "ballots_valid": _("Valid ballots"),
    "ballots_invalid": _("Invalid ballots"),
}


@dataclass(frozen=True)
class Finding:
    code: str
    params: tuple[tuple[str, Any], ...] = ()
    field: str = ""

    @property
    def severity(self) -> str:
        return ERROR if self.code.startswith("F") else WARNING

    @property
    def message(self) -> str:
        params = {k: (format_int(v) if isinstance(v, int) else v) for k, v in self.params}
        if "field" in params:
            params["field"] = str(FIELD_LABELS.get(params["field"], params["field"]))
        return str(MESSAGES[self.code]) % params

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
        }


def _f(code: str, where: str = "", **params: Any) -> Finding:
    return Finding(code, tuple(sorted(params.items())), where)


@dataclass(frozen=True)
class Figures:
    """The numbers of one count minute (None = left empty)."""

    voters_listed: int | None
    voters_voted: int | None
    ballots_issued: int | None
    ballots_received: int | None
    ballots_valid: int | None
    ballots_invalid: int | None
    votes: Mapping[Any, int | None]  # candidate key → votes
    valid_by_names_kept: Mapping[int, int] | None = None
    voters_listed_reason: str = ""

    def as_data(self) -> dict[str, Any]:
        """Canonical JSON form (what an entry stores and what two entries compare)."""
        return {
            **{f: getattr(self, f) for f in FIELDS},
            "valid_by_names_kept": (
                None
                if self.valid_by_names_kept is None
                else {str(k): v for k, v in sorted(self.valid_by_names_kept.items())}
            ),
            "votes": {str(k): v for k, v in sorted(self.votes.items(), key=lambda kv: str(kv[0]))},
            "voters_listed_reason": self.voters_listed_reason,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Figures:
        kept = data.get("valid_by_names_kept")
        return cls(
            **{f: data.get(f) for f in FIELDS},
            votes={_key(k): v for k, v in (data.get("votes") or {}).items()},
            valid_by_names_kept=None if kept is None else {int(k): v for k, v in kept.items()},
            voters_listed_reason=data.get("voters_listed_reason") or "",
        )


def _key(k: Any) -> Any:
    return int(k) if isinstance(k, str) and k.isdigit() else k


def entries_equal(a: Figures, b: Figures) -> bool:
    """Two entries agree when every figure agrees (the reason text is not a figure)."""
    da, db = a.as_data(), b.as_data()
    da.pop("voters_listed_reason")
    db.pop("voters_listed_reason")
    return da == db


def entry_differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Names of the figures two entries disagree on ("votes.<key>" for candidates)."""
    out = [f for f in FIELDS if a.get(f) != b.get(f)]
    if (a.get("valid_by_names_kept") or {}) != (b.get("valid_by_names_kept") or {}):
        out.append("valid_by_names_kept")
    va, vb = a.get("votes") or {}, b.get("votes") or {}
    out += [f"votes.{k}" for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
    return out


@dataclass(frozen=True)
class Thresholds:
    invalid_warning_pct: Decimal = Decimal("3.00")
    turnout_tolerance: int = 0


def check_minutes(
    fig: Figures,
    *,
    seats: int,
    candidate_names: Mapping[Any, str],
    thresholds: Thresholds = Thresholds(),
    expected_listed: int | None = None,
    turnout_reported: int | None = None,
    identical_to: Sequence[str] = (),
) -> list[Finding]:
    """Every error (F) and warning (W) of one count minute, in form order."""
    out: list[Finding] = []
    for name in FIELDS:
        value = getattr(fig, name)
        if value is None:
            out.append(_f("F.101", name, field=name))
    for key, name in candidate_names.items():
        if fig.votes.get(key) is None:
            out.append(_f("F.102", f"votes.{key}", candidate=name))
    for key in fig.votes:
        if key not in candidate_names:
            out.append(_f("F.103", "votes", candidate=str(key)))
    listed, voted = fig.voters_listed, fig.voters_voted
    issued, received = fig.ballots_issued, fig.ballots_received
    valid, invalid = fig.ballots_valid, fig.ballots_invalid
    if (
        expected_listed is not None
        and listed is not None
        and listed != expected_listed
        and not fig.voters_listed_reason.strip()
    ):
        out.append(_f("F.210", "voters_listed", listed=listed, expected=expected_listed))
    if listed is not None and voted is not None and voted > listed:
        out.append(_f("F.203", "voters_voted", voted=voted, listed=listed))
    if received is not None and issued is not None and received > issued:
        out.append(_f("F.202", "ballots_received", received=received, issued=issued))
    if None not in (valid, invalid, received) and valid + invalid != received:
        out.append(_f("F.201", "ballots_valid", valid=valid, invalid=invalid, received=received))
    votes = {k: v for k, v in fig.votes.items() if k in candidate_names and v is not None}
    if valid is not None:
        for key, v in votes.items():
            if v > valid:
                out.append(
                    _f(
                        "F.204",
                        f"votes.{key}",
                        candidate=candidate_names[key],
                        votes=v,
                        valid=valid,
                    )
                )
    complete = valid is not None and len(votes) == len(candidate_names)
    total = sum(votes.values())
    kept = fig.valid_by_names_kept
    if kept:
        bad_k = [k for k in kept if not 1 <= int(k) <= seats]
        for k in bad_k:
            out.append(_f("F.209", "valid_by_names_kept", seats=seats, k=int(k)))
        kept_total = sum(kept.values())
        if valid is not None and kept_total != valid:
            out.append(_f("F.208", "valid_by_names_kept", total=kept_total, valid=valid))
        expected = sum(int(k) * n for k, n in kept.items())
        if complete and not bad_k and total != expected:
            out.append(_f("F.205", "votes", total=total, expected=expected))
    if complete:
        if total > seats * valid:
            out.append(
                _f("F.206", "votes", total=total, seats=seats, valid=valid, limit=seats * valid)
            )
        if total < valid:
            out.append(_f("F.207", "votes", total=total, valid=valid))
    # warnings
    if received and invalid is not None:
        share = percent(invalid, received)
        if share is not None and share > thresholds.invalid_warning_pct:
            out.append(
                _f(
                    "W.201",
                    "ballots_invalid",
                    pct=format_percent(share),
                    limit=format_percent(thresholds.invalid_warning_pct),
                )
            )
    if issued is not None and voted is not None and issued != voted:
        out.append(_f("W.202", "ballots_issued", issued=issued, voted=voted))
    if (
        turnout_reported is not None
        and voted is not None
        and abs(voted - turnout_reported) > thresholds.turnout_tolerance
    ):
        out.append(_f("W.203", "voters_voted", voted=voted, reported=turnout_reported))
    for other in identical_to:
        out.append(_f("W.204", "votes", other=other))
    return out


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]


def unacknowledged(findings: Iterable[Finding], acknowledged: Iterable[str]) -> list[Finding]:
    ack = set(acknowledged)
    return [f for f in findings if f.severity == WARNING and f.code not in ack]


def identical_vectors(vectors: Mapping[Any, Sequence[int]]) -> dict[Any, list[Any]]:
    """{area: [other areas with the same non-trivial vote vector]} (W.204; Tally-Ho's check)."""
    by_vector: dict[tuple[int, ...], list[Any]] = {}
    for area, vec in vectors.items():
        t = tuple(vec)
        if sum(t) > 0:
            by_vector.setdefault(t, []).append(area)
    out: dict[Any, list[Any]] = {}
    for areas in by_vector.values():
        if len(areas) > 1:
            for a in areas:
                out[a] = [b for b in areas if b != a]
    return out


# --------------------------------------------------------------------------------------------
# Double entry (Abacus state machine, simplified: entries are submitted whole)
# --------------------------------------------------------------------------------------------

EMPTY, FIRST_ENTRY, DIFFERENT, DEFINITIVE = "empty", "first_entry", "different", "definitive"

# the same words as CountMinutes.Status (rules import no models)
STATE_LABELS: dict[str, Any] = {
    EMPTY: _("Not entered"),
    FIRST_ENTRY: _("First entry done"),
    DIFFERENT: _("Entries differ"),
    DEFINITIVE: _("Definitive"),
}


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state))


class TransitionError(Exception):
    """An action that the state of the minutes does not allow."""


def next_state_after_entry(state: str, *, same_person: bool, equal: bool | None) -> str:
    """empty --entry 1--> first_entry --entry 2--> definitive (equal) | different."""
    if state == EMPTY:
        return FIRST_ENTRY
    if state == FIRST_ENTRY:
        if same_person:
            raise TransitionError(_("The second entry must be made by another person."))
        return DEFINITIVE if equal else DIFFERENT
    raise TransitionError(
        _("No entry is expected: these minutes are %(state)s.") % {"state": state_label(state)}
    )


def next_state_after_resolve(state: str, action: str) -> str:
    """A coordinator settles different entries: keep the first or the second as correct
    (→ definitive), or discard one (→ first_entry, the other kept) or both (→ empty)."""
    if state != DIFFERENT:
        raise TransitionError(
            _("Nothing to settle: these minutes are %(state)s.") % {"state": state_label(state)}
        )
    outcomes = {
        "keep_first": DEFINITIVE,
        "keep_second": DEFINITIVE,
        "discard_first": FIRST_ENTRY,
        "discard_second": FIRST_ENTRY,
        "discard_both": EMPTY,
    }
    if action not in outcomes:
        raise TransitionError(_("Unknown way of settling: %(action)s.") % {"action": action})
    return outcomes[action]


def next_state_after_reopen(state: str, reason: str) -> str:
    if state != DEFINITIVE:
        raise TransitionError(
            _("Only definitive minutes are reopened; these minutes are %(state)s.")
            % {"state": state_label(state)}
        )
    if not reason.strip():
        raise TransitionError(_("Reopening needs a reason."))
    return EMPTY


# --------------------------------------------------------------------------------------------
# Winners (domain.md §6)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateIn:
    key: Any
    name: str
    votes: int
    birth_date: dt.date | None = None
    birth_year: int | None = None

    def birth_span(self) -> tuple[dt.date, dt.date]:
        """Earliest and latest possible birth date (a year alone spans the year)."""
        if self.birth_date:
            return self.birth_date, self.birth_date
        if self.birth_year:
            return dt.date(self.birth_year, 1, 1), dt.date(self.birth_year, 12, 31)
        return dt.date.min, dt.date.max


@dataclass(frozen=True)
class Note:
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def text(self) -> str:
        params = {k: (format_int(v) if isinstance(v, int) else v) for k, v in self.params}
        return str(NOTES[self.code]) % params


NOTES: dict[str, Any] = {
    "turnout_ok": _(
        "Art 78(1): %(voted)s of %(listed)s voters voted (%(pct)s), more than half: the "
        "election in this constituency is valid."
    ),
    "turnout_low": _(
        "Art 78(1), Art 80: %(voted)s of %(listed)s voters voted (%(pct)s), not more than half: "
        "the election here is not valid; the Election Committee is asked to decide a re-vote."
    ),
    "turnout_low_revote": _(
        "Art 80: in the re-vote %(voted)s of %(listed)s voters voted (%(pct)s); the law "
        "recognises the re-vote result even when turnout is not more than half (no second "
        "re-vote)."
    ),
    "threshold": _(
        "Art 78(2): a winner needs more than half of the %(valid)s valid ballots, i.e. at least "
        "%(need)s votes; %(passing)s candidate(s) reached it."
    ),
    "ranking": _(
        "Art 78(3): more candidates passed than seats; the %(seats)s with most votes are elected."
    ),
    "tie_age": _(
        "Art 78(4): %(names)s have equal votes (%(votes)s) at the last seat; the older "
        "candidate(s) %(winners)s elected."
    ),
    "tie_undecided": _(
        "Art 78(4): %(names)s have equal votes (%(votes)s) at the last seat and their birth "
        "dates do not decide it; %(seats)s seat(s) must be decided by the Election Committee."
    ),
    "shortfall_na": _(
        "Art 79: %(elected)s of %(seats)s seats filled; for the National Assembly any shortfall "
        "is reported so that the National Election Council decides an additional election."
    ),
    "shortfall_council_additional": _(
        "Art 79: %(elected)s of %(seats)s seats filled, fewer than two thirds: an additional "
        "election is proposed to the Election Committee."
    ),
    "shortfall_council_ok": _(
        "Art 79: %(elected)s of %(seats)s seats filled, at least two thirds: no additional "
        "election for a People's Council."
    ),
    "tie_decided": _(
        "Art 78(4) does not settle a tie of equal birth dates: by the Election Committee's "
        "decision of %(date)s, %(winners)s elected (%(reason)s)."
    ),
    "tie_decision_stale": _(
        "The Election Committee's decision of %(date)s on the tie no longer matches the "
        "figures (the tied candidates changed): the tie must be decided again."
    ),
    "no_additional_decided": _(
        "Art 79: by the National Election Council's decision of %(date)s no additional election "
        "is held for the %(unfilled)s unfilled seat(s) (%(reason)s); the result stands with "
        "%(elected)s of %(seats)s seats filled."
    ),
    "no_additional_stale": _(
        "The decision of %(date)s to hold no additional election no longer matches the figures "
        "(the unfilled seats changed): it must be decided again."
    ),
    "all_filled": _("All %(seats)s seats are filled."),
    "additional_round": _(
        "Art 79: additional election for %(seats)s seat(s) among the candidates not elected "
        "before; no second additional election."
    ),
    "revote_round": _("Art 80: the re-vote result replaces the first election's result."),
    "no_minutes": _("No definitive count minutes yet: no result."),
    "incomplete": _(
        "Provisional: %(reported)s of %(areas)s polling areas have definitive minutes."
    ),
}


@dataclass
class Decision:
    seats: int
    valid: bool
    elected: list[Any] = field(default_factory=list)
    undecided: list[Any] = field(default_factory=list)
    seats_undecided: int = 0
    needs_revote: bool = False
    needs_additional: bool = False
    no_additional: bool = False  # decided not to hold the additional election (Art 79)
    notes: list[Note] = field(default_factory=list)

    @property
    def seats_unfilled(self) -> int:
        return self.seats - len(self.elected) - self.seats_undecided


def more_than_half(part: int, whole: int) -> bool:
    """Art 78: "quá nửa" — strictly more than half, in integers."""
    return 2 * part > whole


def additional_needed(contest_kind: str, elected: int, seats: int) -> bool:
    """Art 79: NA — any shortfall; People's Council — fewer than two thirds of the seats."""
    if contest_kind == NATIONAL_ASSEMBLY:
        return elected < seats
    return 3 * elected < 2 * seats


def _n(code: str, **params: Any) -> Note:
    return Note(code, tuple(sorted(params.items())))


def _tie_split(group: list[CandidateIn], k: int) -> tuple[list[CandidateIn], list[CandidateIn]]:
    """Of a group tied on votes competing for k < len(group) seats, who is surely among the k
    oldest (elected), and who cannot be told apart (undecided)."""
    spans = {c.key: c.birth_span() for c in group}
    sure_in, maybe = [], []
    for c in group:
        lo, hi = spans[c.key]
        possibly_older = sum(1 for d in group if d.key != c.key and not hi < spans[d.key][0])
        surely_older = sum(1 for d in group if d.key != c.key and spans[d.key][1] < lo)
        if possibly_older < k:
            sure_in.append(c)
        elif surely_older >= k:
            continue  # surely out
        else:
            maybe.append(c)
    sure_in.sort(key=lambda c: spans[c.key])
    return sure_in, maybe


def decide(
    *,
    contest_kind: str,
    seats: int,
    voters_listed: int,
    voters_voted: int,
    ballots_valid: int,
    candidates: Sequence[CandidateIn],
    round: str = MAIN,
) -> Decision:
    """The result of one constituency (one round) by Art 78–80."""
    d = Decision(seats=seats, valid=True)
    turnout_pct = format_percent(percent(voters_voted, voters_listed))
    if round == ADDITIONAL:
        d.notes.append(_n("additional_round", seats=seats))
    if round == REVOTE:
        d.notes.append(_n("revote_round"))
    if more_than_half(voters_voted, voters_listed):
        d.notes.append(_n("turnout_ok", voted=voters_voted, listed=voters_listed, pct=turnout_pct))
    elif round == REVOTE:
        d.notes.append(
            _n("turnout_low_revote", voted=voters_voted, listed=voters_listed, pct=turnout_pct)
        )
    else:
        d.valid = False
        d.needs_revote = True
        d.notes.append(_n("turnout_low", voted=voters_voted, listed=voters_listed, pct=turnout_pct))
        return d
    passing = [c for c in candidates if more_than_half(c.votes, ballots_valid)]
    d.notes.append(
        _n("threshold", valid=ballots_valid, need=ballots_valid // 2 + 1, passing=len(passing))
    )
    if len(passing) > seats:
        d.notes.append(_n("ranking", seats=seats))
    by_votes: dict[int, list[CandidateIn]] = {}
    for c in passing:
        by_votes.setdefault(c.votes, []).append(c)
    remaining = seats
    for votes in sorted(by_votes, reverse=True):
        if remaining == 0:
            break
        group = by_votes[votes]
        if len(group) <= remaining:
            group.sort(key=lambda c: c.birth_span())
            d.elected += [c.key for c in group]
            remaining -= len(group)
            continue
        sure_in, maybe = _tie_split(group, remaining)
        d.elected += [c.key for c in sure_in]
        names = ", ".join(c.name for c in group)
        if maybe:
            d.undecided = [c.key for c in maybe]
            d.seats_undecided = remaining - len(sure_in)
            d.notes.append(_n("tie_undecided", names=names, votes=votes, seats=d.seats_undecided))
        else:
            d.notes.append(
                _n("tie_age", names=names, votes=votes, winners=", ".join(c.name for c in sure_in))
            )
        remaining = 0
    filled = len(d.elected) + d.seats_undecided
    if filled >= seats:
        d.notes.append(_n("all_filled", seats=seats))
    elif round == ADDITIONAL:
        pass  # no second additional election (Art 79)
    elif contest_kind == NATIONAL_ASSEMBLY:
        d.needs_additional = True
        d.notes.append(_n("shortfall_na", elected=filled, seats=seats))
    elif additional_needed(contest_kind, filled, seats):
        d.needs_additional = True
        d.notes.append(_n("shortfall_council_additional", elected=filled, seats=seats))
    else:
        d.notes.append(_n("shortfall_council_ok", elected=filled, seats=seats))
    return d


class TieChoiceError(ValueError):
    """The candidates chosen do not settle the undecided tie of this result."""


def check_tie_choice(decision: Decision, chosen: Collection[Any]) -> None:
    """The Committee's choice must name exactly as many candidates as seats left undecided,
    all of them among the candidates tied (never anyone else)."""
    if not decision.undecided:
        raise TieChoiceError(_("There is no undecided tie in this result."))
    outside = set(chosen) - set(decision.undecided)
    if outside:
        raise TieChoiceError(_("Only candidates of the tie may be chosen."))
    if len(set(chosen)) != decision.seats_undecided:
        raise TieChoiceError(
            _("Choose exactly %(n)s candidate(s) of the tie.") % {"n": decision.seats_undecided}
        )


def apply_tie_decision(
    decision: Decision,
    chosen: Collection[Any],
    *,
    names: Mapping[Any, str],
    date: str,
    reason: str,
) -> Decision:
    """The result once the Committee's decision on an undecided tie is applied: the chosen
    candidates take the undecided seats, with a note citing the decision. A decision that no
    longer fits the tie (the figures changed since) leaves the tie undecided, with a note."""
    try:
        check_tie_choice(decision, chosen)
    except TieChoiceError:
        return replace(
            decision, notes=_after_tie(decision.notes, _n("tie_decision_stale", date=date))
        )
    picked = [k for k in decision.undecided if k in set(chosen)]
    winners = ", ".join(names.get(k, str(k)) for k in picked)
    return replace(
        decision,
        elected=[*decision.elected, *picked],
        undecided=[],
        seats_undecided=0,
        notes=_after_tie(
            decision.notes, _n("tie_decided", date=date, winners=winners, reason=reason)
        ),
    )


def _after_tie(notes: Sequence[Note], note: Note) -> list[Note]:
    """The notes with the one on the Committee's decision placed where the rules apply it:
    right after the Art 78(4) tie it settles, before the count of seats filled (Art 79)."""
    at = next((i + 1 for i, n in enumerate(notes) if n.code == "tie_undecided"), len(notes))
    return [*notes[:at], note, *notes[at:]]


class NoAdditionalError(ValueError):
    """A decision of no additional election does not fit this result."""


def check_no_additional(decision: Decision, *, contest_kind: str) -> None:
    """Only a National Assembly shortfall waiting for an additional election can be closed
    without one: for a People's Council below two thirds the law requires it (Art 79)."""
    if contest_kind != NATIONAL_ASSEMBLY:
        raise NoAdditionalError(
            _(
                "Only for the National Assembly may the National Election Council decide not to "
                "hold an additional election; a People's Council below two thirds must hold it."
            )
        )
    if not decision.needs_additional:
        raise NoAdditionalError(_("No seat of this result waits for an additional election."))


def apply_no_additional(
    decision: Decision,
    *,
    contest_kind: str,
    decided_unfilled: int | None,
    date: str,
    reason: str,
) -> Decision:
    """The result once the decision to hold no additional election is applied: the shortfall
    stands (seats stay unfilled), nothing is awaited, and a note cites the decision after the
    Art 79 shortfall note. A decision recorded for another shortfall (decided_unfilled differs,
    or None: another round) no longer applies: the shortfall waits again, with a note."""
    if not decision.needs_additional:
        return decision
    try:
        check_no_additional(decision, contest_kind=contest_kind)
    except NoAdditionalError:
        return decision
    if decided_unfilled != decision.seats_unfilled:
        return replace(decision, notes=[*decision.notes, _n("no_additional_stale", date=date)])
    note = _n(
        "no_additional_decided",
        date=date,
        unfilled=decision.seats_unfilled,
        reason=reason,
        elected=len(decision.elected),
        seats=decision.seats,
    )
    return replace(
        decision, needs_additional=False, no_additional=True, notes=[*decision.notes, note]
    )


def combine(first: Decision, additional: Decision | None) -> Decision:
    """The additional election completes the first (or re-vote) result (Art 79)."""
    if additional is None:
        return first
    out = Decision(
        seats=first.seats,
        valid=first.valid,
        elected=first.elected + additional.elected,
        undecided=first.undecided + additional.undecided,
        seats_undecided=first.seats_undecided + additional.seats_undecided,
        needs_revote=False,
        needs_additional=False,
        notes=first.notes + additional.notes,
    )
    return out


# --------------------------------------------------------------------------------------------
# Sums and percentage bases (domain.md §5.6, §5.8)
# --------------------------------------------------------------------------------------------


@dataclass
class Totals:
    voters_listed: int = 0
    voters_voted: int = 0
    ballots_issued: int = 0
    ballots_received: int = 0
    ballots_valid: int = 0
    ballots_invalid: int = 0

    def add(self, other: Mapping[str, Any] | Totals) -> None:
        for f in FIELDS:
            v = other[f] if isinstance(other, Mapping) else getattr(other, f)
            setattr(self, f, getattr(self, f) + (v or 0))

    @property
    def turnout_pct(self) -> Decimal | None:
        return percent(self.voters_voted, self.voters_listed)

    @property
    def valid_pct(self) -> Decimal | None:
        return percent(self.ballots_valid, self.ballots_received)

    @property
    def invalid_pct(self) -> Decimal | None:
        return percent(self.ballots_invalid, self.ballots_received)
