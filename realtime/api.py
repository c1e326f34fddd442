"""Turnout API (formats.md §6): report a slot, read a unit's roll-up, read published turnout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
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
from realtime.services.turnout import Outcome, TurnoutRejected, turnout_report_locked


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


@dataclass(frozen=True)
class SlotIn:
    """A slot as sent: its key, and for an ISO datetime the local date it names (checked
    against the area's polling day once the area is known)."""

    key: str
    day: dt.date | None = None

    def valid_for(self, area: PollingArea) -> bool:
        if self.day is None or area.election.is_rehearsal:
            return True
        return self.day == area.effective_polling_day


def parse_slot(value: str) -> SlotIn | None:
    """ "closed", "HH:MM" or an ISO datetime → the slot (None: not a slot at all)."""
    value = value.strip()
    if value == rules.CLOSED or rules.is_slot_time(value):
        return SlotIn(value)
    at = parse_datetime(value)
    if at is None:
        return None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    local = timezone.localtime(at)
    return SlotIn(local.strftime("%H:%M"), local.date())


def _areas_locked(code: str, slug: str | None, slot: str | None) -> list[PollingArea]:
    """The areas of the code (one, or one per election using it), locked for the report in
    the same statement, each with `slot_published`: whether its election has published `slot`,
    read by that statement inside the report's transaction (no cache). Like the separate read
    it replaces, it is not serialised with a publication committing at the same moment: the
    publication takes the election's lock, a report only its area's."""
    publications = TurnoutPublication.objects.filter(election=OuterRef("election_id"), slot=slot)
    qs = (
        PollingArea.objects.filter(code=code)
        .select_related("election", "unit")
        # the area's row only (not its election's): the reports of an election run side by side
        .select_for_update(of=("self",))
        .annotate(slot_published=Exists(publications) if slot else Value(False))
    )
    if slug:
        qs = qs.filter(election__slug=slug)
    return list(qs)


def _pick_area(user: Any, found: list[PollingArea]) -> PollingArea | Exception:
    """The one area the user reports for among those found, or the refusal to raise."""
    if not found:
        return Http404()
    # the same rule as the service's (a Team's own area, or an admin above it): for a Team
    # secretary it is decided from the roles already loaded, without a query
    mine = [a for a in found if can_area(user, Cap.REPORT_AREA, a)]
    if not mine:
        return PermissionDenied()
    if len(mine) > 1:
        return serializers.ValidationError(
            {"election": "The polling area code exists in several elections: give the election."}
        )
    return mine[0]


def _submission(v: dict[str, Any], slot: str) -> rules.Submission:
    return rules.Submission(
        slot=slot,
        voted=v["voted"],
        voted_female=v.get("voted_female"),
        voted_male=v.get("voted_male"),
        voted_confirm=v.get("voted_confirm"),
        reason=v.get("reason") or "",
    )


def _report(user: Any, v: dict[str, Any]) -> Outcome | Exception:
    """One API report inside the caller's transaction: the area found and locked by one
    statement, then the service's checks and writes. A refusal is returned, to be raised
    after the transaction block."""
    slot = parse_slot(v["slot"])
    found = _areas_locked(v["polling_area"], v.get("election"), slot.key if slot else None)
    area = _pick_area(user, found)
    if isinstance(area, Exception):
        return area
    if slot is None or not slot.valid_for(area):
        return TurnoutRejected(["unknown_slot"])
    return turnout_report_locked(
        actor=user,
        area=area,
        sub=_submission(v, slot.key),
        published=area.slot_published,
        source=TurnoutReport.Source.API,
    )


class TurnoutReports(APIView):
    """POST a cumulative count for a slot (the area's Election Team); GET reports you may see."""

    @extend_schema(
        request=TurnoutReportIn,
        responses={200: TurnoutReportOut, 201: TurnoutReportOut, 400: ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = TurnoutReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        # no savepoint: outside tests this is the request's only transaction (BEGIN … COMMIT);
        # nothing raises inside it, so an enclosing transaction is never doomed
        with transaction.atomic(savepoint=False):
            result = _report(request.user, data.validated_data)
        if isinstance(result, TurnoutRejected):
            return Response({"errors": result.messages()}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(result, Exception):
            raise result
        code = status.HTTP_200_OK if result.unchanged else status.HTTP_201_CREATED
        return Response(TurnoutReportOut(result.report).data, status=code)

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
