"""Turnout API (formats.md §6): report a slot, read a unit's roll-up, read published turnout."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.rehearsal import mark_json
from common.vn import percent_str
from election import selectors as election_selectors
from election.access import Cap, can_area
from election.models import Election, PollingArea
from realtime import live, rules
from realtime.models import TurnoutPublication, TurnoutReport
from realtime.selectors import publications, reports_visible
from realtime.services.turnout import TurnoutRejected, turnout_report_submit


class TurnoutReportIn(serializers.Serializer):
    polling_area = serializers.CharField(max_length=32)
    election = serializers.SlugField(
        required=False, help_text="Needed only when the area code exists in several elections."
    )
    slot = serializers.CharField(
        max_length=40,
        help_text='The slot time as ISO 8601 ("2021-05-23T11:00:00+07:00"), "HH:MM", or "closed".',
    )
    voted = serializers.IntegerField(min_value=0)
    voted_female = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    voted_male = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    voted_confirm = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TurnoutReportOut(serializers.ModelSerializer):
    polling_area = serializers.CharField(source="polling_area.code")
    election = serializers.CharField(source="election.slug")
    percent = serializers.SerializerMethodField()

    class Meta:
        model = TurnoutReport
        fields = [
            "polling_area",
            "election",
            "slot",
            "voted",
            "voted_female",
            "voted_male",
            "listed",
            "percent",
            "is_late",
            "source",
            "reported_at",
            "corrections",
            "correction_reason",
        ]

    def get_percent(self, obj: TurnoutReport) -> str | None:
        return percent_str(obj.voted, obj.listed)


ERRORS = inline_serializer(
    "TurnoutErrors",
    {
        "errors": inline_serializer(
            "TurnoutError",
            {"code": serializers.CharField(), "message": serializers.CharField()},
            many=True,
        )
    },
)


def slot_key(value: str, area: PollingArea) -> str | None:
    """ "closed", "HH:MM" or an ISO datetime on the area's polling day → slot key."""
    value = value.strip()
    if value == rules.CLOSED or rules.is_slot_time(value):
        return value
    at = parse_datetime(value)
    if at is None:
        return None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    local = timezone.localtime(at)
    if not area.election.is_rehearsal and local.date() != area.effective_polling_day:
        return None
    return local.strftime("%H:%M")


def _find_area(user: Any, code: str, slug: str | None) -> PollingArea:
    qs = PollingArea.objects.filter(code=code).select_related("election", "unit")
    if slug:
        qs = qs.filter(election__slug=slug)
    found = list(qs)  # one area, or one per election using the code
    if not found:
        raise Http404
    # the same rule as the service's (a Team's own area, or an admin above it): for a Team
    # secretary it is decided from the roles already loaded, without a query
    mine = [a for a in found if can_area(user, Cap.REPORT_AREA, a)]
    if not mine:
        raise PermissionDenied
    if len(mine) > 1:
        raise serializers.ValidationError(
            {"election": "The polling area code exists in several elections: give the election."}
        )
    return mine[0]


class TurnoutReports(APIView):
    """POST a cumulative count for a slot (the area's Election Team); GET reports you may see."""

    @extend_schema(
        request=TurnoutReportIn,
        responses={200: TurnoutReportOut, 201: TurnoutReportOut, 400: ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = TurnoutReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        area = _find_area(request.user, v["polling_area"], v.get("election"))
        slot = slot_key(v["slot"], area)
        if slot is None:
            exc = TurnoutRejected(["unknown_slot"])
            return Response({"errors": exc.messages()}, status=status.HTTP_400_BAD_REQUEST)
        try:
            outcome = turnout_report_submit(
                actor=request.user,
                area=area,
                slot=slot,
                voted=v["voted"],
                voted_female=v.get("voted_female"),
                voted_male=v.get("voted_male"),
                voted_confirm=v.get("voted_confirm"),
                reason=v.get("reason", ""),
                source=TurnoutReport.Source.API,
            )
        except TurnoutRejected as exc:
            return Response({"errors": exc.messages()}, status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_200_OK if outcome.unchanged else status.HTTP_201_CREATED
        return Response(TurnoutReportOut(outcome.report).data, status=code)

    @extend_schema(
        parameters=[OpenApiParameter("election", str, required=True)],
        responses=TurnoutReportOut(many=True),
    )
    def get(self, request: Request) -> Response:
        election = election_selectors.election_get(
            user=request.user, slug=request.query_params.get("election", "")
        )
        qs: QuerySet[TurnoutReport] = reports_visible(user=request.user, election=election)
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs.select_related("election"), request, view=self)
        return paginator.get_paginated_response(TurnoutReportOut(page, many=True).data)


class TurnoutUnit(APIView):
    """The current roll-up of a unit and its children: the same snapshot the websocket pushes."""

    @extend_schema(
        parameters=[OpenApiParameter("election", str, required=True)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request, code: str) -> Response:
        election = election_selectors.election_get(
            user=request.user, slug=request.query_params.get("election", "")
        )
        unit = election_selectors.unit_get(user=request.user, election=election, code=code)
        return Response(live.current_snapshot(election, unit))


class PublicationOut(serializers.ModelSerializer):
    election = serializers.CharField(source="election.slug")

    class Meta:
        model = TurnoutPublication
        fields = ["election", "version", "slot", "published_at", "data"]


def public_election(slug: str) -> Election:
    return get_object_or_404(Election.objects.select_related("root"), slug=slug)


class PublicTurnout(generics.GenericAPIView):
    """Published turnout of an election (aggregates only; no login). ?version=N for an older one."""

    permission_classes = [AllowAny]
    serializer_class = PublicationOut

    @extend_schema(parameters=[OpenApiParameter("version", int, required=False)])
    def get(self, request: Request, slug: str) -> Response:
        election = public_election(slug)
        qs = publications(election=election)
        version = request.query_params.get("version")
        if version:
            pub = qs.filter(version=int(version)).first() if version.isdigit() else None
            if pub is None:
                raise Http404
        else:
            pub = qs.first()
        if pub is None:  # nothing published yet
            data = {"election": election.slug, "version": None, "slot": None, "data": None}
        else:
            data = dict(PublicationOut(pub).data)
        data["versions"] = [{"version": p.version, "slot": p.slot} for p in qs]
        return Response(mark_json(data, election.is_rehearsal))
