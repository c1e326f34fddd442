"""API of voter lists (thin; scoping by election/access.py through the selectors)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from election import selectors as esel
from election.access import Cap, can, home_unit
from voters import selectors
from voters.models import Voter
from voters.rules import PERSON_FIELDS
from voters.services import disclosure


class VoterSerializer(serializers.ModelSerializer):
    polling_area = serializers.CharField(source="polling_area.code")

    class Meta:
        model = Voter
        fields = ["id", "polling_area", "stt", *PERSON_FIELDS, "status", "note"]


class AreaVoters(generics.ListAPIView):
    """The list of one polling area in STT order (needs personal-data access to the area)."""

    serializer_class = VoterSerializer

    @extend_schema(parameters=[OpenApiParameter("q", str, description="name or ID")])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().get(request, *args, **kwargs)
        area = self._area
        q = request.query_params.get("q", "")
        if q:
            disclosure.voters_searched(actor=request.user, election=area.election, scope=area,
                                       q=q, found=response.data["count"], source="api")  # fmt: skip
        else:
            disclosure.voters_exported(actor=request.user, election=area.election, scope=area,
                                       what="area_list", source="api",
                                       offset=request.query_params.get("offset", "0"))  # fmt: skip
        return response

    def get_queryset(self):  # noqa: ANN201
        election = esel.election_get(user=self.request.user, slug=self.kwargs["slug"])
        area = esel.polling_area_get(
            user=self.request.user, election=election, code=self.kwargs["code"]
        )
        self._area = area
        return selectors.voter_list(
            user=self.request.user, area=area, q=self.request.query_params.get("q", "")
        ).select_related("polling_area")


class VoterSearch(generics.ListAPIView):
    """Search voters by name without accents or by ID inside the user's units."""

    serializer_class = VoterSerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().get(request, *args, **kwargs)
        q = request.query_params.get("q", "")
        if q.strip():
            election = self._election
            scope = home_unit(request.user, election) or election.root
            disclosure.voters_searched(actor=request.user, election=election, scope=scope,
                                       q=q, found=len(response.data), source="api")  # fmt: skip
        return response

    def get_queryset(self):  # noqa: ANN201
        election = esel.election_get(user=self.request.user, slug=self.kwargs["slug"])
        self._election = election
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


class RegisterSerializer(serializers.Serializer):
    """A voter in the import template's fields (the same validation as the import)."""

    national_id = serializers.CharField()
    full_name = serializers.CharField()
    birth = serializers.CharField(help_text="dd/mm/yyyy or yyyy")
    sex = serializers.CharField(help_text="Nam / Nữ")
    ethnicity = serializers.CharField(required=False, allow_blank=True)
    occupation = serializers.CharField(required=False, allow_blank=True)
    permanent_address = serializers.CharField(required=False, allow_blank=True)
    temporary_address = serializers.CharField(required=False, allow_blank=True)
    temporary_since = serializers.CharField(required=False, allow_blank=True)
    household_code = serializers.CharField(required=False, allow_blank=True)
    relation = serializers.CharField(required=False, allow_blank=True)


def _voter_error(exc: Exception) -> Response:
    errors = [{"column": c, "reason": r} for c, r in getattr(exc, "errors", [])]
    return Response({"detail": str(exc), "errors": errors}, status=400)


class AreaVotersCreate(AreaVoters):
    """GET the list; POST registers a voter (STT after the last number)."""

    @extend_schema(request=RegisterSerializer, responses={201: VoterSerializer})
    def post(self, request: Request, slug: str, code: str) -> Response:
        from election.access import can_area
        from voters.services.changes import VoterError, voter_register

        election = esel.election_get(user=request.user, slug=slug)
        area = esel.polling_area_get(user=request.user, election=election, code=code)
        if not can_area(request.user, Cap.MANAGE_VOTERS, area):
            raise PermissionDenied
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            voter = voter_register(
                actor=request.user, area=area, data=dict(data.validated_data), source="api"
            )
        except VoterError as exc:
            return _voter_error(exc)
        return Response(VoterSerializer(voter).data, status=201)


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[
            "elsewhere_issued", "moved_out", "ineligible", "died", "unreachable", "duplicate",
            "removed", "restored",
        ]
    )  # fmt: skip
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="moved_out: permanent_move, temporary_move, detention or release; "
        "ineligible (required): the Art 30(1) ground, deprived, death_sentence, prison or "
        "incapacity",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    target_area = serializers.CharField(required=False, allow_blank=True, default="")
    kept = serializers.IntegerField(required=False, allow_null=True, default=None)


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reason = serializers.CharField()
    delta = serializers.IntegerField()
    note = serializers.CharField()
    source = serializers.CharField()
    at = serializers.DateTimeField()
    polling_area = serializers.CharField(source="polling_area.code")


class VoterEvents(APIView):
    """GET a voter's change history; POST records a typed change (biến động)."""

    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: Request, slug: str, pk: int) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        voter = selectors.voter_get(user=request.user, election=election, pk=pk)
        events = voter.events.select_related("polling_area").order_by("at", "id")
        return Response(EventSerializer(events, many=True).data)

    @extend_schema(request=ChangeSerializer, responses=EventSerializer(many=True))
    def post(self, request: Request, slug: str, pk: int) -> Response:
        from election.access import can_area
        from election.models import PollingArea
        from voters.services.changes import VoterError, voter_change

        election = esel.election_get(user=request.user, slug=slug)
        voter = selectors.voter_get(user=request.user, election=election, pk=pk)
        if not can_area(request.user, Cap.MANAGE_VOTERS, voter.polling_area):
            raise PermissionDenied
        data = ChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        target = None
        if d["target_area"]:
            target = PollingArea.objects.filter(election=election, code=d["target_area"]).first()
            if target is None:
                return Response({"detail": "Không có khu vực bỏ phiếu này."}, status=400)
        kept = Voter.objects.filter(election=election, pk=d["kept"]).first() if d["kept"] else None
        try:
            events = voter_change(
                actor=request.user, voter=voter, kind=d["kind"], reason=d["reason"],
                note=d["note"], target_area=target, kept=kept, source="api",
            )  # fmt: skip
        except VoterError as exc:
            return _voter_error(exc)
        return Response(EventSerializer(events, many=True).data, status=201)
