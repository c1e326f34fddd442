"""Reconciliation of the whole chain of a polling area: list → cards → turnout → count minutes.

Pure functions over plain data (no ORM, no clock): the selectors gather an `AreaFacts` per
polling area × contest and the slots that are due at the time of reading; `evaluate` returns the
findings, `state_of` the green/amber/red state. Messages are English msgids with %(name)s
placeholders filled from `detail`; they are translated at display (`Finding.text()`).

Severity of each rule (docs/reconciliation.md explains them to users):

| code | when | severity |
|---|---|---|
| REC.MINUTES_MISSING | polls closed (the "closed" slot is due) and no count minutes entered | red |
| REC.MINUTES_NOT_DEFINITIVE | first entry only / the two entries differ | amber / red |
| REC.LIST_NE_MINUTES | voters listed in the minutes ≠ voters on the list now (contest) | red |
| REC.TURNOUT_NE_MINUTES | final turnout figure ≠ voters who voted in the NA minutes | red |
| REC.CARDS_NE_VOTERS | voter cards printed (with single cards since) ≠ voters on the list | amber |
| REC.SLOT_MISSING | a turnout slot whose reporting window has passed was not reported | amber |
| REC.BALLOTS_UNBALANCED | valid + invalid ballots ≠ ballots received | red |
| REC.TURNOUT_ABOVE_LIST | a turnout figure above the voters on the list | red |
| REC.ISSUED_NE_VOTED | ballots issued ≠ voters who voted, in the same minutes | amber |

Red means a figure of the result chain disagrees with another one (or is absent when it should
be there); amber means something is late or needs a person to finish it, and nothing is known to
be wrong yet. Before polls close nothing about the minutes is expected, so missing minutes raise
nothing; a slot is missing only once its reporting window (slot time + 30 minutes) has passed.

Turnout counts people, and every voter gets a National Assembly ballot; council contests may
legitimately have fewer voters (temporary residents, soldiers), so the turnout/minutes rule is
checked on National Assembly minutes only (as results W.203 does).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import gettext, gettext_noop

from common.vn import format_int

MINUTES_MISSING = "REC.MINUTES_MISSING"
MINUTES_NOT_DEFINITIVE = "REC.MINUTES_NOT_DEFINITIVE"
LIST_NE_MINUTES = "REC.LIST_NE_MINUTES"
TURNOUT_NE_MINUTES = "REC.TURNOUT_NE_MINUTES"
CARDS_NE_VOTERS = "REC.CARDS_NE_VOTERS"
SLOT_MISSING = "REC.SLOT_MISSING"
BALLOTS_UNBALANCED = "REC.BALLOTS_UNBALANCED"
TURNOUT_ABOVE_LIST = "REC.TURNOUT_ABOVE_LIST"
ISSUED_NE_VOTED = "REC.ISSUED_NE_VOTED"

CODES = (
    MINUTES_MISSING,
    MINUTES_NOT_DEFINITIVE,
    LIST_NE_MINUTES,
    TURNOUT_NE_MINUTES,
    CARDS_NE_VOTERS,
    SLOT_MISSING,
    BALLOTS_UNBALANCED,
    TURNOUT_ABOVE_LIST,
    ISSUED_NE_VOTED,
)

GREEN, AMBER, RED = "green", "amber", "red"
STATES = (GREEN, AMBER, RED)

CLOSED = "closed"  # the slot key of the final figure (same as realtime.rules.CLOSED)
NATIONAL_ASSEMBLY = "national_assembly"

# count-minutes status as the board sees it
MISSING, IN_ENTRY, DIFFERENT, DEFINITIVE = "missing", "in_entry", "different", "definitive"
MINUTES_STATES = (MISSING, IN_ENTRY, DIFFERENT, DEFINITIVE)

# What each rule says (English msgids; the values come from Finding.detail).
MESSAGES: dict[str, str] = {
    MINUTES_MISSING: gettext_noop("Polls have closed and no count minutes were entered."),
    MINUTES_NOT_DEFINITIVE + ":" + IN_ENTRY: gettext_noop(
        "The count minutes are not definitive: only the first entry was made."
    ),
    MINUTES_NOT_DEFINITIVE + ":" + DIFFERENT: gettext_noop(
        "The count minutes are not definitive: the two entries differ."
    ),
    LIST_NE_MINUTES: gettext_noop(
        "Voters on the list now (%(list_now)s) differ from the voters listed in the count "
        "minutes (%(voters_listed)s)."
    ),
    TURNOUT_NE_MINUTES: gettext_noop(
        "The final turnout report (%(turnout)s) differs from the voters who voted in the count "
        "minutes (%(voters_voted)s)."
    ),
    CARDS_NE_VOTERS: gettext_noop(
        "Voter cards printed (%(cards)s, and %(reprinted)s single cards since) do not match the "
        "voters on the list (%(list_now)s)."
    ),
    SLOT_MISSING: gettext_noop("Turnout not reported for: %(slots)s."),
    BALLOTS_UNBALANCED: gettext_noop(
        "Valid ballots (%(valid)s) + invalid ballots (%(invalid)s) do not equal ballots "
        "received (%(received)s)."
    ),
    TURNOUT_ABOVE_LIST: gettext_noop(
        "Turnout at %(slot)s (%(turnout)s) is above the voters on the list (%(list_now)s)."
    ),
    ISSUED_NE_VOTED: gettext_noop(
        "Ballots issued (%(issued)s) differ from the voters who voted (%(voted)s) in the count "
        "minutes."
    ),
}


@dataclass(frozen=True)
class Tolerances:
    """How far two figures may differ before the board raises a finding (0 = exactly equal).

    `turnout` is the results setting "voters the minutes may differ from the last turnout
    report" (ResultsSettings.turnout_tolerance)."""

    turnout: int = 0
    listed: int = 0


@dataclass(frozen=True)
class AreaFacts:
    """Every figure of one polling area × contest the board compares (None = not known yet)."""

    polling_area_code: str
    contest_code: str
    contest_kind: str = NATIONAL_ASSEMBLY
    # voter list (the whole area; `list_now_contest`: those who take part in this contest)
    list_at_posting: int | None = None
    list_now: int = 0
    list_now_contest: int = 0
    ledger_added: int = 0
    ledger_removed: int = 0
    # voter cards: the latest full print of the area, and single cards printed after it
    cards_printed: int | None = None
    cards_reprinted: int = 0
    # turnout: the election's slot keys in order (timed slots, then "closed"), values aligned
    slots: tuple[str, ...] = ()
    turnout: tuple[int | None, ...] = ()
    # count minutes (figures are the definitive ones; None while not definitive)
    minutes_status: str = MISSING
    voters_listed: int | None = None
    voters_voted: int | None = None
    ballots_issued: int | None = None
    ballots_received: int | None = None
    ballots_valid: int | None = None
    ballots_invalid: int | None = None
    voters_listed_reason: str = ""

    @cached_property
    def reported(self) -> dict[str, int]:
        """{slot key: figure} of the slots reported (computed once; do not mutate)."""
        return {s: v for s, v in zip(self.slots, self.turnout, strict=False) if v is not None}

    @property
    def turnout_last(self) -> tuple[str, int] | None:
        """The latest slot reported and its figure."""
        reported = self.reported
        for key in reversed(self.slots):
            if key in reported:
                return key, reported[key]
        return None

    @property
    def turnout_final(self) -> int | None:
        """The final figure: the "closed" report, else the report of the last timed slot
        (which opens at closing time); None while neither was reported."""
        reported = self.reported
        if CLOSED in reported:
            return reported[CLOSED]
        timed = [s for s in self.slots if s != CLOSED]
        if timed and timed[-1] in reported:
            return reported[timed[-1]]
        return None


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "amber" | "red"
    message: str  # English msgid with %(name)s placeholders, translated at display
    detail: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The message in the active language, numbers as officials write them."""
        params = {
            k: (format_int(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in self.detail.items()
        }
        if isinstance(params.get("slots"), list | tuple):
            params["slots"] = ", ".join(
                gettext("closing") if s == CLOSED else str(s) for s in params["slots"]
            )
        if params.get("slot") == CLOSED:
            params["slot"] = gettext("closing")
        return gettext(self.message) % params

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.text(),
            "detail": self.detail,
        }


def _f(code: str, severity: str, key: str | None = None, **detail: Any) -> Finding:
    return Finding(code, severity, MESSAGES[key or code], detail)


def _minutes_findings(facts: AreaFacts, *, closed: bool) -> list[Finding]:
    status = facts.minutes_status
    if status == MISSING:
        return [_f(MINUTES_MISSING, RED)] if closed else []
    if status == IN_ENTRY:
        return [_f(MINUTES_NOT_DEFINITIVE, AMBER, f"{MINUTES_NOT_DEFINITIVE}:{IN_ENTRY}")]
    if status == DIFFERENT:
        return [_f(MINUTES_NOT_DEFINITIVE, RED, f"{MINUTES_NOT_DEFINITIVE}:{DIFFERENT}")]
    return []


def _figure_findings(facts: AreaFacts, tolerances: Tolerances) -> list[Finding]:
    """Checks of the minutes' figures against the list and turnout, and among themselves."""
    out: list[Finding] = []
    listed = facts.voters_listed
    if listed is not None and abs(listed - facts.list_now_contest) > tolerances.listed:
        out.append(
            _f(
                LIST_NE_MINUTES,
                RED,
                list_now=facts.list_now_contest,
                voters_listed=listed,
                reason=facts.voters_listed_reason,
            )
        )
    final = facts.turnout_final
    voted = facts.voters_voted
    if (
        facts.contest_kind == NATIONAL_ASSEMBLY
        and final is not None
        and voted is not None
        and abs(final - voted) > tolerances.turnout
    ):
        out.append(_f(TURNOUT_NE_MINUTES, RED, turnout=final, voters_voted=voted))
    issued = facts.ballots_issued
    if issued is not None and voted is not None and issued != voted:
        # the results module accepts this as an acknowledged warning (W.202): a person looks
        out.append(_f(ISSUED_NE_VOTED, AMBER, issued=issued, voted=voted))
    valid, invalid, received = facts.ballots_valid, facts.ballots_invalid, facts.ballots_received
    if valid is not None and invalid is not None and received is not None:
        if valid + invalid != received:
            out.append(_f(BALLOTS_UNBALANCED, RED, valid=valid, invalid=invalid, received=received))
    return out


def _cards_findings(facts: AreaFacts) -> list[Finding]:
    """Cards cover the list when the full print equals it, or when the voters added after the
    print are covered by single cards printed since."""
    cards = facts.cards_printed
    if cards is None:
        return []
    n = facts.list_now
    covered = cards == n or (cards < n <= cards + facts.cards_reprinted)
    if covered:
        return []
    return [_f(CARDS_NE_VOTERS, AMBER, cards=cards, reprinted=facts.cards_reprinted, list_now=n)]


def _turnout_findings(facts: AreaFacts, due: Collection[str]) -> list[Finding]:
    out: list[Finding] = []
    reported = facts.reported
    missing = [s for s in facts.slots if s in due and s not in reported]
    if missing:
        out.append(_f(SLOT_MISSING, AMBER, slots=missing))
    for key in facts.slots:
        value = reported.get(key)
        if value is not None and value > facts.list_now:
            out.append(
                _f(TURNOUT_ABOVE_LIST, RED, slot=key, turnout=value, list_now=facts.list_now)
            )
            break
    return out


def evaluate(
    facts: AreaFacts, *, now_slots_due: Collection[str], tolerances: Tolerances = Tolerances()
) -> list[Finding]:
    """Every finding of one polling area × contest. `now_slots_due`: the slot keys whose
    reporting window has passed at the time of reading (it holds "closed" once polls have
    closed)."""
    due = set(now_slots_due)
    closed = CLOSED in due
    return [
        *_minutes_findings(facts, closed=closed),
        *_figure_findings(facts, tolerances),
        *_turnout_findings(facts, due),
        *_cards_findings(facts),
    ]


def state_of(findings: Iterable[Finding]) -> str:
    """Red if any finding is red, amber if any is amber, green otherwise."""
    severities = {f.severity for f in findings}
    if RED in severities:
        return RED
    if AMBER in severities:
        return AMBER
    return GREEN


def worst(states: Iterable[str]) -> str:
    """The worst of several states (an area with several contests)."""
    order = {GREEN: 0, AMBER: 1, RED: 2}
    return max(states, key=order.__getitem__, default=GREEN)


# Rules about the polling area as a whole (the same for each of its contests), and the figures
# each rule concerns (the page marks those cells).
AREA_CODES = frozenset({CARDS_NE_VOTERS, SLOT_MISSING, TURNOUT_ABOVE_LIST})
CONCERNS: dict[str, tuple[str, ...]] = {
    MINUTES_MISSING: ("minutes_status",),
    MINUTES_NOT_DEFINITIVE: ("minutes_status",),
    LIST_NE_MINUTES: ("list_now_contest", "voters_listed"),
    TURNOUT_NE_MINUTES: ("turnout", "voters_voted"),
    CARDS_NE_VOTERS: ("cards_printed", "list_now"),
    SLOT_MISSING: ("turnout",),
    BALLOTS_UNBALANCED: ("ballots_valid", "ballots_invalid", "ballots_received"),
    TURNOUT_ABOVE_LIST: ("turnout", "list_now"),
    ISSUED_NE_VOTED: ("ballots_issued", "voters_voted"),
}
