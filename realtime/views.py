"""Turnout pages: the Team's reporting page (phone), the committee dashboard, publication and
the public page. Thin: services write, selectors read, election/access.py decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from common.vn import percent
from election import selectors as election_selectors
from election.access import Cap, can, home_unit, roles_of, scope_areas
from election.models import Election, Role
from realtime import clock, denominators, live, rules
from realtime.api import public_election
from realtime.selectors import (
    locked_slots,
    publications,
    reports_for_area,
    slot_state,
)
from realtime.services.turnout import (
    PublishRejected,
    TurnoutRejected,
    turnout_publish,
    turnout_report_submit,
)


def slot_label(key: str) -> str:
    return str(_("Closed (final)")) if key == rules.CLOSED else key


class ReportForm(forms.Form):
    slot = forms.ChoiceField(label=_("Time slot"))
    voted = forms.IntegerField(label=_("Voters who have voted so far"), min_value=0)
    voted_confirm = forms.IntegerField(label=_("Type the number again"), min_value=0)
    voted_female = forms.IntegerField(label=_("of whom women"), min_value=0, required=False)
    voted_male = forms.IntegerField(label=_("of whom men"), min_value=0, required=False)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=300, required=False)

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(k, slot_label(k)) for k in keys]
        for name in ("voted", "voted_confirm", "voted_female", "voted_male"):
            self.fields[name].widget.attrs.update(
                {"inputmode": "numeric", "autocomplete": "off", "class": "bignum"}
            )


def _default_slot(keys: list[str], current: str | None, reported: set[str]) -> str:
    """The current slot (a missed earlier slot is covered by the cumulative count); after the
    last slot has been reported, "closed"."""
    if current is None:
        return keys[0]
    if current == keys[-2] and current in reported:
        return rules.CLOSED
    return current


@login_required
def turnout_start(request: HttpRequest, slug: str) -> HttpResponse:
    """A Team secretary goes to their area's form; everyone else to their unit's dashboard."""
    election = election_selectors.election_get(user=request.user, slug=slug)
    own = [
        r.body.polling_area
        for r in roles_of(request.user)
        if r.kind == Role.Kind.TEAM_SECRETARY
        and r.body
        and r.body.polling_area_id
        and r.body.election_id == election.id
    ]
    if len(own) == 1:
        return redirect("turnout-report", slug=slug, code=own[0].code)
    unit = home_unit(request.user, election)
    if unit is None:
        raise PermissionDenied
    return redirect("turnout-dashboard", slug=slug, code=unit.code)


@login_required
@require_http_methods(["GET", "POST"])
def turnout_report(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    area = election_selectors.polling_area_get(
        user=request.user, election=election, code=code, cap=Cap.REPORT_AREA
    )
    state = slot_state(election)
    keys = state["keys"]
    reports = list(reports_for_area(area=area))
    by_slot = {r.slot: r for r in reports}
    listed = denominators.listed(election_id=election.id, area_ids=[area.id]).get(area.id, 0)
    by_sex = denominators.listed_by_sex(election_id=election.id, area_ids=[area.id]).get(area.id)
    initial = {"slot": _default_slot(keys, state["current"], set(by_slot))}
    form = ReportForm(request.POST or None, keys=keys, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            outcome = turnout_report_submit(
                actor=request.user,
                area=area,
                slot=d["slot"],
                voted=d["voted"],
                voted_confirm=d["voted_confirm"],
                voted_female=d.get("voted_female"),
                voted_male=d.get("voted_male"),
                reason=d.get("reason") or "",
            )
        except TurnoutRejected as exc:
            for err in exc.messages():
                form.add_error(None, err["message"])
        else:
            if outcome.unchanged:
                messages.info(request, _t("Nothing changed: this count was already saved."))
            else:
                msg = _t("Saved: %(voted)s voters by %(slot)s.") % {
                    "voted": outcome.report.voted,
                    "slot": slot_label(outcome.report.slot),
                }
                if outcome.late:
                    msg += " " + _t("The report is late and has been marked late.")
                messages.success(request, msg)
            return redirect("turnout-report", slug=slug, code=code)
    locked = locked_slots(election=election)
    rows = [
        {
            "key": k,
            "label": slot_label(k),
            "report": by_slot.get(k),
            "percent": percent(by_slot[k].voted, by_slot[k].listed) if k in by_slot else None,
            "locked": k in locked,
        }
        for k in keys
    ]
    day_ok = election.is_rehearsal or state["now"].date() == area.effective_polling_day
    return render(
        request,
        "realtime/report.html",
        {
            "election": election,
            "area": area,
            "form": form,
            "listed": listed,
            "listed_female": (by_sex or {}).get("F"),
            "rows": rows,
            "day_ok": day_ok,
            "now": state["now"],
            "existing": {k: r.voted for k, r in by_slot.items()},
        },
    )


@login_required
def turnout_dashboard(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = election_selectors.election_get(user=request.user, slug=slug)
    unit = election_selectors.unit_get(user=request.user, election=election, code=code)
    snapshot = live.current_snapshot(election, unit)
    crumbs = election_selectors.unit_breadcrumb(unit=unit, election=election)
    return render(
        request,
        "realtime/dashboard.html",
        {
            "election": election,
            "unit": unit,
            "snapshot": snapshot,
            # a dashboard silent for three heartbeats says it is offline and reconnects
            "silence_ms": int(live.heartbeat_seconds() * 3000 + 2000),
            "breadcrumb": [{"unit": u, "link": can(request.user, Cap.VIEW, u)} for u in crumbs],
            "can_publish": can(request.user, Cap.APPROVE, election.root_id),
            "can_report": scope_areas(
                request.user, election.polling_areas.filter(unit=unit), Cap.REPORT_AREA
            ).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def turnout_publish_page(request: HttpRequest, slug: str) -> HttpResponse:
    election: Election = election_selectors.election_get(user=request.user, slug=slug)
    if not can(request.user, Cap.APPROVE, election.root_id):
        raise PermissionDenied
    state = slot_state(election)
    keys = state["keys"]
    done = {p.slot: p for p in publications(election=election)}
    if request.method == "POST":
        slot = request.POST.get("slot", "")
        try:
            pub = turnout_publish(actor=request.user, election=election, slot=slot)
        except PublishRejected as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _t("Published %(slot)s as version %(version)s.")
                % {"slot": slot_label(slot), "version": pub.version},
            )
        return redirect("turnout-publish", slug=slug)
    now = clock.now()
    rows = []
    for k in keys:
        at = rules.slot_instant(keys, k, state["day"], now.tzinfo)
        rows.append(
            {
                "key": k,
                "label": slot_label(k),
                "publication": done.get(k),
                "open": at <= now,
                # an earlier slot than one published can no longer be published
                "passed": rules.later_published(keys, k, done) is not None,
            }
        )
    return render(
        request,
        "realtime/publish.html",
        {"election": election, "rows": rows, "root": election.root},
    )


def turnout_public(request: HttpRequest, slug: str) -> HttpResponse:
    """Published turnout for press and public: aggregates only, no login."""
    election = public_election(slug)
    pubs = list(publications(election=election))
    version = request.GET.get("v", "")
    pub = next((p for p in pubs if str(p.version) == version), pubs[0] if pubs else None)
    levels: list[dict[str, Any]] = []
    if pub is not None:
        kinds: dict[int, list[dict[str, Any]]] = {}
        for row in pub.data.get("units", []):
            row = {**row, "pct": _decimal(row.get("percent"))}
            kinds.setdefault(row["level"], []).append(row)
        levels = [{"level": lvl, "rows": rows} for lvl, rows in sorted(kinds.items())]
    return render(
        request,
        "realtime/public.html",
        {
            "election": election,
            "publication": pub,
            "publications": pubs,
            "levels": levels,
            "slot_label": slot_label(pub.slot) if pub else "",
        },
    )


def _decimal(value: str | None) -> Any:  # noqa: ANN401
    from decimal import Decimal

    return None if value is None else Decimal(value)
