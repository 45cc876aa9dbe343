"""The integration API for provincial information pages (bearer tokens from /token)."""

from __future__ import annotations

import hashlib

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.core.apis import StrictCharField
from dantoc.integration import feeds, pushup
from dantoc.integration.models import WebhookSubscription
from dantoc.integration.oauth import ClientRateThrottle, ClientTokenAuthentication, HasScope
from dantoc.integration.scopes import CONTENT_READ, CONTENT_WRITE, WEBHOOKS
from dantoc.integration.serializers import (
    ApiErrorSerializer,
    MessageSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInputSerializer,
    SubscriptionSerializer,
)
from dantoc.integration.services import webhooks

COMMON_ERRORS = {
    401: OpenApiResponse(ApiErrorSerializer, description="Thiếu hoặc sai mã truy cập / no "
                         "valid bearer token"),
    403: OpenApiResponse(ApiErrorSerializer, description="Mã truy cập thiếu phạm vi quyền / "
                         "insufficient_scope"),
    429: OpenApiResponse(ApiErrorSerializer, description="Vượt giới hạn yêu cầu; xem "
                         "Retry-After / over the client's rate limit, see Retry-After"),
}  # fmt: skip


def _validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"detail": " ".join(exc.messages)}


class IntegrationApi(APIView):
    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer]
    required_scopes: list[str] = []

    @property
    def client(self):
        return self.request.user.client


# --- who am I -------------------------------------------------------------------------------


class MeApi(IntegrationApi):
    """Ứng dụng đang gọi: tên, đơn vị, phạm vi quyền, giới hạn / The calling client."""

    @extend_schema(
        operation_id="integration_me",
        tags=["integration"],
        responses={
            200: inline_serializer(
                "IntegrationClientInfo",
                {
                    "name": serializers.CharField(),
                    "client_id": serializers.CharField(),
                    "unit": serializers.CharField(),
                    "scopes": serializers.ListField(child=serializers.CharField()),
                    "rate_limit_per_minute": serializers.IntegerField(),
                },
            ),
            **COMMON_ERRORS,
        },
    )
    def get(self, request):
        client = self.client
        return Response(
            {
                "name": client.name,
                "client_id": client.application.client_id,
                "unit": client.unit.code,
                "scopes": sorted(request.user.scopes),
                "rate_limit_per_minute": client.rate_limit,
            }
        )


# --- pull sync ------------------------------------------------------------------------------


@extend_schema_field({"type": "boolean", "enum": [False]})
class LiveFlag(serializers.BooleanField):
    """``deleted`` of a live item: always false (so that it is told from a tombstone)."""


@extend_schema_field({"type": "boolean", "enum": [True]})
class DeletedFlag(serializers.BooleanField):
    """``deleted`` of a tombstone: always true."""


_common_item = {
    "id": serializers.UUIDField(),
    "feed": serializers.CharField(),
    "deleted": LiveFlag(),
    "updated_at": serializers.DateTimeField(),
    "published_at": serializers.DateTimeField(),
    "first_published_at": serializers.DateTimeField(),
    "unit": serializers.CharField(help_text="Mã đơn vị sở hữu / owner unit code"),
    "areas": serializers.ListField(child=serializers.CharField()),
    "source": serializers.CharField(),
    "slug": serializers.CharField(),
    "kind": serializers.CharField(),
    "title": serializers.CharField(),
    "body": serializers.CharField(help_text="HTML đã làm sạch / sanitised HTML"),
    "attachments": serializers.ListField(child=serializers.DictField()),
}
ARTICLE_ITEM = inline_serializer(
    "SyncArticle",
    {
        **_common_item,
        "summary": serializers.CharField(),
        "image": serializers.DictField(allow_null=True),
        "translations": serializers.ListField(child=serializers.DictField()),
    },
)
DOCUMENT_ITEM = inline_serializer(
    "SyncLegalDocument",
    {
        **_common_item,
        "number_symbol": serializers.CharField(),
        "doc_type": serializers.CharField(),
        "issuing_body": serializers.CharField(),
        "signer": serializers.CharField(),
        "issued_on": serializers.DateField(),
        "effective_on": serializers.DateField(allow_null=True),
        "expires_on": serializers.DateField(allow_null=True),
        "abstract": serializers.CharField(),
        "field": serializers.CharField(),
        "legal_status": serializers.CharField(),
        "amends": serializers.ListField(child=serializers.UUIDField()),
        "replaces": serializers.ListField(child=serializers.UUIDField()),
    },
)
TOMBSTONE = inline_serializer(
    "SyncTombstone",
    {
        "id": serializers.UUIDField(),
        "feed": serializers.CharField(),
        "deleted": DeletedFlag(help_text="luôn true / always true"),
        "updated_at": serializers.DateTimeField(),
    },
)
FEED_PARAMETERS = [
    OpenApiParameter(
        "modified_since",
        OpenApiTypes.DATETIME,
        description="Chỉ nội dung thay đổi từ thời điểm này (ISO 8601) / only items changed "
        "since (ISO 8601); bị bỏ qua khi có cursor / ignored when a cursor is given",
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="next_cursor của trang trước / next_cursor of the previous page",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": feeds.MAX_LIMIT},
        description=f"Số mục mỗi trang, 1–{feeds.MAX_LIMIT} (mặc định {feeds.DEFAULT_LIMIT}) / "
        "page size",
    ),
    OpenApiParameter(
        "province",
        OpenApiTypes.STR,
        description="Mã tỉnh: nội dung của tỉnh, nội dung có địa bàn gồm tỉnh, và nội dung "
        "toàn quốc không nêu địa bàn / province code: its own items, items concerning it, and "
        "national items naming no area",
    ),
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        description="ETag của lần trước: 304 khi không đổi / the previous ETag: 304 if unchanged",
    ),
]


def _feed_response(feed_name: str):
    return inline_serializer(
        f"SyncPage{feed_name.title()}",
        {
            "feed": serializers.CharField(),
            "items": serializers.ListField(
                child=PolymorphicProxySerializer(
                    component_name=f"SyncItem{feed_name.title()}",
                    serializers=[
                        DOCUMENT_ITEM if feed_name == "documents" else ARTICLE_ITEM,
                        TOMBSTONE,
                    ],
                    resource_type_field_name=None,
                )
            ),
            "next_cursor": serializers.CharField(allow_null=True),
            "has_more": serializers.BooleanField(),
        },
    )


SYNC_ERROR = inline_serializer(
    "SyncError",
    {
        "error": serializers.CharField(),
        "field": serializers.CharField(),
        "detail": serializers.CharField(),
    },
)


def _etag_matches(header: str, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in candidates


class FeedApi(IntegrationApi):
    required_scopes = [CONTENT_READ]
    feed_name = ""

    def get(self, request):
        params = request.query_params
        try:
            page = feeds.feed_page(
                feed_name=self.feed_name,
                cursor=params.get("cursor"),
                modified_since=params.get("modified_since"),
                limit=params.get("limit"),
                province=params.get("province"),
                base_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except feeds.FeedError as exc:
            return Response(
                {"error": "invalid_request", "field": exc.field, "detail": exc.message},
                status=status.HTTP_400_BAD_REQUEST,
            )
        body = orjson.dumps(
            {
                "feed": page.feed,
                "items": page.items,
                "next_cursor": page.next_cursor,
                "has_more": page.has_more,
            }
        )
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        if _etag_matches(request.headers.get("If-None-Match", ""), etag):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


def _feed_api(name: str) -> type[FeedApi]:
    feed = feeds.FEEDS[name]

    @extend_schema(
        operation_id=f"integration_sync_{name}",
        tags=["integration-sync"],
        parameters=FEED_PARAMETERS,
        responses={
            200: _feed_response(name),
            304: OpenApiResponse(description="Không đổi so với ETag / unchanged"),
            400: OpenApiResponse(
                SYNC_ERROR,
                description="Tham số sai (ngày, cursor, limit, tỉnh) / malformed request",
            ),
            **COMMON_ERRORS,
        },
    )
    def get(self, request):
        return FeedApi.get(self, request)

    doc = (
        f"Đồng bộ gia tăng: {feed.description}. / Incremental sync: {feed.description}.\n\n"
        "Mục đã xuất bản và bia mộ (`deleted: true`) cho mục từng xuất bản nay bị gỡ hoặc xoá; "
        "sắp theo (updated_at, id); lặp lại với next_cursor tới khi has_more là false. / "
        "Published items and tombstones for once-published items since removed; ordered by "
        "(updated_at, id); repeat with next_cursor until has_more is false."
    )
    return type(
        f"{name.title()}FeedApi", (FeedApi,), {"feed_name": name, "get": get, "__doc__": doc}
    )


DocumentsFeedApi = _feed_api("documents")
PoliciesFeedApi = _feed_api("policies")
NewsFeedApi = _feed_api("news")
ReportsFeedApi = _feed_api("reports")


# --- webhooks -------------------------------------------------------------------------------


def _subscription_or_404(client, uuid) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.filter(client=client, uuid=uuid, deleted_at__isnull=True)
        .select_related("province")
        .first()
    )
    if subscription is None:
        raise exceptions.NotFound("Không có đăng ký này / no such subscription")
    return subscription


class SubscriptionListApi(IntegrationApi):
    """Đăng ký webhook của ứng dụng / The client's webhook subscriptions.

    Mỗi lần gửi có chữ ký theo Standard Webhooks (webhook-id, webhook-timestamp,
    webhook-signature); webhook-id giữ nguyên khi gửi lại. / Deliveries are signed per
    Standard Webhooks; a retried delivery keeps its webhook-id."""

    required_scopes = [WEBHOOKS]

    @extend_schema(
        operation_id="integration_webhook_subscriptions",
        tags=["integration-webhooks"],
        responses={200: SubscriptionSerializer(many=True), **COMMON_ERRORS},
    )
    def get(self, request):
        rows = WebhookSubscription.objects.filter(
            client=self.client, deleted_at__isnull=True
        ).select_related("province")
        return Response(SubscriptionSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="integration_webhook_subscribe",
        tags=["integration-webhooks"],
        request=SubscriptionInputSerializer,
        responses={
            201: SubscriptionCreatedSerializer,
            400: OpenApiResponse(description="Dữ liệu sai / invalid input"),
            **COMMON_ERRORS,
        },
    )
    def post(self, request):
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            subscription = webhooks.subscription_create(
                actor=self.client,
                client=self.client,
                url=data.validated_data["url"],
                feed_names=data.validated_data.get("feeds") or [],
                province_code=data.validated_data.get("province") or None,
                description=data.validated_data.get("description", ""),
            )
        except DjangoValidationError as exc:
            return Response(_validation_detail(exc), status=400)
        payload = dict(SubscriptionSerializer(subscription).data)
        payload["secret"] = subscription.secret
        response = Response(payload, status=201)
        response["Cache-Control"] = "no-store"
        return response


class SubscriptionDetailApi(IntegrationApi):
    required_scopes = [WEBHOOKS]

    @extend_schema(
        operation_id="integration_webhook_subscription",
        tags=["integration-webhooks"],
        responses={200: SubscriptionSerializer, 404: ApiErrorSerializer, **COMMON_ERRORS},
    )
    def get(self, request, uuid):
        return Response(SubscriptionSerializer(_subscription_or_404(self.client, uuid)).data)

    @extend_schema(
        operation_id="integration_webhook_unsubscribe",
        tags=["integration-webhooks"],
        responses={204: None, 404: ApiErrorSerializer, **COMMON_ERRORS},
    )
    def delete(self, request, uuid):
        subscription = _subscription_or_404(self.client, uuid)
        webhooks.subscription_delete(actor=self.client, subscription=subscription)
        return Response(status=204)


class SubscriptionMessagesApi(IntegrationApi):
    """Nhật ký gửi của một đăng ký, mới nhất trước / A subscription's delivery log."""

    required_scopes = [WEBHOOKS]

    @extend_schema(
        operation_id="integration_webhook_messages",
        tags=["integration-webhooks"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=["pending", "delivered", "failed"])
        ],
        responses={200: MessageSerializer(many=True), 404: ApiErrorSerializer, **COMMON_ERRORS},
    )
    def get(self, request, uuid):
        subscription = _subscription_or_404(self.client, uuid)
        rows = subscription.messages.prefetch_related("log").order_by("-created_at", "-id")
        if wanted := request.query_params.get("status"):
            rows = rows.filter(status=wanted)
        return Response(MessageSerializer(rows[:100], many=True).data)


# --- push up --------------------------------------------------------------------------------


class SubmissionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=pushup.SUBMITTABLE_KIND_CHOICES)
    title = StrictCharField(max_length=300)
    summary = StrictCharField(required=False, allow_blank=True, default="")
    body = StrictCharField(
        required=False, allow_blank=True, default="", help_text="HTML; được làm sạch / sanitised"
    )
    areas = serializers.ListField(
        child=StrictCharField(), required=False, default=list, help_text="Mã tỉnh"
    )
    external_id = StrictCharField(
        required=False,
        # Empty is no id (a form's empty field is dropped by DRF anyway).
        allow_blank=True,
        max_length=pushup.KEY_MAX,
        help_text="Mã của bên gửi, dùng làm khoá chống trùng khi không có Idempotency-Key / "
        "the sender's id, the idempotency key when no Idempotency-Key header is sent",
    )


class SubmissionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    kind = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    source = serializers.CharField()
    unit = serializers.CharField(source="unit.code")
    submitted_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class SubmissionCreateApi(IntegrationApi):
    """Gửi tin, hoạt động, báo cáo của tỉnh vào quy trình biên tập (trạng thái chờ duyệt) /
    Submit the province's news, activities and reports to the editorial workflow (review).

    Gửi lại với cùng Idempotency-Key (hoặc external_id) trả về mục đã tạo, không tạo trùng /
    A retry with the same Idempotency-Key (or external_id) returns the item made first."""

    required_scopes = [CONTENT_WRITE]

    @extend_schema(
        operation_id="integration_submit",
        tags=["integration-pushup"],
        request=SubmissionInputSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", OpenApiTypes.STR, location=OpenApiParameter.HEADER
            )
        ],
        responses={
            201: SubmissionSerializer,
            200: OpenApiResponse(SubmissionSerializer, description="Đã nhận trước đó / replay"),
            400: OpenApiResponse(description="Dữ liệu sai / invalid input"),
            409: OpenApiResponse(ApiErrorSerializer, description="Khoá đã dùng cho nội dung "
                                 "khác / key reused for a different body"),
            **COMMON_ERRORS,
        },
    )  # fmt: skip
    def post(self, request):
        data = SubmissionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        key = request.headers.get("Idempotency-Key") or values.get("external_id") or ""
        try:
            result = pushup.submission_create(
                client=self.client,
                key=key,
                kind=values["kind"],
                title=values["title"],
                summary=values["summary"],
                body=values["body"],
                areas=values["areas"],
            )
        except pushup.SubmissionConflict as exc:
            return Response({"detail": str(exc)}, status=409)
        except DjangoValidationError as exc:
            return Response(_validation_detail(exc), status=400)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        response = Response(
            SubmissionSerializer(result.article).data, status=201 if result.created else 200
        )
        if not result.created:
            response["Idempotent-Replayed"] = "true"
        return response


class SubmissionDetailApi(IntegrationApi):
    """Trạng thái một nội dung đã gửi / The state of a submitted item."""

    required_scopes = [CONTENT_WRITE]

    @extend_schema(
        operation_id="integration_submission",
        tags=["integration-pushup"],
        responses={200: SubmissionSerializer, 404: ApiErrorSerializer, **COMMON_ERRORS},
    )
    def get(self, request, uuid):
        article = pushup.submission_get(client=self.client, uuid=uuid)
        if article is None:
            raise exceptions.NotFound("Không có nội dung này / no such submission")
        return Response(SubmissionSerializer(article).data)
