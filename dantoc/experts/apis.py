"""Public API of the expert directory: the same selectors as the pages, public profiles
only (whoever asks), so the API can never show more than the public page."""

from __future__ import annotations

from django.core.paginator import EmptyPage, Paginator
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.core.languages import BY_CODE
from dantoc.experts import selectors
from dantoc.experts.models import Availability
from dantoc.experts.serializers import ExpertDetailSerializer, ExpertPageSerializer

PAGE_SIZE = 50


def _codes(value: str) -> list[str]:
    return value.split()


def _flag(value: str) -> bool:
    if value.lower() in ("", "0", "false"):
        return False
    if value.lower() in ("1", "true"):
        return True
    raise ValidationError({"verified": "true or false"})


def _list_item(request, row) -> dict:
    return {
        "uuid": row.uuid,
        "full_name": row.full_name,
        "organisation": row.organisation,
        "position": row.position,
        "availability": row.availability,
        "verified": row.verified_at is not None,
        "fields": _codes(row.field_codes),
        "provinces": _codes(row.province_codes),
        "languages": _codes(row.language_codes),
        "url": request.build_absolute_uri(reverse("experts:profile", args=[row.uuid])),
    }


class ExpertListApi(APIView):
    """Danh bạ chuyên gia công khai / Public expert directory (search and filters)."""

    permission_classes = [AllowAny]
    error_codes = ("404",)  # a page past the last

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="words, diacritics optional"),
            OpenApiParameter("field", OpenApiTypes.STR, description="field code, e.g. DA1"),
            OpenApiParameter("province", OpenApiTypes.STR, description="province code"),
            OpenApiParameter("ethnic_group", OpenApiTypes.STR, description="QĐ 1019 code"),
            OpenApiParameter("language", OpenApiTypes.STR, description="BCP 47 code, e.g. rad"),
            OpenApiParameter("availability", OpenApiTypes.STR, enum=Availability.values),
            OpenApiParameter("verified", OpenApiTypes.BOOL),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses=ExpertPageSerializer,
        operation_id="experts_list",
    )
    def get(self, request):
        g = request.query_params
        availability = g.get("availability", "")
        if "availability" in g and availability not in Availability.values:
            raise ValidationError({"availability": f"one of {', '.join(Availability.values)}"})
        params = selectors.SearchParams(
            q=g.get("q", "")[:200],
            field=g.get("field", "")[:32],
            province=g.get("province", "")[:10],
            ethnic_group=g.get("ethnic_group", "")[:2],
            language=g.get("language", "")[:8],
            availability=availability,
            verified=_flag(g.get("verified", "")),
        )
        queryset = selectors.experts_search(selectors.experts_public(), params).only(
            *selectors.LIST_FIELDS
        )
        try:
            number = int(g.get("page", "1"))
        except ValueError:
            raise ValidationError({"page": "an integer"}) from None
        paginator = Paginator(queryset, PAGE_SIZE)
        try:
            page = paginator.page(number)
        except EmptyPage:
            raise NotFound("no such page") from None

        def link(n):
            query = g.copy()
            query["page"] = n
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return Response(
            {
                "count": paginator.count,
                "next": link(number + 1) if page.has_next() else None,
                "previous": link(number - 1) if page.has_previous() else None,
                "results": [_list_item(request, row) for row in page.object_list],
            }
        )


class ExpertDetailApi(APIView):
    """Hồ sơ công khai của một chuyên gia / One public expert profile."""

    permission_classes = [AllowAny]

    @extend_schema(responses=ExpertDetailSerializer, operation_id="experts_retrieve")
    def get(self, request, uuid):
        expert = selectors.experts_public().filter(uuid=uuid).first()
        if expert is None:
            raise NotFound("no public profile with this id")
        parts = selectors.expert_detail_parts(expert)
        data = _list_item(request, expert)
        data.update(
            summary=expert.summary,
            orcid=expert.orcid,
            ethnic_groups=[g.code for g in parts["ethnic_groups"]],
            language_levels=[
                {"code": lang.code, "name": lang.name_en, "level": level}
                for lang, _label, level in parts["languages"]
            ],
            activities=[
                {
                    "kind": a.kind,
                    "title": a.title,
                    "organisation": a.organisation,
                    "year": a.year,
                    "url": a.url,
                }
                for a in parts["activities"]
            ],
        )
        return Response(data)


__all__ = ["BY_CODE", "ExpertDetailApi", "ExpertListApi"]
