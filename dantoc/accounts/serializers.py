from rest_framework import serializers

from dantoc.accounts.models import User
from dantoc.geo.serializers import UnitRefSerializer


class UserSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    roles = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "position",
            "email",
            "phone",
            "unit",
            "roles",
            "is_active",
        ]


class MeSerializer(UserSerializer):
    capabilities = serializers.ListField(child=serializers.CharField())
    requires_2fa = serializers.BooleanField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "capabilities", "requires_2fa"]
