"""Import a `baucu.election/1` definition: create or update everything, matched by codes.

All or nothing: every problem is reported before anything is written. Re-importing the same
document changes nothing (every object compares equal and no audit event is written).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from common.audit import Change, record_many
from election import rules
from election.definition import Definition, DefinitionError, Problem, validate
from election.models import (
    AdminUnit,
    Candidate,
    Constituency,
    Contest,
    Election,
    ElectionBody,
    PollingArea,
    PollingAreaConstituency,
    UnitTree,
)
from election.services.unit_tree import rebuild_ancestry


@dataclass
class ImportSummary:
    election: Election
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(c["created"] + c["updated"] + c.get("deleted", 0) for c in self.counts.values())

    def lines(self) -> list[str]:
        out = []
        for name, c in self.counts.items():
            out.append(
                f"{name}: {c['created']} created, {c['updated']} updated, "
                f"{c['unchanged']} unchanged"
                + (f", {c['deleted']} removed" if c.get("deleted") else "")
            )
        return out


class _Sync:
    """Create or update model rows from desired field values, recording each change."""

    def __init__(self, changes: list[Change], counts: dict[str, dict[str, int]]) -> None:
        self.changes = changes
        self.counts = counts

    def run(
        self,
        label: str,
        model: type[models.Model],
        existing: dict[Hashable, models.Model],
        desired: dict[Hashable, dict[str, Any]],
        unit_of: Callable[[dict[str, Any]], int | None],
    ) -> dict[Hashable, models.Model]:
        created: list[models.Model] = []
        updated: list[models.Model] = []
        before_of: dict[int, dict[str, Any]] = {}
        update_fields: set[str] = set()
        result: dict[Hashable, models.Model] = {}
        for key, fields in desired.items():
            obj = existing.get(key)
            if obj is None:
                obj = model(**fields)
                created.append(obj)
            else:
                before = {f: getattr(obj, f) for f in fields}
                diff = {f: v for f, v in fields.items() if before[f] != v}
                if diff:
                    for f, v in diff.items():
                        setattr(obj, f, v)
                    update_fields.update(diff)
                    before_of[id(obj)] = before
                    updated.append(obj)
            result[key] = obj
        model.objects.bulk_create(created, batch_size=1000)
        if updated:
            model.objects.bulk_update(updated, sorted(update_fields), batch_size=1000)
        for obj in created:
            fields = desired_fields(obj, desired)
            self.changes.append(Change(f"{label}.created", obj, None, fields, unit_of(fields)))
        for obj in updated:
            before = before_of[id(obj)]
            after = {f: getattr(obj, f) for f in before}
            self.changes.append(Change(f"{label}.updated", obj, before, after, unit_of(after)))
        self.counts[label] = {
            "created": len(created),
            "updated": len(updated),
            "unchanged": len(desired) - len(created) - len(updated),
        }
        return result


def desired_fields(obj: models.Model, desired: dict[Hashable, dict[str, Any]]) -> dict[str, Any]:
    sample = next(iter(desired.values()))
    return {f: getattr(obj, f) for f in sample}


def import_definition(*, data: Any, actor: Any = None, source: str = "cli") -> ImportSummary:
    """Validate then write a whole definition in one transaction. Raises DefinitionError."""
    definition, problems = validate(data)
    errors = [p for p in problems if p.severity == "error"]
    if definition is None or errors:
        raise DefinitionError(errors)
    with transaction.atomic():
        summary = _write(definition, actor=actor, source=source)
    summary.warnings = [p for p in problems if p.severity == "warning"]
    return summary


def _write(d: Definition, *, actor: Any, source: str) -> ImportSummary:
    changes: list[Change] = []
    counts: dict[str, dict[str, int]] = {}
    sync = _Sync(changes, counts)

    tree, tree_created = UnitTree.objects.get_or_create(slug=d.election["unit_tree"])
    existing_election = Election.objects.filter(slug=d.election["slug"]).first()
    if existing_election is not None and existing_election.tree_id != tree.id:
        raise DefinitionError(
            [
                Problem(
                    "$.election.unit_tree",
                    _("election %(slug)s is held on tree %(tree)s; its tree cannot change")
                    % {"slug": d.election["slug"], "tree": existing_election.tree.slug},
                )
            ]
        )
    if existing_election is not None and existing_election.is_rehearsal != d.election["rehearsal"]:
        from election.services.rehearsal import switch_refusal

        problem = switch_refusal(existing_election, to_rehearsal=d.election["rehearsal"])
        if problem:
            raise DefinitionError([Problem("$.election.rehearsal", problem)])

    # Units, level by level so that parents exist before children.
    units_by_code = {u.code: u for u in AdminUnit.objects.filter(tree=tree)}
    parent_of = {u["code"]: u["parent"] for u in d.units}
    level_of: dict[str, int] = {}
    for code in parent_of:
        depth, cur = 0, parent_of[code]
        while cur is not None:
            depth, cur = depth + 1, parent_of[cur]
        level_of[code] = depth
    unit_counts = {"created": 0, "updated": 0, "unchanged": 0}
    for level in sorted(set(level_of.values())):
        desired = {
            u["code"]: {
                "tree_id": tree.id,
                "code": u["code"],
                "name": u["name"],
                "kind": u["kind"],
                "parent_id": units_by_code[u["parent"]].id if u["parent"] else None,
                "level": level,
            }
            for u in d.units
            if level_of[u["code"]] == level
        }
        units_by_code.update(sync.run("unit", AdminUnit, units_by_code, desired, lambda f: None))
        for k in unit_counts:
            unit_counts[k] += counts["unit"][k]
    counts["unit"] = unit_counts
    for ch in changes:
        if isinstance(ch.obj, AdminUnit):
            ch.unit_id = ch.obj.pk
    rebuild_ancestry(tree)
    unit_id = {code: u.id for code, u in units_by_code.items()}

    # Election.
    e = d.election
    desired_e = {
        e["slug"]: {
            "slug": e["slug"],
            "name": e["name"],
            "date": e["date"],
            "tree_id": tree.id,
            "root_id": unit_id[e["root"]],
            "turnout_slots": e["turnout_slots"],
            "is_rehearsal": e["rehearsal"],
        }
    }
    existing_e = {existing_election.slug: existing_election} if existing_election else {}
    election = sync.run("election", Election, existing_e, desired_e, lambda f: f["root_id"])[
        e["slug"]
    ]

    # Contests.
    contests = sync.run(
        "contest",
        Contest,
        {c.code: c for c in election.contests.all()},
        {
            c["code"]: {
                "election_id": election.id,
                "code": c["code"],
                "kind": c["kind"],
                "unit_id": unit_id[c["unit"]],
                "name": c["name"],
            }
            for c in d.contests
        },
        lambda f: f["unit_id"],
    )
    contest_unit = {code: c.unit_id for code, c in contests.items()}

    # Constituencies and the units they cover.
    existing_const = {
        (c.contest.code, c.number): c
        for c in Constituency.objects.filter(contest__election=election).select_related("contest")
    }
    constituencies = sync.run(
        "constituency",
        Constituency,
        existing_const,
        {
            (c["contest"], c["number"]): {
                "contest_id": contests[c["contest"]].id,
                "number": c["number"],
                "seats": c["seats"],
                "name": c["name"],
            }
            for c in d.constituencies
        },
        lambda f: None,
    )
    _sync_constituency_units(d, constituencies, unit_id, counts, changes, contest_unit)

    # Polling areas and their constituency per contest.
    areas = sync.run(
        "polling_area",
        PollingArea,
        {a.code: a for a in election.polling_areas.all()},
        {
            a["code"]: {
                "election_id": election.id,
                "code": a["code"],
                "unit_id": unit_id[a["unit"]],
                "number": a["number"],
                "name": a["name"],
                "kind": a["kind"],
                "polling_day": a["polling_day"],
                "voters_estimate": a["voters_estimate"],
            }
            for a in d.polling_areas
        },
        lambda f: f["unit_id"],
    )
    existing_assign = {
        (pac.polling_area_id, pac.contest_id): pac
        for pac in PollingAreaConstituency.objects.filter(polling_area__election=election)
    }
    sync.run(
        "polling_area_constituency",
        PollingAreaConstituency,
        existing_assign,
        {
            (areas[a["code"]].id, contests[c].id): {
                "polling_area_id": areas[a["code"]].id,
                "contest_id": contests[c].id,
                "constituency_id": constituencies[(c, n)].id,
            }
            for a in d.polling_areas
            for c, n in a["constituencies"].items()
        },
        lambda f: None,
    )

    # Candidates, in ballot order per constituency.
    desired_cand: dict[Hashable, dict[str, Any]] = {}
    by_const: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for c in d.candidates:
        by_const.setdefault((c["contest"], c["constituency"]), []).append(c)
    for key, cands in by_const.items():
        cands.sort(
            key=lambda c: rules.ballot_order_key(
                c["given_name"],
                c["family_name"],
                c["middle_name"],
                c["birth_date"],
                c["birth_year"],
            )
        )
        const = constituencies[key]
        for order, c in enumerate(cands, start=1):
            desired_cand[(const.id, c["ref"])] = {
                "constituency_id": const.id,
                "ref": c["ref"],
                "full_name": c["full_name"],
                "family_name": c["family_name"],
                "middle_name": c["middle_name"],
                "given_name": c["given_name"],
                "sex": c["sex"],
                "birth_date": c["birth_date"],
                "birth_year": c["birth_year"],
                "ballot_order": order,
            }
    existing_cand = {
        (c.constituency_id, c.ref): c
        for c in Candidate.objects.filter(constituency__contest__election=election)
    }
    if desired_cand:
        sync.run("candidate", Candidate, existing_cand, desired_cand, lambda f: None)
    else:
        counts["candidate"] = {"created": 0, "updated": 0, "unchanged": 0}

    _sync_bodies(d, sync, election, unit_id, contests, constituencies, areas)

    record_many(actor=actor, changes=changes, source=source, election_id=election.id)
    return ImportSummary(election=election, counts=counts)


def _sync_constituency_units(
    d: Definition,
    constituencies: dict[Hashable, Constituency],
    unit_id: dict[str, int],
    counts: dict[str, dict[str, int]],
    changes: list[Change],
    contest_unit: dict[str, int],
) -> None:
    through = Constituency.units.through
    existing: dict[int, set[int]] = {}
    for row in through.objects.filter(
        constituency_id__in=[c.id for c in constituencies.values()]
    ).values_list("constituency_id", "adminunit_id"):
        existing.setdefault(row[0], set()).add(row[1])
    add, remove, changed = [], [], 0
    for c in d.constituencies:
        const = constituencies[(c["contest"], c["number"])]
        want = {unit_id[u] for u in c["units"]}
        have = existing.get(const.id, set())
        if want != have:
            changed += 1
            add += [through(constituency_id=const.id, adminunit_id=u) for u in want - have]
            remove += [(const.id, u) for u in have - want]
            changes.append(
                Change(
                    "constituency.units_changed",
                    const,
                    {"units": sorted(have)},
                    {"units": sorted(want)},
                    contest_unit[c["contest"]],
                )
            )
    through.objects.bulk_create(add, batch_size=1000)
    for const_id, u in remove:
        through.objects.filter(constituency_id=const_id, adminunit_id=u).delete()
    counts["constituency_units"] = {
        "created": 0,
        "updated": changed,
        "unchanged": len(d.constituencies) - changed,
    }


def _sync_bodies(
    d: Definition,
    sync: _Sync,
    election: Election,
    unit_id: dict[str, int],
    contests: dict[Hashable, Contest],
    constituencies: dict[Hashable, Constituency],
    areas: dict[Hashable, PollingArea],
) -> None:
    """Committee per unit running a contest, Board per constituency, Team per polling area."""
    names: dict[tuple, dict[str, str]] = {}
    for b in d.bodies:
        if b["kind"] == "committee":
            names[("committee", b["unit"])] = b
        elif b["kind"] == "board":
            names[("board", b["contest"], b["constituency"])] = b
        else:
            names[("team", b["polling_area"])] = b
    unit_names = {u["code"]: u["name"] for u in d.units}
    desired: dict[Hashable, dict[str, Any]] = {}
    committee_units = [d.election["root"]] + [c["unit"] for c in d.contests]
    for code in dict.fromkeys(committee_units):
        given = names.get(("committee", code), {})
        desired[("committee", unit_id[code])] = {
            "election_id": election.id,
            "kind": "committee",
            "unit_id": unit_id[code],
            "constituency_id": None,
            "polling_area_id": None,
            "name": given.get("name") or f"Ủy ban bầu cử {unit_names[code]}",
            "contact": given.get("contact", ""),
        }
    contest_by_code = {c["code"]: c for c in d.contests}
    for c in d.constituencies:
        const = constituencies[(c["contest"], c["number"])]
        given = names.get(("board", c["contest"], c["number"]), {})
        desired[("board", const.id)] = {
            "election_id": election.id,
            "kind": "board",
            "unit_id": unit_id[contest_by_code[c["contest"]]["unit"]],
            "constituency_id": const.id,
            "polling_area_id": None,
            "name": given.get("name") or f"Ban bầu cử {c['name']} ({c['contest']})",
            "contact": given.get("contact", ""),
        }
    for a in d.polling_areas:
        area = areas[a["code"]]
        given = names.get(("team", a["code"]), {})
        desired[("team", area.id)] = {
            "election_id": election.id,
            "kind": "team",
            "unit_id": area.unit_id,
            "constituency_id": None,
            "polling_area_id": area.id,
            "name": given.get("name") or f"Tổ bầu cử {a['name']} ({a['code']})",
            "contact": given.get("contact", ""),
        }
    existing: dict[Hashable, models.Model] = {}
    for body in ElectionBody.objects.filter(election=election):
        if body.kind == "committee":
            existing[("committee", body.unit_id)] = body
        elif body.kind == "board":
            existing[("board", body.constituency_id)] = body
        else:
            existing[("team", body.polling_area_id)] = body
    sync.run("election_body", ElectionBody, existing, desired, lambda f: f["unit_id"])


__all__ = ["DefinitionError", "ImportSummary", "import_definition"]
