from rest_framework import serializers

from dantoc.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", default=None, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor_repr",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "unit_code",
            "before",
            "after",
        ]
