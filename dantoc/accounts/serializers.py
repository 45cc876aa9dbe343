from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dantoc.accounts.models import User
from dantoc.geo.serializers import UnitRefSerializer


@extend_schema_field(
    {
        "type": "string",
        "description": "Mã vai trò: của tài khoản (commune_reporter, province_officer…) hoặc do "
        "một phần của nền tảng khai báo (librarian, heritage_contributor…) / a role code, "
        "including those the platform's apps declare",
    }
)
class RoleCodeField(serializers.SlugRelatedField):
    """A role's code. Not an enum in the schema: apps declare roles of their own."""


class UserSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    roles = RoleCodeField(slug_field="code", many=True, read_only=True)

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
