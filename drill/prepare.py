"""Before the drill day: the election checked, the areas to play, the accounts and what each
Election Team knows (its list, its ballots). Runs in the command's process, on the database;
everything after this goes through the running system's interfaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from common.audit import record
from drill.figures import ContestSheet
from election.models import (
    Election,
    ElectionBody,
    PollingArea,
    PollingAreaConstituency,
    Role,
    UnitAncestry,
)
from election.services.accounts import account_create, drill_group_name, role_grant
from realtime import rules as turnout_rules

SMALL_AREAS = 40  # a small drill plays the first 40 polling areas that have a voter list
MIN_AREAS = 20  # ten fault kinds, and at least as many clean areas
ELIGIBLE_LISTED = 50  # an area carries a fault only with at least this many voters


class DrillRefused(Exception):
    """The drill cannot run on this election (say why; nothing was changed)."""


@dataclass
class AreaPlan:
    code: str
    unit: str
    listed: int
    ancestors: list[str]  # unit codes from the area's unit up to the root
    token: str = ""
    sheets: list[ContestSheet] = field(default_factory=list)


@dataclass
class Setup:
    election: Election
    areas: list[AreaPlan]
    slots: list[str]  # slot keys in order, "closed" last
    clerks: list[str]  # API tokens of the two entry clerks
    coordinator: str  # API token of the coordinator (Election Committee member)
    session_cookie: str  # the coordinator's session, for the dashboard websockets
    accounts_created: int = 0


def election_for_drill(slug: str, *, allow_real: bool = False) -> Election:
    election = Election.objects.select_related("root").filter(slug=slug).first()
    if election is None:
        raise DrillRefused(f"no election {slug!r}")
    if not election.is_rehearsal and not allow_real:
        raise DrillRefused(
            f"{slug} is not a rehearsal: a drill writes turnout and count minutes; mark the "
            "election as a rehearsal first (or pass --allow-real on a copy you can throw away)"
        )
    return election


def areas_to_play(election: Election, scale: str) -> list[PollingArea]:
    """Polling areas with a voter list, in code order: all of them at city scale, the first
    SMALL_AREAS otherwise."""
    from realtime import denominators

    listed = denominators.listed(election_id=election.id)
    areas = [
        a
        for a in election.polling_areas.select_related("unit").order_by("code")
        if listed.get(a.id, 0) > 0
    ]
    if scale == "small":
        areas = areas[:SMALL_AREAS]
    if len(areas) < MIN_AREAS:
        raise DrillRefused(
            f"only {len(areas)} polling areas of {election.slug} have a voter list; a drill "
            f"needs {MIN_AREAS} (load voters first, e.g. manage.py load_demo_voters)"
        )
    return areas


def already_played(election: Election, areas: list[PollingArea]) -> tuple[int, int]:
    """(turnout reports, count minutes begun) already in these areas."""
    from realtime.models import TurnoutReport
    from results.models import CountMinutes

    ids = [a.id for a in areas]
    reports = TurnoutReport.objects.filter(polling_area_id__in=ids).count()
    minutes = (
        CountMinutes.objects.filter(polling_area_id__in=ids)
        .exclude(status=CountMinutes.Status.EMPTY)
        .count()
    )
    return reports, minutes


@transaction.atomic
def reset_played(*, election: Election, areas: list[PollingArea]) -> dict[str, int]:
    """Wipe the turnout reports and count minutes of the played areas of a rehearsal (one
    audited change), so that the drill can be played again."""
    from realtime import live
    from realtime.models import TurnoutReport
    from realtime.services.turnout import turnout_epoch_advance
    from results.models import CountMinutes

    if not election.is_rehearsal:
        raise DrillRefused("only a rehearsal's data can be wiped")
    ids = [a.id for a in areas]
    reports, _ = TurnoutReport.objects.filter(polling_area_id__in=ids).delete()
    minutes = CountMinutes.objects.filter(polling_area_id__in=ids).count()
    CountMinutes.objects.filter(polling_area_id__in=ids).delete()
    record(
        actor=None,
        action="drill.reset",
        obj=election,
        source="cli",
        unit_id=election.root_id,
        election_id=election.id,
        before={"turnout_reports": reports, "count_minutes": minutes},
    )
    # the areas' snapshot versions fall: a new epoch and a reload, so dashboards accept them
    turnout_epoch_advance(election_id=election.id)
    transaction.on_commit(lambda: live.election_changed(election.id))
    return {"turnout_reports": reports, "count_minutes": minutes}


def _ensure_account(
    username: str, full_name: str, kind: str, unit: Any, body: Any, group: Any
) -> tuple:
    """The drill's account (made, or one of its own from an earlier drill made active again),
    marked by the election's drill group so that the drill's end and the wipe can retire it.
    An account of that name outside the group is somebody else's: refused, untouched."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        role = account_create(
            actor=None,
            username=username,
            full_name=full_name,
            password=None,  # API token only: no password to log in with
            kind=kind,
            unit=unit,
            body=body,
            source="cli",
        )
        user = role.user
    else:
        if not user.groups.filter(pk=group.pk).exists():
            raise DrillRefused(
                f"an account named {username} exists and was not made by a drill of this "
                "election: rename it or play another election"
            )
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        role_grant(actor=None, user=user, kind=kind, unit=unit, body=body, source="cli")
    user.groups.add(group)
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key, created


def _session_cookie(user: Any) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def contest_sheets(election: Election, areas: list[PollingArea]) -> dict[int, list[ContestSheet]]:
    """{area id: the contests of the area with their list counts, seats and ballots}."""
    from voters.selectors import listed_counts_by_contest

    ids = [a.id for a in areas]
    listed = listed_counts_by_contest(election=election, area_ids=ids)
    links = (
        PollingAreaConstituency.objects.filter(polling_area_id__in=ids)
        .select_related("contest", "constituency")
        .order_by("polling_area_id", "contest_id")
    )
    ballots: dict[int, tuple[str, ...]] = {}
    out: dict[int, list[ContestSheet]] = {i: [] for i in ids}
    for link in links:
        c = link.constituency
        if c.id not in ballots:
            ballots[c.id] = tuple(
                c.candidates.order_by("ballot_order", "id").values_list("full_name", flat=True)
            )
        out[link.polling_area_id].append(
            ContestSheet(
                code=link.contest.code,
                national=link.contest.kind == "national_assembly",
                listed=listed.get((link.polling_area_id, link.contest_id), 0),
                seats=c.seats,
                candidates=ballots[c.id],
            )
        )
    return out


def prepare(*, election: Election, areas: list[PollingArea]) -> Setup:
    """Accounts (one Team secretary per area, two entry clerks, a coordinator) with API
    tokens, through the accounts service (audited; existing accounts are reused)."""
    from realtime import denominators

    slug = election.slug
    root = election.root
    teams = {
        b.polling_area_id: b
        for b in ElectionBody.objects.filter(election=election, kind=ElectionBody.Kind.TEAM)
    }
    missing = [a.code for a in areas if a.id not in teams]
    if missing:
        raise DrillRefused(f"polling areas without an Election Team: {', '.join(missing[:5])}")
    listed = denominators.listed(election_id=election.id, area_ids=[a.id for a in areas])
    codes = dict(election.tree.units.values_list("id", "code"))
    chains: dict[int, list[tuple[int, str]]] = {}
    for anc, desc, depth in UnitAncestry.objects.filter(
        descendant_id__in={a.unit_id for a in areas}
    ).values_list("ancestor_id", "descendant_id", "depth"):
        chains.setdefault(desc, []).append((depth, codes[anc]))
    sheets = contest_sheets(election, areas)
    created = 0
    plans = []
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=drill_group_name(election.pk))
        for a in areas:
            _, token, new = _ensure_account(
                f"drill-{slug}-tk-{a.code}",
                f"Thư ký tổ bầu cử {a.code}",
                Role.Kind.TEAM_SECRETARY,
                a.unit,
                teams[a.id],
                group,
            )
            created += new
            plans.append(
                AreaPlan(
                    code=a.code,
                    unit=a.unit.code,
                    listed=listed.get(a.id, 0),
                    ancestors=[c for _, c in sorted(chains.get(a.unit_id, []))],
                    token=token,
                    sheets=sheets[a.id],
                )
            )
        clerks = []
        for n in (1, 2):
            _, token, new = _ensure_account(
                f"drill-{slug}-nhap-{n}", f"Nhập liệu {n}", Role.Kind.WARD_STAFF, root, None, group
            )
            clerks.append(token)
            created += new
        coord, coord_token, new = _ensure_account(
            f"drill-{slug}-dieuphoi",
            "Điều phối diễn tập",
            Role.Kind.COMMITTEE_MEMBER,
            root,
            None,
            group,
        )
        created += new
        cookie = _session_cookie(coord)
    return Setup(
        election=election,
        areas=plans,
        slots=turnout_rules.slot_keys(election.turnout_slots),
        clerks=clerks,
        coordinator=coord_token,
        session_cookie=cookie,
        accounts_created=created,
    )
