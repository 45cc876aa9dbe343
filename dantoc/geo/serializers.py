from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dantoc.geo.models import AreaClassification, EthnicGroup, Unit, UnitSuccession


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["code", "name", "level", "valid_from", "valid_to"]


class UnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "short_name",
            "level",
            "kind",
            "kind_label",
            "parent_code",
            "valid_from",
            "valid_to",
        ]


class SuccessionSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()

    class Meta:
        model = UnitSuccession
        fields = ["unit", "partial", "effective_date"]

    @extend_schema_field(UnitRefSerializer)
    def get_unit(self, obj) -> dict:
        other = obj.predecessor if self.context.get("direction") == "predecessor" else obj.successor
        return UnitRefSerializer(other).data


class ClassificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = AreaClassification
        fields = ["scheme", "value", "village_name", "valid_from", "valid_to", "decision"]


class UnitDetailSerializer(UnitSerializer):
    ancestors = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    predecessors = serializers.SerializerMethodField()
    successors = serializers.SerializerMethodField()
    classifications = ClassificationSerializer(many=True, read_only=True)

    class Meta(UnitSerializer.Meta):
        fields = [
            *UnitSerializer.Meta.fields,
            "ancestors",
            "children",
            "predecessors",
            "successors",
            "classifications",
        ]

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_ancestors(self, obj) -> list[dict]:
        return UnitRefSerializer(self.context["ancestors"], many=True).data

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_children(self, obj) -> list[dict]:
        return UnitRefSerializer(self.context["children"], many=True).data

    @extend_schema_field(SuccessionSerializer(many=True))
    def get_predecessors(self, obj) -> list[dict]:
        return SuccessionSerializer(
            self.context["predecessors"], many=True, context={"direction": "predecessor"}
        ).data

    @extend_schema_field(SuccessionSerializer(many=True))
    def get_successors(self, obj) -> list[dict]:
        return SuccessionSerializer(
            self.context["successors"], many=True, context={"direction": "successor"}
        ).data


class EthnicGroupSerializer(serializers.ModelSerializer):
    other_names = serializers.ListField(source="other_names_list", child=serializers.CharField())

    class Meta:
        model = EthnicGroup
        fields = ["code", "code_1979", "name", "other_names"]
