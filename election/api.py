"""REST API for the election structure (thin: selectors do the scoping)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from election import selectors
from election.access import Cap, scope_areas, visible_elections
from election.models import AdminUnit, Candidate, Constituency, Contest, Election, PollingArea


class ElectionSerializer(serializers.ModelSerializer):
    root = serializers.CharField(source="root.code")

    class Meta:
        model = Election
        fields = ["slug", "name", "date", "root", "turnout_slots", "is_rehearsal"]


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = AdminUnit
        fields = ["code", "name", "kind", "parent", "level"]


class ChildSummarySerializer(serializers.Serializer):
    unit = UnitSerializer()
    areas = serializers.IntegerField()
    voters = serializers.IntegerField()


class UnitDetailSerializer(serializers.Serializer):
    unit = UnitSerializer()
    breadcrumb = UnitSerializer(many=True)
    children = ChildSummarySerializer(many=True)
    polling_areas = serializers.IntegerField()


class ContestSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")

    class Meta:
        model = Contest
        fields = ["code", "kind", "unit", "name"]


class CandidateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = ["ref", "full_name", "sex", "birth_date", "birth_year", "ballot_order"]


class ConstituencySerializer(serializers.ModelSerializer):
    contest = serializers.CharField(source="contest.code")
    units = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    candidates = CandidateSerializer(many=True, read_only=True)

    class Meta:
        model = Constituency
        fields = ["contest", "number", "seats", "name", "units", "candidates"]


class PollingAreaSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    constituencies = serializers.SerializerMethodField()

    class Meta:
        model = PollingArea
        fields = [
            "code",
            "unit",
            "number",
            "name",
            "kind",
            "polling_day",
            "voters_estimate",
            "constituencies",
        ]

    def get_constituencies(self, obj: PollingArea) -> dict[str, int]:
        return {a.contest.code: a.constituency.number for a in obj.assignments.all()}


class ElectionList(generics.ListAPIView):
    serializer_class = ElectionSerializer

    def get_queryset(self) -> QuerySet[Election]:
        return visible_elections(self.request.user).select_related("root")


class ElectionDetail(generics.RetrieveAPIView):
    serializer_class = ElectionSerializer

    def get_object(self) -> Election:
        return selectors.election_get(user=self.request.user, slug=self.kwargs["slug"])


class UnitDetail(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("election", str, required=True)],
        responses=UnitDetailSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        election = selectors.election_get(
            user=request.user, slug=request.query_params.get("election", "")
        )
        unit = selectors.unit_get(user=request.user, election=election, code=code)
        data: dict[str, Any] = {
            "unit": unit,
            "breadcrumb": selectors.unit_breadcrumb(unit=unit, election=election),
            "children": selectors.unit_children_summary(election=election, unit=unit),
            "polling_areas": selectors.areas_under(election=election, unit=unit).count(),
        }
        return Response(UnitDetailSerializer(data).data)


class ContestList(generics.ListAPIView):
    serializer_class = ContestSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Contest]:
        election = selectors.election_get(user=self.request.user, slug=self.kwargs["slug"])
        return election.contests.select_related("unit").order_by("id")


class ConstituencyList(generics.ListAPIView):
    serializer_class = ConstituencySerializer

    def get_queryset(self) -> QuerySet[Constituency]:
        election = selectors.election_get(user=self.request.user, slug=self.kwargs["slug"])
        contest = selectors.contest_get(
            user=self.request.user, election=election, code=self.kwargs["contest"]
        )
        return (
            contest.constituencies.select_related("contest")
            .prefetch_related("units", "candidates")
            .order_by("number")
        )


class PollingAreaList(generics.ListAPIView):
    serializer_class = PollingAreaSerializer

    @extend_schema(parameters=[OpenApiParameter("unit", str, required=False)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[PollingArea]:
        election = selectors.election_get(user=self.request.user, slug=self.kwargs["slug"])
        qs = election.polling_areas.all()
        unit_code = self.request.query_params.get("unit")
        if unit_code:
            unit = selectors.unit_get(user=self.request.user, election=election, code=unit_code)
            qs = selectors.areas_under(election=election, unit=unit)
        return (
            scope_areas(self.request.user, qs, Cap.VIEW)
            .select_related("unit")
            .prefetch_related("assignments__contest", "assignments__constituency")
            .order_by("code")
        )
