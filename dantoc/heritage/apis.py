"""The heritage archive's read API: the items the caller may see (the protocols' selector, as
on every other channel), with the addresses of their files, manifest and page."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.heritage import selectors
from dantoc.heritage.models import ItemKind, Season


class ItemSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    language = serializers.CharField()
    ethnic_groups = serializers.SerializerMethodField()
    province = serializers.SerializerMethodField()
    commune = serializers.SerializerMethodField()
    season = serializers.CharField()
    lunar_month = serializers.IntegerField(allow_null=True)
    lunar_day = serializers.IntegerField(allow_null=True)
    community = serializers.CharField()
    rights = serializers.CharField()
    licence = serializers.CharField()
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    manifest = serializers.SerializerMethodField()

    def get_ethnic_groups(self, item) -> list[str]:
        return [g.code for g in item.ethnic_groups.all()]

    def get_province(self, item) -> str | None:
        return item.province.code if item.province else None

    def get_commune(self, item) -> str | None:
        return item.commune.code if item.commune else None

    def get_url(self, item) -> str:
        return reverse("heritage:item_detail", args=[item.uuid])

    def get_manifest(self, item) -> str:
        return reverse("heritage:manifest", args=[item.uuid])


class ItemListApi(generics.ListAPIView):
    """Tư liệu di sản người gọi được xem / Heritage records the caller may see."""

    serializer_class = ItemSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Từ khoá (không cần dấu) / words"),
            OpenApiParameter("kind", str, enum=ItemKind.values),
            OpenApiParameter("ethnic_group", str, description="Mã dân tộc / ethnic group code"),
            OpenApiParameter("province", str, description="Mã tỉnh / province code"),
            OpenApiParameter("season", str, enum=Season.values),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        for name, allowed in (("kind", ItemKind.values), ("season", Season.values)):
            if name in p and p[name] not in allowed:
                raise ValidationError({name: f"one of {', '.join(allowed)}"})
        return selectors.items_search(
            user=self.request.user,
            q=p.get("q", "")[:200],
            kind=p.get("kind", "")[:20],
            ethnic_group=p.get("ethnic_group", "")[:10],
            province=p.get("province", "")[:10],
            season=p.get("season", "")[:20],
        )


class ItemDetailApi(APIView):
    """Một tư liệu di sản / One heritage record (404 when the caller may not see it)."""

    @extend_schema(responses=ItemSerializer)
    def get(self, request, uuid):
        item = selectors.item_visible_get(user=request.user, uuid=uuid)
        if item is None:
            raise NotFound("Không có tư liệu này / no such record.")
        return Response(ItemSerializer(item).data)
