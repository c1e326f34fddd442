"""Import of Election Team count minutes, `baucu.count/1` (formats.md §3): all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.text import nfc
from election.models import Election
from results import rules
from results.models import Round
from results.services.minutes import (
    MinutesError,
    minutes_enter,
    minutes_get_or_create,
    minutes_import_checked,
)

FORMAT = "baucu.count/1"


@dataclass
class ImportProblem:
    index: int | None
    where: str
    message: str
    code: str = ""

    @property
    def is_warning(self) -> bool:
        return self.code.startswith("W.")

    def as_dict(self) -> dict[str, Any]:
        return {
            "minutes": self.index,
            "where": self.where,
            "code": self.code,
            "reason": self.message,
        }


@dataclass
class ImportSummary:
    minutes: int = 0
    created: int = 0
    unchanged: int = 0
    entered: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)


class ImportRejected(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        n = len(problems)
        super().__init__(ngettext("%(n)s problem", "%(n)s problems", n) % {"n": n})
        self.problems = problems


def _int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(_("Not a non-negative whole number: %(value)s.") % {"value": repr(value)})
    return value


def list_of_codes_message() -> str:
    """Said where `acknowledged` is not a list of codes (the import and the API)."""
    return _("acknowledged: expected a list of warning codes (W.…).")


def malformed_message() -> str:
    return _("The minute is malformed: a field holds the wrong kind of value (see baucu.count/1).")


def _kept(raw: Any) -> dict[int, int]:
    """valid_by_names_kept: {"k": ballots keeping k names}."""
    out = {}
    for k, n in raw.items():
        if not str(k).isdigit():
            raise ValueError(
                _("valid_by_names_kept: %(k)s is not a number of names.") % {"k": repr(k)}
            )
        out[int(k)] = _int(n) or 0
    return out


def import_count_minutes(
    *,
    election: Election,
    data: Any,
    entry: str | None = None,
    actor: Any = None,
    acknowledged: Iterable[str] | None = None,
) -> ImportSummary:
    """Load every minute of the document; any bad minute rejects the whole file (nothing is
    written). entry=None: the minutes are taken as checked (both entries equal);
    entry="first"/"second" (command line) or "web" (API): as one keyed entry of the
    double-entry process (first or second follows from the state of each minute).

    acknowledged: the warning codes (W.…) the person entering has acknowledged, for every
    minute, with the minute's own `acknowledged` list added; a warning not acknowledged
    rejects the file like an error (the API). None acknowledges every warning (the command
    line, which reports them)."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRejected(
            [ImportProblem(None, "format", _('Expected "format": "%(f)s".') % {"f": FORMAT})]
        )
    items = data.get("minutes")
    if not isinstance(items, list):
        raise ImportRejected([ImportProblem(None, "minutes", _("Expected a list of minutes."))])
    # only the areas the document names (an API entry names one; a city has thousands)
    codes = {str(m.get("polling_area")) for m in items if isinstance(m, dict)}
    areas = {
        a.code: a
        for a in election.polling_areas.filter(code__in=codes).select_related("unit", "election")
    }
    contests = {c.code: c for c in election.contests.all()}
    summary = ImportSummary(minutes=len(items))
    problems: list[ImportProblem] = []
    try:
        with transaction.atomic():
            for i, item in enumerate(items):
                where = f"minutes[{i}]"
                try:
                    area = areas.get(str(item.get("polling_area")))
                    contest = contests.get(str(item.get("contest")))
                    if area is None:
                        raise ValueError(
                            _("Unknown polling area: %(code)s.")
                            % {"code": repr(item.get("polling_area"))}
                        )
                    if contest is None:
                        raise ValueError(
                            _("Unknown contest: %(code)s.") % {"code": repr(item.get("contest"))}
                        )
                    rnd = item.get("round", Round.MAIN)
                    if rnd not in Round.values:
                        raise ValueError(_("Unknown round: %(kind)s.") % {"kind": repr(rnd)})
                    minutes = minutes_get_or_create(area=area, contest=contest, round=rnd)
                    cands = list(minutes.constituency.candidates.all())
                    by_name = {nfc(c.full_name): c for c in cands}
                    by_ref = {c.ref: c for c in cands}
                    votes: dict[int, int | None] = {}
                    for j, v in enumerate(item.get("votes") or []):
                        cand = by_ref.get(str(v.get("id"))) if v.get("id") else None
                        cand = cand or by_name.get(nfc(str(v.get("candidate", ""))))
                        if cand is None:
                            raise ValueError(
                                _("votes[%(j)s]: no candidate %(name)s in this constituency.")
                                % {"j": j, "name": repr(v.get("candidate"))}
                            )
                        if cand.id in votes:
                            raise ValueError(
                                _("votes[%(j)s]: %(name)s is given twice.")
                                % {"j": j, "name": cand.full_name}
                            )
                        votes[cand.id] = _int(v.get("votes"))
                    kept_raw = item.get("valid_by_names_kept")
                    kept = None if kept_raw is None else _kept(kept_raw)
                    figures = rules.Figures(
                        **{f: _int(item.get(f)) for f in rules.FIELDS},
                        votes=votes,
                        valid_by_names_kept=kept,
                        voters_listed_reason=nfc(str(item.get("voters_listed_reason", ""))),
                    )
                    if entry is None:
                        outcome = minutes_import_checked(
                            actor=actor, minutes=minutes, figures=figures
                        )
                        if outcome == "created":
                            summary.created += 1
                        else:
                            summary.unchanged += 1
                        state = "definitive"
                    else:
                        if acknowledged is None:
                            ack = [f"W.{n}" for n in range(200, 300)]
                        else:
                            own = item.get("acknowledged") or []
                            if not isinstance(own, list):
                                raise ValueError(list_of_codes_message())
                            ack = [*acknowledged, *(str(c) for c in own)]
                        res = minutes_enter(
                            actor=actor,
                            minutes=minutes,
                            figures=figures,
                            acknowledged=ack,
                            expected_number={"first": 1, "second": 2}.get(entry),
                            source="cli" if entry != "web" else "api",
                        )
                        summary.entered += 1
                        state = res.minutes.status
                    summary.states[state] = summary.states.get(state, 0) + 1
                except MinutesError as exc:
                    if exc.findings:
                        for f in exc.findings:
                            problems.append(ImportProblem(i, where, f.message, f.code))
                    else:
                        problems.append(ImportProblem(i, where, str(exc)))
                except ValueError as exc:
                    problems.append(ImportProblem(i, where, str(exc)))
                except (TypeError, AttributeError):
                    problems.append(ImportProblem(i, where, malformed_message()))
            if problems:
                raise ImportRejected(problems)
    except ImportRejected:
        raise
    return summary
