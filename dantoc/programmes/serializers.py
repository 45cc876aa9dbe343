from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dantoc.programmes.models import Component, Programme


class ComponentSerializer(serializers.ModelSerializer):
    children = serializers.SerializerMethodField()

    class Meta:
        model = Component
        fields = ["code", "level", "order", "name", "name_en", "source", "children"]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_children(self, obj) -> list[dict]:
        nodes = self.context["children"].get(obj.pk, [])
        return ComponentSerializer(nodes, many=True, context=self.context).data


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "name_en",
            "short_name",
            "legal_basis",
            "start_year",
            "end_year",
            "phase_start_year",
            "phase_end_year",
            "description",
        ]


class ProgrammeDetailSerializer(ProgrammeSerializer):
    components = serializers.SerializerMethodField()

    class Meta(ProgrammeSerializer.Meta):
        fields = [*ProgrammeSerializer.Meta.fields, "components"]

    @extend_schema_field(ComponentSerializer(many=True))
    def get_components(self, obj) -> list[dict]:
        roots = [n.component for n in self.context["tree"]]
        return ComponentSerializer(roots, many=True, context=self.context).data
