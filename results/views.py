"""Staff pages of results: entry like the paper form, double-entry settlement, progress,
results per constituency and contest, documents, and the public page (thin: services and
selectors do the work, election.access decides)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from election import selectors as esel
from election.access import (
    Cap,
    can,
    can_constituency,
    can_enter_minutes,
    can_settle_minutes,
    home_unit,
)
from election.models import Election, PollingArea
from results import documents, rules, selectors
from results.forms import MinutesForm
from results.models import ContestPublication, CountMinutes, Round
from results.services import minutes as svc
from results.services.publication import (
    PublicationError,
    contest_publish,
    no_additional_decide,
    tie_decide,
    vote_round_declare,
)


def _file(data: bytes, name: str, kind: str) -> HttpResponse:
    types = {
        "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    resp = HttpResponse(data, content_type=types[kind])
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


# --------------------------------------------------------------------------------------------
# Progress and roll-up
# --------------------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = home_unit(request.user, election)
    if unit is not None and can(request.user, Cap.VIEW, unit):
        return redirect("results:unit", slug=slug, code=unit.code)
    visible = selectors.visible_constituency_ids(user=request.user, election=election)
    if visible:
        results = selectors.compute_results(election=election, constituency_ids=visible)
        return render(
            request,
            "results/board_home.html",
            {
                "election": election,
                "results": results,
                "official": bool(results) and all(r.official for r in results),
            },
        )
    raise PermissionDenied


@login_required
def unit_progress(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    unit = esel.unit_get(user=request.user, election=election, code=code)
    progress = selectors.progress(election=election, unit=unit)
    published = {pub.contest_id for pub in selectors.published_contests(election=election)}
    for p in progress:
        p["official"] = p["contest"].id in published
        p["rollup"] = selectors.unit_rollup(election=election, unit=unit, contest=p["contest"])
        by_unit = {x["unit"].id: x["totals"] for x in p["rollup"]["children"]}
        for c in p["children"]:
            c["totals"] = by_unit.get(c["unit"].id)
        p["can_view_contest"] = can(request.user, Cap.VIEW, p["contest"].unit_id)
    areas = esel.areas_under(election=election, unit=unit).filter(unit=unit).order_by("number")
    return render(
        request,
        "results/unit.html",
        {
            "election": election,
            "unit": unit,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=unit, election=election),
            "progress": progress,
            "areas": areas,
        },
    )


# --------------------------------------------------------------------------------------------
# Minutes of a polling area: entry, settlement
# --------------------------------------------------------------------------------------------


def _area(request: HttpRequest, slug: str, code: str) -> tuple[Election, PollingArea]:
    election = esel.election_get(user=request.user, slug=slug)
    area = esel.polling_area_get(user=request.user, election=election, code=code)
    return election, area


@login_required
def area_minutes(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election, area = _area(request, slug, code)
    rows = selectors.minutes_for_area(area=area)
    for r in rows:
        r["can_enter"] = can_enter_minutes(request.user, area)
        r["can_settle"] = can_settle_minutes(request.user, area, r["constituency"])
    return render(
        request,
        "results/area.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "rows": rows,
        },
    )


def _minutes(area: PollingArea, contest_code: str, rnd: str) -> CountMinutes:
    if rnd not in Round.values:
        raise Http404
    contest = area.election.contests.filter(code=contest_code).first()
    if contest is None:
        raise Http404
    try:
        return svc.minutes_get_or_create(area=area, contest=contest, round=rnd)
    except svc.MinutesError as exc:
        raise Http404 from exc


@login_required
def minutes_entry(
    request: HttpRequest, slug: str, code: str, contest: str, rnd: str
) -> HttpResponse:
    election, area = _area(request, slug, code)
    if not can_enter_minutes(request.user, area):
        raise PermissionDenied
    m = _minutes(area, contest, rnd)
    cands = selectors.minutes_candidates(constituency=m.constituency, round=m.round)
    seats = m.constituency.seats if m.round != Round.ADDITIONAL else len(cands)
    prefill = (
        selectors.listed_prefill(election=election, area_ids=[area.id]).get((area.id, m.contest_id))
        if m.round == Round.MAIN
        else None
    )
    entry_number = 1 if m.status == CountMinutes.Status.EMPTY else 2
    first = m.entries.filter(current=True, number=1).first()
    blocked = ""
    if m.status in (CountMinutes.Status.DIFFERENT, CountMinutes.Status.DEFINITIVE):
        blocked = m.get_status_display()
    elif first and first.entered_by_id == request.user.pk:
        blocked = _("You made the first entry: the second must be made by another person.")
    errors: list[rules.Finding] = []
    form_kwargs = {"candidates": cands, "seats": seats}
    if request.method == "POST" and not blocked:
        form = MinutesForm(request.POST, **form_kwargs)
        if form.is_valid():
            acknowledged = [
                k[4:] for k, v in request.POST.items() if k.startswith("ack_") and v in ("on", "1")
            ]
            try:
                out = svc.minutes_enter(
                    actor=request.user,
                    minutes=m,
                    figures=form.figures(),
                    acknowledged=acknowledged,
                    expected_version=form.cleaned_data["version"],
                    expected_listed=prefill,
                )
            except svc.NeedsAcknowledgement as exc:
                form = MinutesForm(request.POST, warnings=exc.findings, **form_kwargs)
                form.is_valid()
            except svc.MinutesRejected as exc:
                errors = exc.findings
            except (svc.StaleVersion, svc.WrongState) as exc:
                messages.error(request, str(exc))
                return redirect("results:area", slug=slug, code=code)
            else:
                state = out.minutes.get_status_display()
                messages.success(
                    request,
                    _("Entry %(n)s saved: %(state)s.") % {"n": out.entry.number, "state": state},
                )
                return redirect("results:area", slug=slug, code=code)
    else:
        form = MinutesForm(initial={"version": m.version, "voters_listed": prefill}, **form_kwargs)
    error_fields = {f.field.split(".")[0] for f in errors} | {f.field for f in errors}
    return render(
        request,
        "results/entry.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "m": m,
            "form": form,
            "errors": errors,
            "error_fields": error_fields,
            "entry_number": entry_number,
            "blocked": blocked,
            "prefill": prefill,
            "seats": seats,
        },
        status=400
        if (errors or form.errors or form.warnings) and request.method == "POST"
        else 200,
    )


def _entry_table(m: CountMinutes, entries: dict[int, Any]) -> list[dict[str, Any]]:
    labels = [(f, rules.FIELD_LABELS[f]) for f in rules.FIELDS]
    rows = []
    for f, label in labels:
        vals = [entries[n].data.get(f) if n in entries else None for n in (1, 2)]
        rows.append({"label": label, "values": vals, "differ": vals[0] != vals[1]})
    for c in m.constituency.candidates.order_by("ballot_order", "id"):
        vals = [
            (entries[n].data.get("votes") or {}).get(str(c.id)) if n in entries else None
            for n in (1, 2)
        ]
        rows.append(
            {"label": f"{c.title} {c.full_name}", "values": vals, "differ": vals[0] != vals[1]}
        )
    kept1 = (entries.get(1).data.get("valid_by_names_kept") if 1 in entries else None) or {}
    kept2 = (entries.get(2).data.get("valid_by_names_kept") if 2 in entries else None) or {}
    for k in sorted(set(kept1) | set(kept2), key=int):
        vals = [kept1.get(k), kept2.get(k)]
        rows.append(
            {
                "label": _("Valid ballots keeping %(k)s name(s)") % {"k": k},
                "values": vals,
                "differ": vals[0] != vals[1],
            }
        )
    return rows


@login_required
def minutes_settle(
    request: HttpRequest, slug: str, code: str, contest: str, rnd: str
) -> HttpResponse:
    election, area = _area(request, slug, code)
    m = _minutes(area, contest, rnd)
    if not can_settle_minutes(request.user, area, m.constituency):
        raise PermissionDenied
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "reopen":
                svc.minutes_reopen(
                    actor=request.user, minutes=m, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("Minutes reopened."))
            else:
                svc.minutes_resolve(
                    actor=request.user,
                    minutes=m,
                    action=action,
                    expected_version=int(request.POST.get("version", -1)),
                )
                messages.success(request, _("Entries settled."))
        except svc.MinutesError as exc:
            messages.error(
                request, "; ".join([str(exc)] + [f"{f.code} {f.message}" for f in exc.findings])
            )
        return redirect("results:settle", slug=slug, code=code, contest=contest, rnd=rnd)
    entries = {e.number: e for e in m.entries.filter(current=True).select_related("entered_by")}
    return render(
        request,
        "results/settle.html",
        {
            "election": election,
            "area": area,
            "breadcrumb": esel.breadcrumb(user=request.user, unit=area.unit, election=election),
            "m": m,
            "entries": entries,
            "rows": _entry_table(m, entries),
            "history": m.entries.filter(current=False).select_related("entered_by"),
            "published": ContestPublication.objects.filter(contest_id=m.contest_id).exists(),
        },
    )


# --------------------------------------------------------------------------------------------
# Results, documents, publication
# --------------------------------------------------------------------------------------------


def _contest(request: HttpRequest, slug: str, code: str) -> tuple[Election, Any]:
    election = esel.election_get(user=request.user, slug=slug)
    contest = election.contests.select_related("unit").filter(code=code).first()
    if contest is None:
        raise Http404
    return election, contest


def _bars(results: list[selectors.ConstituencyResult]) -> None:
    for r in results:
        for c in r.candidates:
            c.bar = float(c.pct or 0)


@login_required
def contest_results(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    election, contest = _contest(request, slug, code)
    visible = selectors.visible_constituency_ids(user=request.user, election=election)
    ids = None
    if visible is not None:
        ids = [i for i in visible]
    results = selectors.compute_results(election=election, contest=contest, constituency_ids=ids)
    if not results:
        raise PermissionDenied
    if request.method == "POST" and request.POST.get("action") == "publish":
        try:
            contest_publish(actor=request.user, contest=contest)
            messages.success(request, _("Results published as official."))
        except PublicationError as exc:
            messages.error(request, str(exc))
        return redirect("results:contest", slug=slug, code=code)
    summary = selectors.contest_summary(contest=contest, results=results)
    whole = can(request.user, Cap.VIEW, contest.unit_id)
    return render(
        request,
        "results/contest.html",
        {
            "election": election,
            "contest": contest,
            "summary": summary,
            "whole": whole,
            "can_publish": can(request.user, Cap.APPROVE, contest.unit_id)
            and not hasattr(contest, "publication"),
            "publication": getattr(contest, "publication", None),
            "breadcrumb": esel.breadcrumb(user=request.user, unit=contest.unit, election=election)
            if whole
            else [],
        },
    )


@login_required
def constituency_result(request: HttpRequest, slug: str, code: str, number: int) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    const = selectors.constituency_get(
        user=request.user, election=election, contest_code=code, number=number
    )
    if request.method == "POST" and request.POST.get("action") == "tie":
        try:
            ids = [int(x) for x in request.POST.getlist("candidate")]
        except ValueError:
            ids = []
        try:
            tie_decide(
                actor=request.user,
                constituency=const,
                candidate_ids=ids,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The Committee's decision on the tie is recorded."))
        except PublicationError as exc:
            messages.error(request, str(exc))
        return redirect("results:constituency", slug=slug, code=code, number=number)
    if request.method == "POST" and request.POST.get("action") == "no_additional":
        try:
            no_additional_decide(
                actor=request.user, constituency=const, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The decision of no additional election is recorded."))
        except PublicationError as exc:
            messages.error(request, str(exc))
        return redirect("results:constituency", slug=slug, code=code, number=number)
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            vote_round_declare(
                actor=request.user,
                constituency=const,
                kind=kind,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Decision recorded: %(k)s.") % {"k": Round(kind).label})
        except (PublicationError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("results:constituency", slug=slug, code=code, number=number)
    (result,) = selectors.compute_results(election=election, constituency_ids=[const.id])
    _bars([result])
    areas = (
        CountMinutes.objects.filter(constituency=const)
        .select_related("polling_area")
        .order_by("polling_area__code", "round")
    )
    return render(
        request,
        "results/constituency.html",
        {
            "election": election,
            "r": result,
            "units": documents.constituency_units([const]).get(const.id, []),
            "minutes": areas,
            "can_decide": can_constituency(request.user, Cap.APPROVE, const),
            "can_decide_tie": can(request.user, Cap.APPROVE, const.contest.unit_id)
            and not hasattr(const.contest, "publication"),
            "can_decide_no_additional": can(request.user, Cap.APPROVE, const.contest.unit_id)
            and const.contest.kind == rules.NATIONAL_ASSEMBLY
            and result.complete
            and not hasattr(const.contest, "publication"),
            "hash": documents.figures_hash(result)[:16],
        },
    )


@login_required
def constituency_document(
    request: HttpRequest, slug: str, code: str, number: int, kind: str
) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    const = selectors.constituency_get(
        user=request.user, election=election, contest_code=code, number=number
    )
    if kind not in ("pdf", "xlsx"):
        raise Http404
    (result,) = selectors.compute_results(election=election, constituency_ids=[const.id])
    name = f"bien-ban-{election.slug}-{code}-dvbc-{number}.{kind}"
    with translation.override("vi"):
        if kind == "pdf":
            return _file(documents.board_minutes_pdf(result, election), name, "pdf")
        summary = selectors.contest_summary(contest=const.contest, results=[result])
        return _file(documents.results_xlsx([summary], election), name, "xlsx")


@login_required
def contest_document(request: HttpRequest, slug: str, code: str, kind: str) -> HttpResponse:
    election, contest = _contest(request, slug, code)
    if kind not in ("pdf", "xlsx"):
        raise Http404
    if not can(request.user, Cap.VIEW, contest.unit_id):
        raise PermissionDenied
    results = selectors.compute_results(election=election, contest=contest)
    summary = selectors.contest_summary(contest=contest, results=results)
    name = f"ket-qua-{election.slug}-{code}.{kind}"
    with translation.override("vi"):
        if kind == "pdf":
            boards = request.GET.get("boards") == "1"
            data = documents.election_pdf([summary], election, with_boards=boards)
            return _file(data, name, "pdf")
        return _file(documents.results_xlsx([summary], election), name, "xlsx")


@login_required
def results_json(request: HttpRequest, slug: str) -> HttpResponse:
    election = esel.election_get(user=request.user, slug=slug)
    visible = selectors.visible_constituency_ids(user=request.user, election=election)
    results = selectors.compute_results(election=election, constituency_ids=visible)
    with translation.override("vi"):
        doc = selectors.results_document(election=election, results=results)
    return JsonResponse(doc, json_dumps_params={"ensure_ascii": False})


def public_results(request: HttpRequest, slug: str) -> HttpResponse:
    """Official results only, after publication; aggregates only, no login."""
    election = Election.objects.filter(slug=slug, is_rehearsal=False).first()
    if election is None:
        raise Http404
    pubs = selectors.published_contests(election=election)
    return render(
        request,
        "results/public.html",
        {"public_election": election, "publications": pubs},
    )
