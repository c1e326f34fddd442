"""API of the reconciliation board (thin): GET the board of a unit as baucu.reconciliation/1."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from election import selectors as esel
from reconciliation import selectors
from reconciliation.document import board_document

_counts = {
    "areas": serializers.IntegerField(),
    "green": serializers.IntegerField(),
    "amber": serializers.IntegerField(),
    "red": serializers.IntegerField(),
    "attention": serializers.IntegerField(),
    "state": serializers.ChoiceField(choices=["green", "amber", "red"]),
}

BOARD_SCHEMA = inline_serializer(
    "ReconciliationBoard",
    {
        "format": serializers.CharField(),
        "election": serializers.CharField(),
        "unit": inline_serializer(
            "ReconciliationUnit",
            {"code": serializers.CharField(), "name": serializers.CharField()},
        ),
        "at": serializers.DateTimeField(),
        "slots": serializers.ListField(child=serializers.CharField()),
        "slots_due": serializers.DictField(child=serializers.ListField()),
        "totals": inline_serializer("ReconciliationTotals", _counts),
        "children": inline_serializer(
            "ReconciliationChild",
            {"code": serializers.CharField(), "name": serializers.CharField(), **_counts},
            many=True,
        ),
        "rows": inline_serializer(
            "ReconciliationRow",
            {
                "polling_area": serializers.CharField(),
                "name": serializers.CharField(),
                "contest": serializers.CharField(),
                "state": serializers.ChoiceField(choices=["green", "amber", "red"]),
                "findings": inline_serializer(
                    "ReconciliationFinding",
                    {
                        "code": serializers.CharField(),
                        "severity": serializers.ChoiceField(choices=["amber", "red"]),
                        "message": serializers.CharField(),
                        "detail": serializers.DictField(),
                    },
                    many=True,
                ),
                "facts": serializers.DictField(),
            },
            many=True,
        ),
    },
)


class BoardView(APIView):
    """The reconciliation board of a unit: every polling area × contest under it with its
    state (green/amber/red) and the rules behind it, and the roll-up per child unit."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "only", OpenApiTypes.STR, enum=["attention"], description="only areas to check"
            ),
            OpenApiParameter(
                "rows", OpenApiTypes.STR, enum=["none"], description="roll-up only, no rows"
            ),
            OpenApiParameter(
                "at",
                OpenApiTypes.DATETIME,
                description="rehearsals only: evaluate the board as of this instant "
                "(ISO 8601 with offset), e.g. the end of a simulated day",
            ),
        ],
        responses={200: BOARD_SCHEMA},
    )
    def get(self, request: Request, slug: str, code: str) -> Response:
        election = esel.election_get(user=request.user, slug=slug)
        unit = esel.unit_get(user=request.user, election=election, code=code)
        now = None
        if request.query_params.get("at"):
            now = parse_datetime(request.query_params["at"])
            if now is None or now.tzinfo is None:
                return Response({"detail": "at: an ISO 8601 date-time with offset"}, status=400)
            if not election.is_rehearsal:
                return Response({"detail": "at: only for a rehearsal election"}, status=400)
        board = selectors.board(user=request.user, election=election, unit=unit, now=now)
        return Response(
            board_document(
                board,
                only_attention=request.query_params.get("only") == "attention",
                with_rows=request.query_params.get("rows") != "none",
            )
        )
