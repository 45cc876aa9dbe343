from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dantoc.core.apis import query_flag
from dantoc.notifications import selectors, services
from dantoc.notifications.serializers import MarkedReadSerializer, NotificationSerializer


class NotificationListApi(generics.ListAPIView):
    """Thông báo của người đang đăng nhập, mới nhất trước / The signed-in user's notifications,
    newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.BOOL,
                description="1: chỉ thông báo chưa đọc / only unread notifications",
            )
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unread_only = query_flag(self.request, "unread")
        return selectors.notifications_for(user=self.request.user, unread_only=unread_only)


class NotificationReadApi(APIView):
    """Đánh dấu một thông báo đã đọc (404 nếu không phải của mình) / Mark one notification
    read (404 if it is not the caller's own)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, id: int):
        notice = get_object_or_404(selectors.notifications_for(user=request.user), pk=id)
        services.notification_mark_read(user=request.user, notification=notice)
        return Response(NotificationSerializer(notice).data)


class NotificationReadAllApi(APIView):
    """Đánh dấu mọi thông báo của mình đã đọc / Mark all of one's notifications read."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MarkedReadSerializer)
    def post(self, request):
        count = services.notifications_mark_all_read(user=request.user)
        return Response(MarkedReadSerializer({"updated": count}).data)
