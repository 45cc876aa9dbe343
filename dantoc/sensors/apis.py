"""HTTP side of sensors: devices post readings; anyone reads them in the shape of the OGC
SensorThings API v1.1 (``/api/sensorthings/v1.1/…``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.sensors import sensorthings, services

ROOT = "api/sensorthings/v1.1"


def _json(body, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


class ReadingsIngestApi(APIView):
    """A device sends readings: ``Authorization: Device <device id>:<secret>`` and the JSON
    body ``{"readings": [{"stream": "…", "phenomenonTime": "…", "result": 1.5}]}``."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="sensors_readings_create",
        summary="Thiết bị gửi số đo / a device sends readings",
        request=inline_serializer(
            "SensorReadingsIn",
            {
                "readings": serializers.ListField(
                    child=inline_serializer(
                        "SensorReadingIn",
                        {
                            "stream": serializers.CharField(),
                            "phenomenonTime": serializers.DateTimeField(),
                            "result": serializers.FloatField(),
                        },
                    )
                )
            },
        ),
        parameters=[
            OpenApiParameter(
                "Authorization",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Device <device id>:<secret>",
            )
        ],
        responses={
            200: inline_serializer(
                "SensorReadingsOut",
                {
                    "accepted": serializers.IntegerField(),
                    "malformed": serializers.IntegerField(),
                    "errors": serializers.ListField(child=serializers.CharField()),
                },
            ),
            400: OpenApiTypes.OBJECT,
            401: OpenApiTypes.OBJECT,
            415: OpenApiTypes.OBJECT,
        },
    )
    def post(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        device_id, _, secret = credentials.partition(":")
        device = (
            services.device_authenticate(device_id=device_id, secret=secret)
            if scheme == "Device" and device_id and secret
            else None
        )
        if device is None:
            return Response(
                {"detail": "unknown or revoked device, or wrong secret"},
                status=401,
                headers={"WWW-Authenticate": 'Device realm="dantoc sensors"'},
            )
        body = request.data
        if not isinstance(body, dict) or not isinstance(body.get("readings"), list):
            return Response({"detail": 'the body is {"readings": [...]}'}, status=400)
        result = services.readings_ingest(
            messages=[services.Message(str(device.uuid), secret, body["readings"])]
        )
        return Response(
            {"accepted": result.accepted, "malformed": result.malformed, "errors": result.errors}
        )


_ENTITY_SCHEMA = inline_serializer(
    "SensorThingsCollection",
    {
        "@iot.count": serializers.IntegerField(required=False),
        "@iot.nextLink": serializers.URLField(required=False),
        "value": serializers.ListField(child=serializers.DictField()),
    },
)
_OPTIONS = [
    OpenApiParameter("$filter", OpenApiTypes.STR, description="e.g. result gt 100 and phenomenonTime ge 2026-12-01T00:00:00Z"),
    OpenApiParameter("$orderby", OpenApiTypes.STR, description="e.g. phenomenonTime desc"),
    OpenApiParameter("$top", {"type": "integer", "minimum": 0, "maximum": 999999999}, description="at most 1000 are given"),
    OpenApiParameter("$skip", {"type": "integer", "minimum": 0, "maximum": 999999999}),
    OpenApiParameter("$count", {"type": "string", "enum": ["true", "false"]}),
]  # fmt: skip


def _base(request) -> str:
    return request.build_absolute_uri("/" + ROOT)


class SensorThingsRootApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(
        operation_id="sensorthings_root",
        summary="SensorThings API v1.1: the entity sets",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        base = _base(request)
        return _json(
            {
                "value": [
                    {"name": name, "url": f"{base}/{name}"} for name in sensorthings.ENTITIES
                ],
                "serverSettings": {
                    "conformance": [
                        "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                        "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
                        "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
                    ]
                },
            }
        )


class SensorThingsApi(APIView):
    """One SensorThings address: a collection, an entity, or an entity's navigation."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request, resource: str):
        try:
            target = sensorthings.resolve(resource)
        except LookupError:
            return _json({"code": 404, "type": "error", "message": f"no entity at {resource}"}, 404)
        writer = sensorthings.Writer(_base(request))
        render = getattr(writer, target.entity.name)
        if target.single:
            item = target.queryset.first()
            if item is None:
                return _json(
                    {"code": 404, "type": "error", "message": f"no entity at {resource}"}, 404
                )
            return _json(render(item))
        try:
            queryset, top, skip, with_count = sensorthings.apply(
                target.entity, target.queryset, request.GET
            )
            items = list(queryset[skip : skip + top + 1])
        except sensorthings.QueryError as exc:
            return _json({"code": 400, "type": "error", "message": str(exc)}, 400)
        body: dict = {}
        if with_count:
            body["@iot.count"] = queryset.count()
        if len(items) > top:
            items = items[:top]
            params = request.GET.copy()
            params["$skip"] = str(skip + top)
            params["$top"] = str(top)
            body["@iot.nextLink"] = request.build_absolute_uri(
                request.path + "?" + urlencode(sorted(params.items()))
            )
        body["value"] = [render(item) for item in items]
        return _json(body)


def _collection_view(name: str):
    class CollectionApi(SensorThingsApi):
        @extend_schema(
            operation_id=f"sensorthings_{name.lower()}_list",
            summary=f"SensorThings {name}",
            parameters=_OPTIONS,
            responses={200: _ENTITY_SCHEMA, 400: OpenApiTypes.OBJECT},
        )
        def get(self, request):
            return super().get(request, name)

    CollectionApi.__name__ = f"SensorThings{name}Api"
    return CollectionApi


COLLECTION_VIEWS = {name: _collection_view(name) for name in sensorthings.ENTITIES}


class SensorThingsEntityApi(SensorThingsApi):
    @extend_schema(exclude=True)
    def get(self, request, resource: str):
        return super().get(request, resource)
