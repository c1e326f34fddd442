"""The `baucu.election/1` document: parsing and validation as pure functions (no database).

`parse_document(text)` and `validate(data)` return every problem at once, each with its JSON
path, so a user can fix a file in one pass. Validated data comes back normalised (NFC text,
dates parsed), ready for `election.services.definition_import`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from common.text import nfc
from election import rules

FORMAT = "baucu.election/1"
DEFAULT_SLOTS = ["09:00", "11:00", "14:00", "17:00", "19:00"]
POLLING_AREA_KINDS = {"residential", "hospital", "care_home", "armed_unit", "detention", "other"}
BODY_KINDS = {"committee", "board", "team"}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SLOT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class Problem:
    path: str
    message: str
    severity: str = "error"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "severity": self.severity}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Definition:
    """A validated, normalised election definition."""

    units: list[dict[str, Any]]
    election: dict[str, Any]
    contests: list[dict[str, Any]]
    constituencies: list[dict[str, Any]]
    polling_areas: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    bodies: list[dict[str, Any]] = field(default_factory=list)


class DefinitionError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def parse_document(text: str) -> tuple[Any, list[Problem]]:
    """JSON text → data; duplicate keys are problems (a polling area listed twice for a
    contest would otherwise silently keep the last value)."""
    problems: list[Problem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                problems.append(
                    Problem("$", _("duplicate key “%(key)s” in an object") % {"key": key})
                )
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return None, [Problem("$", _("not valid JSON: %(error)s") % {"error": exc})]
    return data, problems


def _str(
    obj: dict[str, Any],
    key: str,
    path: str,
    problems: list[Problem],
    *,
    required: bool = True,
    max_len: int = 300,
) -> str:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(f"{path}.{key}", _("is required")))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(f"{path}.{key}", _("must be a string")))
        return ""
    value = nfc(value)
    if len(value) > max_len:
        problems.append(
            Problem(f"{path}.{key}", _("is longer than %(n)d characters") % {"n": max_len})
        )
    return value


def _int(
    obj: dict[str, Any],
    key: str,
    path: str,
    problems: list[Problem],
    *,
    minimum: int = 1,
    required: bool = True,
) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            problems.append(Problem(f"{path}.{key}", _("is required")))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(f"{path}.{key}", _("must be a whole number")))
        return None
    if value < minimum:
        problems.append(Problem(f"{path}.{key}", _("must be at least %(n)d") % {"n": minimum}))
        return None
    return value


def _list(
    data: dict[str, Any], key: str, problems: list[Problem], *, required: bool = True
) -> list[Any]:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(Problem(f"$.{key}", _("is required")))
        return []
    if not isinstance(value, list):
        problems.append(Problem(f"$.{key}", _("must be a list")))
        return []
    return value


def _objects(items: list[Any], path: str, problems: list[Problem]) -> list[tuple[int, dict]]:
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            out.append((i, item))
        else:
            problems.append(Problem(f"{path}[{i}]", _("must be an object")))
    return out


def validate(data: Any) -> tuple[Definition | None, list[Problem]]:
    """Check a whole document; returns (definition, problems). Definition is None on errors.

    Problems with severity "warning" do not block the import.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        return None, [Problem("$", _("the document must be a JSON object"))]
    if data.get("format") != FORMAT:
        problems.append(Problem("$.format", _("must be “%(format)s”") % {"format": FORMAT}))

    units = _validate_units(data, problems)
    election = _validate_election(data, units, problems)
    contests = _validate_contests(data, units, problems)
    constituencies = _validate_constituencies(data, units, contests, problems)
    areas = _validate_polling_areas(data, units, contests, constituencies, problems)
    candidates = _validate_candidates(data, contests, constituencies, problems)
    bodies = _validate_bodies(data, units, contests, constituencies, areas, problems)

    if any(p.severity == "error" for p in problems):
        return None, problems
    assert election is not None
    return (
        Definition(
            units=list(units.values()),
            election=election,
            contests=list(contests.values()),
            constituencies=list(constituencies.values()),
            polling_areas=areas,
            candidates=candidates,
            bodies=bodies,
        ),
        problems,
    )


def _validate_units(data: dict[str, Any], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = {}
    raw = _objects(_list(data, "units", problems), "$.units", problems)
    for i, item in raw:
        path = f"$.units[{i}]"
        code = _str(item, "code", path, problems, max_len=32)
        name = _str(item, "name", path, problems, max_len=200)
        kind = _str(item, "kind", path, problems, max_len=32)
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            problems.append(Problem(f"{path}.parent", _("must be a unit code or null")))
            parent = None
        if not code:
            continue
        if code in units:
            problems.append(
                Problem(f"{path}.code", _("unit code %(code)s appears twice") % {"code": code})
            )
            continue
        units[code] = {"code": code, "name": name, "kind": kind, "parent": parent, "_path": path}
    for unit in units.values():
        parent = unit["parent"]
        if parent is not None and parent not in units:
            problems.append(
                Problem(
                    f"{unit['_path']}.parent", _("unknown parent unit %(code)s") % {"code": parent}
                )
            )
            unit["parent"] = None
    # Cycles: walk up from each unit.
    for code, unit in units.items():
        seen = {code}
        cur = unit["parent"]
        while cur is not None:
            if cur in seen:
                problems.append(Problem(f"{unit['_path']}.parent", _("the units form a cycle")))
                break
            seen.add(cur)
            cur = units[cur]["parent"]
    return units


def unit_ancestors(units: dict[str, dict[str, Any]], code: str) -> list[str]:
    """The unit itself and its ancestors, nearest first."""
    out = []
    cur: str | None = code
    guard = 0
    while cur is not None and cur in units and guard < 64:
        out.append(cur)
        cur = units[cur]["parent"]
        guard += 1
    return out


def _validate_election(
    data: dict[str, Any], units: dict[str, dict[str, Any]], problems: list[Problem]
) -> dict[str, Any] | None:
    raw = data.get("election")
    if not isinstance(raw, dict):
        problems.append(Problem("$.election", _("is required and must be an object")))
        return None
    path = "$.election"
    slug = _str(raw, "slug", path, problems, max_len=64)
    if slug and not _SLUG.match(slug):
        problems.append(Problem(f"{path}.slug", _("use lower-case letters, digits and hyphens")))
    name = _str(raw, "name", path, problems)
    date_text = _str(raw, "date", path, problems, max_len=10)
    date = None
    if date_text:
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            problems.append(Problem(f"{path}.date", _("must be a date YYYY-MM-DD")))
    root = _str(raw, "root", path, problems, max_len=32)
    if root and root not in units:
        problems.append(Problem(f"{path}.root", _("unknown unit %(code)s") % {"code": root}))
    slots = raw.get("turnout_slots", DEFAULT_SLOTS)
    clean_slots: list[str] = []
    if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots):
        problems.append(Problem(f"{path}.turnout_slots", _("must be a list of times HH:MM")))
    else:
        for j, slot in enumerate(slots):
            if not _SLOT.match(slot):
                problems.append(Problem(f"{path}.turnout_slots[{j}]", _("must be a time HH:MM")))
            elif clean_slots and slot <= clean_slots[-1]:
                problems.append(
                    Problem(f"{path}.turnout_slots[{j}]", _("times must be in increasing order"))
                )
            else:
                clean_slots.append(slot)
    tree = raw.get("unit_tree") or slug
    if not isinstance(tree, str) or (tree and not _SLUG.match(tree)):
        problems.append(
            Problem(f"{path}.unit_tree", _("use lower-case letters, digits and hyphens"))
        )
    rehearsal = raw.get("rehearsal", False)
    if not isinstance(rehearsal, bool):
        problems.append(Problem(f"{path}.rehearsal", _("must be true or false")))
    return {
        "slug": slug,
        "name": name,
        "date": date,
        "root": root,
        "turnout_slots": clean_slots,
        "unit_tree": tree,
        "rehearsal": bool(rehearsal),
    }


def _validate_contests(
    data: dict[str, Any], units: dict[str, dict[str, Any]], problems: list[Problem]
) -> dict[str, dict[str, Any]]:
    contests: dict[str, dict[str, Any]] = {}
    for i, item in _objects(_list(data, "contests", problems), "$.contests", problems):
        path = f"$.contests[{i}]"
        code = _str(item, "code", path, problems, max_len=32)
        kind = _str(item, "kind", path, problems, max_len=32)
        if kind and kind not in rules.CONTEST_KINDS:
            problems.append(
                Problem(f"{path}.kind", _("must be national_assembly or people_council"))
            )
        unit = _str(item, "unit", path, problems, max_len=32)
        if unit and unit not in units:
            problems.append(Problem(f"{path}.unit", _("unknown unit %(code)s") % {"code": unit}))
        name = _str(item, "name", path, problems)
        if not code:
            continue
        if code in contests:
            problems.append(
                Problem(f"{path}.code", _("contest code %(code)s appears twice") % {"code": code})
            )
            continue
        contests[code] = {"code": code, "kind": kind, "unit": unit, "name": name, "_path": path}
    return contests


def _validate_constituencies(
    data: dict[str, Any],
    units: dict[str, dict[str, Any]],
    contests: dict[str, dict[str, Any]],
    problems: list[Problem],
) -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for i, item in _objects(_list(data, "constituencies", problems), "$.constituencies", problems):
        path = f"$.constituencies[{i}]"
        contest = _str(item, "contest", path, problems, max_len=32)
        if contest and contest not in contests:
            problems.append(
                Problem(f"{path}.contest", _("unknown contest %(code)s") % {"code": contest})
            )
            contest = ""
        number = _int(item, "number", path, problems)
        seats = _int(item, "seats", path, problems)
        if contest and seats is not None:
            kind = contests[contest]["kind"]
            if seats > rules.max_seats(kind):
                problems.append(
                    Problem(
                        f"{path}.seats",
                        _("at most %(n)d seats per constituency for this contest (Art 10(4))")
                        % {"n": rules.max_seats(kind)},
                    )
                )
        name = _str(item, "name", path, problems, required=False)
        unit_codes = item.get("units", [])
        if not isinstance(unit_codes, list) or not all(isinstance(u, str) for u in unit_codes):
            problems.append(Problem(f"{path}.units", _("must be a list of unit codes")))
            unit_codes = []
        for j, code in enumerate(unit_codes):
            if code not in units:
                problems.append(
                    Problem(f"{path}.units[{j}]", _("unknown unit %(code)s") % {"code": code})
                )
        if not contest or number is None:
            continue
        key = (contest, number)
        if key in out:
            problems.append(
                Problem(
                    f"{path}.number",
                    _("constituency %(n)d of contest %(c)s appears twice")
                    % {"n": number, "c": contest},
                )
            )
            continue
        out[key] = {
            "contest": contest,
            "number": number,
            "seats": seats or 1,
            "name": name or f"Đơn vị bầu cử số {number}",
            "units": list(unit_codes),
            "_path": path,
            "_named": bool(name),
        }
    return out


def _validate_polling_areas(
    data: dict[str, Any],
    units: dict[str, dict[str, Any]],
    contests: dict[str, dict[str, Any]],
    constituencies: dict[tuple[str, int], dict[str, Any]],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in _objects(_list(data, "polling_areas", problems), "$.polling_areas", problems):
        path = f"$.polling_areas[{i}]"
        code = _str(item, "code", path, problems, max_len=32)
        unit = _str(item, "unit", path, problems, max_len=32)
        if unit and unit not in units:
            problems.append(Problem(f"{path}.unit", _("unknown unit %(code)s") % {"code": unit}))
            unit = ""
        number = _int(item, "number", path, problems)
        name = _str(item, "name", path, problems, required=False)
        kind = _str(item, "kind", path, problems, required=False, max_len=32) or "residential"
        if kind not in POLLING_AREA_KINDS:
            problems.append(
                Problem(
                    f"{path}.kind",
                    _("unknown kind %(kind)s (one of: %(kinds)s)")
                    % {"kind": kind, "kinds": ", ".join(sorted(POLLING_AREA_KINDS))},
                )
            )
        polling_day = None
        if item.get("polling_day") is not None:
            text = _str(item, "polling_day", path, problems, max_len=10)
            try:
                polling_day = dt.date.fromisoformat(text)
            except ValueError:
                problems.append(Problem(f"{path}.polling_day", _("must be a date YYYY-MM-DD")))
        estimate = _int(item, "voters_estimate", path, problems, minimum=0, required=False)
        mapping = item.get("constituencies")
        clean_map: dict[str, int] = {}
        if not isinstance(mapping, dict) or not mapping:
            problems.append(
                Problem(
                    f"{path}.constituencies",
                    _("must map each contest code to a constituency number"),
                )
            )
        else:
            ancestors = set(unit_ancestors(units, unit)) if unit else set()
            for contest, number_ in mapping.items():
                mpath = f"{path}.constituencies.{contest}"
                if contest not in contests:
                    problems.append(
                        Problem(mpath, _("unknown contest %(code)s") % {"code": contest})
                    )
                    continue
                if isinstance(number_, bool) or not isinstance(number_, int):
                    problems.append(Problem(mpath, _("must be a constituency number")))
                    continue
                const = constituencies.get((contest, number_))
                if const is None:
                    problems.append(
                        Problem(
                            mpath,
                            _("contest %(c)s has no constituency %(n)d")
                            % {"c": contest, "n": number_},
                        )
                    )
                    continue
                if unit and const["units"] and not ancestors & set(const["units"]):
                    problems.append(
                        Problem(
                            mpath,
                            _("unit %(unit)s of the polling area is not inside constituency %(n)d")
                            % {"unit": unit, "n": number_},
                        )
                    )
                clean_map[contest] = number_
        if not code:
            continue
        if code in seen:
            problems.append(
                Problem(
                    f"{path}.code", _("polling area code %(code)s appears twice") % {"code": code}
                )
            )
            continue
        seen.add(code)
        out.append(
            {
                "code": code,
                "unit": unit,
                "number": number or 0,
                "name": name or f"Khu vực bỏ phiếu số {number}",
                "kind": kind,
                "polling_day": polling_day,
                "voters_estimate": estimate,
                "constituencies": clean_map,
                "_path": path,
            }
        )
    return out


def _validate_candidates(
    data: dict[str, Any],
    contests: dict[str, dict[str, Any]],
    constituencies: dict[tuple[str, int], dict[str, Any]],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    refs: set[tuple[str, int, str]] = set()
    counts: dict[tuple[str, int], int] = {key: 0 for key in constituencies}
    for i, item in _objects(
        _list(data, "candidates", problems, required=False), "$.candidates", problems
    ):
        path = f"$.candidates[{i}]"
        contest = _str(item, "contest", path, problems, max_len=32)
        number = _int(item, "constituency", path, problems)
        full_name = _str(item, "full_name", path, problems, max_len=200)
        sex = _str(item, "sex", path, problems, max_len=1)
        if sex and sex not in ("M", "F"):
            problems.append(Problem(f"{path}.sex", _("must be M or F")))
        birth_date = birth_year = None
        birth = item.get("birth_date")
        if birth is not None:
            if not isinstance(birth, str):
                problems.append(Problem(f"{path}.birth_date", _("must be YYYY-MM-DD or YYYY")))
            else:
                try:
                    birth_date, birth_year = rules.parse_birth(birth)
                except ValueError:
                    problems.append(Problem(f"{path}.birth_date", _("must be YYYY-MM-DD or YYYY")))
        ref = item.get("id")
        if ref is not None and not isinstance(ref, str | int):
            problems.append(Problem(f"{path}.id", _("must be a string or a number")))
            ref = None
        ref = nfc(str(ref)) if ref is not None else full_name
        if contest and number is not None and (contest, number) not in constituencies:
            problems.append(
                Problem(
                    f"{path}.constituency",
                    _("contest %(c)s has no constituency %(n)d") % {"c": contest, "n": number},
                )
            )
            continue
        if not (contest and number and full_name):
            continue
        key = (contest, number, ref)
        if key in refs:
            problems.append(
                Problem(
                    f"{path}.full_name",
                    _("candidate %(name)s appears twice in this constituency; give each an “id”")
                    % {"name": ref},
                )
            )
            continue
        refs.add(key)
        counts[(contest, number)] += 1
        parts = rules.split_name(full_name)
        out.append(
            {
                "contest": contest,
                "constituency": number,
                "ref": ref,
                "full_name": full_name,
                "family_name": _str(item, "family_name", path, problems, required=False, max_len=64)
                or parts.family,
                "middle_name": _str(
                    item, "middle_name", path, problems, required=False, max_len=128
                )
                if "middle_name" in item
                else parts.middle,
                "given_name": _str(item, "given_name", path, problems, required=False, max_len=64)
                or parts.given,
                "sex": sex,
                "birth_date": birth_date,
                "birth_year": birth_year,
                "_path": path,
                "_id_given": item.get("id") is not None,
            }
        )
    for (contest, number), count in counts.items():
        const = constituencies[(contest, number)]
        seats = const["seats"]
        kind = contests[contest]["kind"]
        if count == 0:
            problems.append(Problem(const["_path"], _("no candidates yet"), "warning"))
        elif count < seats:
            problems.append(
                Problem(
                    const["_path"],
                    _("%(count)d candidates for %(seats)d seats: fewer candidates than seats")
                    % {"count": count, "seats": seats},
                )
            )
        elif count < rules.min_candidates(kind, seats):
            problems.append(
                Problem(
                    const["_path"],
                    _(
                        "%(count)d candidates for %(seats)d seats: the law asks for at least "
                        "%(min)d (Art 57(6), 58(3))"
                    )
                    % {"count": count, "seats": seats, "min": rules.min_candidates(kind, seats)},
                    "warning",
                )
            )
    return out


def _validate_bodies(
    data: dict[str, Any],
    units: dict[str, dict[str, Any]],
    contests: dict[str, dict[str, Any]],
    constituencies: dict[tuple[str, int], dict[str, Any]],
    areas: list[dict[str, Any]],
    problems: list[Problem],
) -> list[dict[str, Any]]:
    area_codes = {a["code"] for a in areas}
    out: list[dict[str, Any]] = []
    for i, item in _objects(_list(data, "bodies", problems, required=False), "$.bodies", problems):
        path = f"$.bodies[{i}]"
        kind = _str(item, "kind", path, problems, max_len=16)
        name = _str(item, "name", path, problems)
        body: dict[str, Any] = {"kind": kind, "name": name}
        if kind == "committee":
            unit = _str(item, "unit", path, problems, max_len=32)
            if unit and unit not in units:
                problems.append(
                    Problem(f"{path}.unit", _("unknown unit %(code)s") % {"code": unit})
                )
            body["unit"] = unit
        elif kind == "board":
            contest = _str(item, "contest", path, problems, max_len=32)
            number = _int(item, "constituency", path, problems)
            if (contest, number) not in constituencies:
                problems.append(Problem(f"{path}.constituency", _("unknown constituency")))
            body.update(contest=contest, constituency=number)
        elif kind == "team":
            area = _str(item, "polling_area", path, problems, max_len=32)
            if area not in area_codes:
                problems.append(
                    Problem(
                        f"{path}.polling_area", _("unknown polling area %(code)s") % {"code": area}
                    )
                )
            body["polling_area"] = area
        else:
            problems.append(Problem(f"{path}.kind", _("must be committee, board or team")))
            continue
        contact = _str(item, "contact", path, problems, required=False, max_len=200)
        if contact:
            body["contact"] = contact
        out.append(body)
    return out
