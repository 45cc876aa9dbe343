"""The public directory's API shapes: only the public summary, never contact, documents,
evaluations or consent details."""

from rest_framework import serializers


class ExpertListSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    full_name = serializers.CharField()
    organisation = serializers.CharField()
    position = serializers.CharField()
    availability = serializers.CharField()
    verified = serializers.BooleanField()
    fields = serializers.ListField(child=serializers.CharField())
    provinces = serializers.ListField(child=serializers.CharField())
    languages = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField()


class LanguageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class ActivitySerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()


class ExpertDetailSerializer(ExpertListSerializer):
    summary = serializers.CharField()
    orcid = serializers.CharField()
    ethnic_groups = serializers.ListField(child=serializers.CharField())
    language_levels = LanguageSerializer(many=True)
    activities = ActivitySerializer(many=True)


class ExpertPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ExpertListSerializer(many=True)
