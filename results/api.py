"""API of results (thin): the baucu.results/1 document, progress, and count-minutes entry."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from election import selectors as esel
from election.access import Cap, can_enter_minutes, can_settle_minutes, scope_areas, scope_units
from results import rules, selectors
from results.models import CountMinutes
from results.services import minutes as svc
from results.services.import_minutes import (
    ImportRejected,
    import_count_minutes,
    list_of_codes_message,
)


class ResultsView(APIView):
    """Results of every constituency the user may see, computed from definitive minutes."""

    @extend_schema(responses={200: OpenApiResponse(description="baucu.results/1")})
    def get(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        visible = selectors.visible_constituency_ids(user=request.user, election=election)
        contest = None
        if request.query_params.get("contest"):
            contest = election.contests.filter(code=request.query_params["contest"]).first()
            if contest is None:
                return Response({"detail": _("Unknown contest.")}, status=404)
        results = selectors.compute_results(
            election=election, contest=contest, constituency_ids=visible
        )
        with translation.override("vi"):
            return Response(selectors.results_document(election=election, results=results))


class ProgressView(APIView):
    """Minutes definitive / in entry / missing per contest under a unit, missing areas named."""

    @extend_schema(responses={200: OpenApiResponse(description="progress per contest")})
    def get(self, request: Request, slug: str, code: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        unit = esel.unit_get(user=request.user, election=election, code=code)
        out = []
        for p in selectors.progress(election=election, unit=unit):
            out.append(
                {
                    "contest": p["contest"].code,
                    "total": p["total"],
                    "definitive": p["definitive"],
                    "in_entry": p["in_entry"],
                    "missing": p["missing"],
                    "missing_areas": p["missing_areas"],
                    "children": [
                        {"unit": c["unit"].code, "total": c["total"], "definitive": c["definitive"]}
                        for c in p["children"]
                    ],
                }
            )
        return Response({"unit": unit.code, "contests": out})


class MinutesEntrySerializer(serializers.Serializer):
    format = serializers.CharField(required=False)
    minutes = serializers.ListField(child=serializers.DictField())
    acknowledged = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        default=list,
        help_text="warning codes (W.…) acknowledged for every minute; a minute may also carry "
        "its own `acknowledged` list",
    )


class MinutesEntryView(APIView):
    """GET: the minutes the user may enter, with state and version. POST: submit one keyed
    entry per minute (baucu.count/1 body); each area must be the user's to enter."""

    @extend_schema(responses={200: OpenApiResponse(description="minutes the user may enter")})
    def get(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        all_areas = election.polling_areas.all()
        ids = set(
            scope_areas(request.user, all_areas, Cap.REPORT_AREA).values_list("id", flat=True)
        ) | set(
            scope_units(request.user, all_areas, Cap.ENTER_MINUTES, "unit_id").values_list(
                "id", flat=True
            )
        )
        rows = CountMinutes.objects.filter(polling_area_id__in=ids).values_list(
            "polling_area__code", "contest__code", "round", "status", "version"
        )
        keys = ("polling_area", "contest", "round", "status", "version")
        return Response({"minutes": [dict(zip(keys, r, strict=True)) for r in rows]})

    @extend_schema(
        request=MinutesEntrySerializer,
        responses={
            200: OpenApiResponse(description="entered: states of the minutes"),
            400: OpenApiResponse(
                description="rejected, nothing written: `errors` (F codes, bad data) and "
                "`warnings` (W codes not acknowledged: send them in `acknowledged` to save)"
            ),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        data: dict[str, Any] = dict(request.data)
        acknowledged = data.pop("acknowledged", [])
        if not isinstance(acknowledged, list) or not all(isinstance(c, str) for c in acknowledged):
            return Response(
                {
                    "ok": False,
                    "errors": [{"where": "acknowledged", "reason": list_of_codes_message()}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data.setdefault("format", "baucu.count/1")
        codes = {m.get("polling_area") for m in data.get("minutes") or [] if isinstance(m, dict)}
        for area in election.polling_areas.filter(code__in=codes):
            if not can_enter_minutes(request.user, area):
                raise PermissionDenied
        try:
            with translation.override("vi"):
                summary = import_count_minutes(
                    election=election,
                    data=data,
                    entry="web",
                    actor=request.user,
                    acknowledged=acknowledged,
                )
        except ImportRejected as exc:
            return Response(
                {
                    "ok": False,
                    "errors": [p.as_dict() for p in exc.problems if not p.is_warning],
                    "warnings": [p.as_dict() for p in exc.problems if p.is_warning],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"ok": True, "entered": summary.entered, "states": summary.states})


class MinutesResolveSerializer(serializers.Serializer):
    polling_area = serializers.CharField(max_length=32)
    contest = serializers.CharField(max_length=32)
    round = serializers.ChoiceField(choices=["main", "revote", "additional"], default="main")
    action = serializers.ChoiceField(
        choices=["keep_first", "keep_second", "discard_first", "discard_second", "discard_both"]
    )
    version = serializers.IntegerField(required=False, min_value=0)


class MinutesResolveView(APIView):
    """GET: the minutes whose two entries differ that the user may settle, with the figures
    they differ on. POST: a coordinator settles one (the same service as the settle page)."""

    def _settleable(self, request: Request, election: Any) -> list[CountMinutes]:
        qs = CountMinutes.objects.filter(
            polling_area__election=election, status=CountMinutes.Status.DIFFERENT
        ).select_related("polling_area", "contest", "constituency")
        return [
            m
            for m in qs.order_by("polling_area__code", "contest_id", "round")
            if can_settle_minutes(request.user, m.polling_area, m.constituency)
        ]

    @extend_schema(responses={200: OpenApiResponse(description="minutes with differing entries")})
    def get(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        out = []
        for m in self._settleable(request, election):
            entries = {e.number: e.data for e in m.entries.filter(current=True)}
            out.append(
                {
                    "polling_area": m.polling_area.code,
                    "contest": m.contest.code,
                    "round": m.round,
                    "version": m.version,
                    "differences": rules.entry_differences(entries.get(1, {}), entries.get(2, {})),
                }
            )
        return Response({"minutes": out})

    @extend_schema(request=MinutesResolveSerializer, responses={200: OpenApiResponse()})
    def post(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        data = MinutesResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        m = (
            CountMinutes.objects.filter(
                polling_area__election=election,
                polling_area__code=v["polling_area"],
                contest__code=v["contest"],
                round=v["round"],
            )
            .select_related("polling_area", "constituency")
            .first()
        )
        if m is None:
            return Response({"detail": _("No such minutes.")}, status=status.HTTP_404_NOT_FOUND)
        if not can_settle_minutes(request.user, m.polling_area, m.constituency):
            raise PermissionDenied
        try:
            with translation.override("vi"):
                m = svc.minutes_resolve(
                    actor=request.user,
                    minutes=m,
                    action=v["action"],
                    expected_version=v.get("version"),
                    source="api",
                )
        except svc.MinutesError as exc:
            return Response(
                {
                    "ok": False,
                    "reason": str(exc),
                    "errors": [f.as_dict() for f in exc.findings],
                },
                status=status.HTTP_409_CONFLICT
                if isinstance(exc, svc.StaleVersion | svc.WrongState)
                else status.HTTP_400_BAD_REQUEST,
            )
        return Response({"ok": True, "status": m.status, "version": m.version})


__all__ = [
    "MinutesEntryView",
    "MinutesResolveView",
    "ProgressView",
    "ResultsView",
    "rules",
    "svc",
]
