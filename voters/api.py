"""API of voter lists (thin; scoping by election/access.py through the selectors)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from election import selectors as esel
from election.access import Cap, can
from voters import selectors
from voters.models import Voter


class VoterSerializer(serializers.ModelSerializer):
    polling_area = serializers.CharField(source="polling_area.code")

    class Meta:
        model = Voter
        fields = [
            "id",
            "polling_area",
            "stt",
            "national_id",
            "full_name",
            "birth_date",
            "birth_year",
            "sex",
            "ethnicity",
            "occupation",
            "permanent_address",
            "temporary_address",
            "temporary_since",
            "residence",
            "contest_scope",
            "household_code",
            "is_head",
            "status",
            "note",
        ]


class AreaVoters(generics.ListAPIView):
    """The list of one polling area in STT order (needs personal-data access to the area)."""

    serializer_class = VoterSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description="name or ID")])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        election = esel.election_get(user=self.request.user, slug=self.kwargs["slug"])
        area = esel.polling_area_get(
            user=self.request.user, election=election, code=self.kwargs["code"]
        )
        return selectors.voter_list(
            user=self.request.user, area=area, q=self.request.query_params.get("q", "")
        ).select_related("polling_area")


class VoterSearch(generics.ListAPIView):
    """Search voters by name without accents or by ID inside the user's units."""

    serializer_class = VoterSerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):  # noqa: ANN201
        election = esel.election_get(user=self.request.user, slug=self.kwargs["slug"])
        return selectors.voter_search(
            user=self.request.user, election=election, q=self.request.query_params.get("q", "")
        )


class CountsSerializer(serializers.Serializer):
    unit = serializers.CharField()
    total = serializers.IntegerField()
    male = serializers.IntegerField()
    female = serializers.IntegerField()
    contests = serializers.DictField(child=serializers.IntegerField())
    rows = serializers.ListField(child=serializers.DictField())


class VoterCounts(APIView):
    """Voters on the list now for a unit (default: the election root) and its parts."""

    @extend_schema(parameters=[OpenApiParameter("unit", str)], responses=CountsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        code = request.query_params.get("unit") or election.root.code
        unit = esel.unit_get(user=request.user, election=election, code=code)
        if not can(request.user, Cap.VIEW, unit):
            raise PermissionDenied
        data = selectors.rollup(election=election, unit=unit)
        contests = {c.id: c.code for c in data["contests"]}

        def row(r: dict) -> dict:
            obj = r["obj"]
            code = obj.code if r["kind"] in ("unit", "total") else obj["code"]
            return {
                "code": code,
                "kind": r["kind"],
                "total": r["total"],
                "male": r["M"],
                "female": r["F"],
                "contests": {contests[k]: n for k, n in r["contests"].items()},
            }

        t = row(data["total"])
        return Response(
            {
                "unit": unit.code,
                "total": t["total"],
                "male": t["male"],
                "female": t["female"],
                "contests": t["contests"],
                "rows": [row(r) for r in data["rows"]],
            }
        )
