from rest_framework import serializers

from dantoc.geo.serializers import UnitRefSerializer
from dantoc.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "unit",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Số thông báo vừa được đánh dấu đã đọc")
