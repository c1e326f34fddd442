"""Staff pages for the election structure (thin: selectors do the reading and scoping)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from election import selectors
from election.access import Cap, can, home_unit, roles_of, scope_units, visible_elections
from election.forms import AccountForm, WipeRehearsalForm
from election.models import Role
from election.services import rehearsal as rehearsal_service
from election.services.accounts import account_create, role_revoke


@login_required
def home(request: HttpRequest) -> HttpResponse:
    elections = list(visible_elections(request.user).select_related("root"))
    rows = [(e, home_unit(request.user, e)) for e in elections]
    return render(
        request,
        "election/home.html",
        {
            "rows": [(e, u) for e, u in rows if u is not None],
            "roles": roles_of(request.user),
        },
    )


@login_required
def election_detail(request: HttpRequest, slug: str) -> HttpResponse:
    election = selectors.election_get(user=request.user, slug=slug)
    unit = home_unit(request.user, election)
    if unit is None:
        return render(request, "election/no_access.html", status=403)
    return redirect("unit", slug=slug, code=unit.code)


@login_required
def unit_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = selectors.election_get(user=request.user, slug=slug)
    unit = selectors.unit_get(user=request.user, election=election, code=code)
    children = selectors.unit_children_summary(election=election, unit=unit)
    max_voters = max((c["voters"] for c in children), default=0) or 1
    for c in children:
        c["bar"] = round(100 * c["voters"] / max_voters, 1)
        c["visible"] = can(request.user, Cap.VIEW, c["unit"])
    areas = selectors.areas_under(election=election, unit=unit)
    direct_areas = areas.filter(unit=unit).order_by("number")
    return render(
        request,
        "election/unit.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": selectors.breadcrumb(user=request.user, unit=unit, election=election),
            "children": children,
            "area_count": areas.count(),
            "direct_areas": direct_areas,
            "contests": selectors.contests_for_unit(election=election, unit=unit),
            "can_manage": can(request.user, Cap.MANAGE_STRUCTURE, unit),
            "can_rehearse": can(request.user, Cap.MANAGE_STRUCTURE, election.root),
            "total_voters": sum(c["voters"] for c in children)
            + sum(a.voters_estimate or 0 for a in direct_areas),
        },
    )


@login_required
def polling_area_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = selectors.election_get(user=request.user, slug=slug)
    area = selectors.polling_area_get(user=request.user, election=election, code=code)
    pairs = selectors.area_constituencies(area=area)
    return render(
        request,
        "election/polling_area.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": selectors.breadcrumb(
                user=request.user, unit=area.unit, election=election
            ),
            "contests": [
                (contest, const, list(selectors.constituency_candidates(constituency=const)))
                for contest, const in pairs
            ],
            "team": getattr(area, "team", None),
        },
    )


@login_required
def contest_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = selectors.election_get(user=request.user, slug=slug)
    contest = selectors.contest_get(user=request.user, election=election, code=code)
    constituencies = contest.constituencies.prefetch_related("units", "candidates").order_by(
        "number"
    )
    return render(
        request,
        "election/contest.html",
        {
            "election": election,
            "contest": contest,
            "constituencies": constituencies,
            "seats": sum(c.seats for c in constituencies),
        },
    )


@login_required
def accounts(request: HttpRequest, slug: str) -> HttpResponse:
    """People and their roles in the units the user administers; create accounts there."""
    election = selectors.election_get(user=request.user, slug=slug)
    if not can(request.user, Cap.MANAGE_STRUCTURE, election.root) and not any(
        r.kind == Role.Kind.ADMIN for r in roles_of(request.user)
    ):
        raise PermissionDenied
    if request.method == "POST" and "revoke" in request.POST:
        role = get_object_or_404(Role, pk=request.POST["revoke"], unit__tree=election.tree)
        if not can(request.user, Cap.MANAGE_STRUCTURE, role.unit) or role.user == request.user:
            raise PermissionDenied
        role_revoke(actor=request.user, role=role)
        messages.success(request, _("Role revoked."))
        return redirect("accounts", slug=slug)
    form = AccountForm(request.POST or None, actor=request.user, election=election)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        account_create(
            actor=request.user,
            username=d["username"],
            full_name=d["full_name"],
            password=d["password"],
            kind=d["kind"],
            unit=d["unit_obj"],
            body=d["body_obj"],
        )
        messages.success(request, _("Account %(u)s created.") % {"u": d["username"]})
        return redirect("accounts", slug=slug)
    roles = scope_units(
        request.user,
        Role.objects.filter(unit__tree=election.tree).select_related("user", "unit", "body"),
        Cap.MANAGE_STRUCTURE,
        field="unit_id",
    ).order_by("unit__level", "unit__code", "user__username")
    return render(
        request,
        "election/accounts.html",
        {
            "election": election,
            "form": form,
            "roles": roles,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def rehearsal(request: HttpRequest, slug: str) -> HttpResponse:
    """Rehearsal mode of an election: what it holds, switch real ↔ rehearsal, wipe (typed
    confirmation). For whoever manages the structure of the election's root."""
    election = selectors.election_get(user=request.user, slug=slug)
    if not can(request.user, Cap.MANAGE_STRUCTURE, election.root):
        raise PermissionDenied
    action = request.POST.get("action") if request.method == "POST" else None
    form = WipeRehearsalForm(request.POST if action == "wipe" else None, slug=election.slug)
    status = 200
    if action == "wipe":
        if form.is_valid():
            try:
                summary = rehearsal_service.wipe_rehearsal(
                    actor=request.user,
                    election=election,
                    including_structure=form.cleaned_data["including_structure"],
                )
            except rehearsal_service.RehearsalError as exc:
                form.add_error(None, exc.messages[0])
            else:
                messages.success(
                    request,
                    _("Rehearsal data wiped: %(n)s records deleted.") % {"n": summary.total},
                )
                if summary.accounts_retired:
                    messages.info(
                        request,
                        _("%(n)s drill accounts retired (roles and API tokens taken away).")
                        % {"n": summary.accounts_retired},
                    )
                if summary.structure:
                    return redirect("home")
                return redirect("rehearsal", slug=slug)
        status = 400
    elif action == "switch":
        to_rehearsal = request.POST.get("to") == "rehearsal"
        try:
            rehearsal_service.election_set_rehearsal(
                actor=request.user, election=election, rehearsal=to_rehearsal
            )
        except rehearsal_service.RehearsalError as exc:
            messages.error(request, exc.messages[0])
            status = 400
        else:
            messages.success(
                request,
                _("The election is now a rehearsal.")
                if to_rehearsal
                else _("The election is now a real election."),
            )
            return redirect("rehearsal", slug=slug)
    counts = rehearsal_service.data_counts(election)
    return render(
        request,
        "election/rehearsal.html",
        {
            "election": election,
            "rows": [(rehearsal_service.DATA_LABELS[k], n) for k, n in counts.items()],
            "total": sum(counts.values()),
            "form": form,
            "switch_refusal": rehearsal_service.switch_refusal(
                election, to_rehearsal=not election.is_rehearsal
            ),
        },
        status=status,
    )
