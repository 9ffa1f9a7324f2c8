"""The heat map through the API: how many of the risks you may see sit in each cell of the active matrix, for
the inherent and the current scores (``risk.queries.heatmap.heat_map``, the page's counts)."""

from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin
from risk.api import choice
from risk.models import RiskMatrix
from risk.queries.heatmap import heat_map
from risk.queries.register import LIVE_STATUS

STATUSES = [(LIVE_STATUS, "Open or accepted (the default)"), ("all", "Every status")]


class HeatMapQuerySerializer(serializers.Serializer):
    status = choice(STATUSES, required=False, default=LIVE_STATUS)


class HeatCellSerializer(serializers.Serializer):
    likelihood = serializers.IntegerField()
    impact = serializers.IntegerField()
    count = serializers.IntegerField()
    level = serializers.CharField(help_text="The cell's level name.")
    level_index = serializers.IntegerField()
    above_appetite = serializers.BooleanField()


class HeatGridSerializer(serializers.Serializer):
    kind = choice([("inherent", "Inherent risk"), ("current", "Current risk")])
    total = serializers.IntegerField()
    cells = HeatCellSerializer(many=True, help_text="Highest likelihood first, each row lowest impact first.")


class HeatMapSerializer(serializers.Serializer):
    matrix = serializers.IntegerField(help_text="The active matrix.")
    matrix_name = serializers.CharField()
    appetite = serializers.CharField(help_text="The highest acceptable level.")
    status = choice(STATUSES)
    grids = HeatGridSerializer(many=True)


class OneObjectSchema(AutoSchema):
    """The heat map answers one object at its list route, not a list."""

    def _is_list_view(self, serializer=None):
        return False


class HeatMapViewSet(ApiViewMixin, viewsets.GenericViewSet):
    schema = OneObjectSchema()
    queryset = RiskMatrix.objects.none()  # for the schema
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["", LIVE_STATUS, "all"], description="Default: live.")
        ],
        responses=HeatMapSerializer,
    )
    def list(self, request):
        """The counts per cell of the risks you may see (everyone may; the counts cover only yours). A 404
        while no matrix is active."""
        query = HeatMapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        status = query.validated_data["status"]
        found = heat_map(request.user, status_all=status == "all")
        if found is None:
            raise Http404("There is no active risk matrix.")
        grids = [
            {
                "kind": grid.kind,
                "total": grid.total,
                "cells": [
                    {
                        "likelihood": cell.likelihood,
                        "impact": cell.impact,
                        "count": cell.count,
                        "level": cell.level["name"],
                        "level_index": cell.level["index"],
                        "above_appetite": cell.level["above_appetite"],
                    }
                    for cell in grid.cells
                ],
            }
            for grid in found["grids"]
        ]
        matrix = found["matrix"]
        body = {
            "matrix": matrix.pk,
            "matrix_name": matrix.name,
            "appetite": found["appetite"],
            "status": status,
            "grids": grids,
        }
        return Response(HeatMapSerializer(body).data)
