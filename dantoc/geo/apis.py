from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.core.apis import parse_as_of
from dantoc.geo import selectors
from dantoc.geo.models import UnitLevel
from dantoc.geo.serializers import EthnicGroupSerializer, UnitDetailSerializer, UnitSerializer

AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=(
        "Ngày tra cứu (YYYY-MM-DD): đơn vị có hiệu lực vào ngày này. Mặc định: hôm nay. "
        "Date to look up: units in force on that day (default today); 2025-06-30 gives the "
        "pre-reform 63 provinces, 2025-07-01 the 34 provinces."
    ),
)


class UnitListApi(generics.ListAPIView):
    """Đơn vị hành chính có hiệu lực vào một ngày / Administrative units in force on a date."""

    serializer_class = UnitSerializer
    filter_backends: list = []
    error_codes = [404]  # an unknown ``parent``

    @extend_schema(
        parameters=[
            AS_OF,
            OpenApiParameter("level", str, enum=[v for v in UnitLevel.values if v != "country"]),
            OpenApiParameter("parent", str, description="Mã đơn vị cha / parent unit code"),
            OpenApiParameter(
                "q", str, description="Tên (có hoặc không dấu) hoặc mã / name or code"
            ),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        as_of = parse_as_of(params.get("as_of")) or selectors.today()
        level = params.get("level")  # absent: every level; present, one of them
        if level is not None and level not in UnitLevel.values:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"level": f"Cấp không hợp lệ {level!r}."})
        parent = None
        if params.get("parent"):
            parent = selectors.unit_get(code=params["parent"], as_of=as_of)
            if parent is None:
                raise NotFound(f"Không có đơn vị cha mã {params['parent']!r} vào ngày {as_of}.")
        return selectors.units_search(
            q=params.get("q", ""), as_of=as_of, level=level, parent=parent
        )


class UnitDetailApi(APIView):
    """Một đơn vị: chuỗi cấp trên, cấp dưới, đơn vị tiền thân và kế thừa / One unit with its
    parent chain, children, predecessors and successors."""

    @extend_schema(parameters=[AS_OF], responses=UnitDetailSerializer)
    def get(self, request, code: str):
        as_of = parse_as_of(request.query_params.get("as_of"))
        unit = selectors.unit_get(code=code, as_of=as_of)
        if unit is None:
            raise NotFound(
                f"Không có đơn vị mã {code!r}" + (f" vào ngày {as_of}." if as_of else ".")
            )
        day = as_of if as_of and unit.is_valid_on(as_of) else (unit.valid_to or selectors.today())
        context = {
            "ancestors": selectors.unit_ancestors(unit),
            "children": selectors.unit_children(unit=unit, as_of=day),
            "predecessors": selectors.unit_predecessors(unit),
            "successors": selectors.unit_successors(unit),
        }
        return Response(UnitDetailSerializer(unit, context=context).data)


class EthnicGroupListApi(generics.ListAPIView):
    """54 dân tộc Việt Nam; `code` theo QĐ 1019/QĐ-TCTK (2008), `code_1979` theo QĐ
    121-TCTK/PPCĐ (1979) / Vietnam's 54 ethnic groups with both official code lists."""

    serializer_class = EthnicGroupSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(parameters=[OpenApiParameter("q", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.ethnic_groups_search(q=self.request.query_params.get("q", ""))
