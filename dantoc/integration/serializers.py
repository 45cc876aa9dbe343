"""Shapes of the integration API, for validation and for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers

from dantoc.core.apis import StrictCharField
from dantoc.integration.scopes import SCOPES

# --- OAuth2 ---------------------------------------------------------------------------------


class TokenGrantSerializer(serializers.Serializer):
    grant_type = serializers.ChoiceField(choices=["client_credentials"])
    scope = serializers.CharField(
        required=False, help_text="Các phạm vi cách nhau bởi dấu cách / space-separated scopes"
    )
    # Empty values are ignored (the credentials of HTTP Basic are used).
    client_id = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Khi không dùng HTTP Basic / when not using HTTP Basic",
    )
    client_secret = serializers.CharField(required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField()
    scope = serializers.CharField()


class OAuthErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    error_description = serializers.CharField(required=False)


class TokenParamSerializer(serializers.Serializer):
    token = serializers.CharField()
    # A hint only (RFC 7662 §2.1, RFC 7009 §2.1): an unknown value is ignored, not refused.
    token_type_hint = serializers.CharField(
        required=False, allow_blank=True, help_text="access_token, refresh_token"
    )
    # Empty values are ignored (the credentials of HTTP Basic are used).
    client_id = serializers.CharField(required=False, allow_blank=True)
    client_secret = serializers.CharField(required=False, allow_blank=True)


class IntrospectionSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    scope = serializers.CharField(required=False)
    client_id = serializers.CharField(required=False)
    token_type = serializers.CharField(required=False)
    exp = serializers.IntegerField(required=False)
    iat = serializers.IntegerField(required=False)


class AuthorizationServerMetadataSerializer(serializers.Serializer):
    """RFC 8414 §2 (the members this server publishes)."""

    issuer = serializers.URLField()
    token_endpoint = serializers.URLField()
    token_endpoint_auth_methods_supported = serializers.ListField(child=serializers.CharField())
    grant_types_supported = serializers.ListField(child=serializers.CharField())
    response_types_supported = serializers.ListField(child=serializers.CharField())
    scopes_supported = serializers.ListField(child=serializers.CharField())
    introspection_endpoint = serializers.URLField()
    introspection_endpoint_auth_methods_supported = serializers.ListField(
        child=serializers.CharField()
    )
    revocation_endpoint = serializers.URLField()
    revocation_endpoint_auth_methods_supported = serializers.ListField(
        child=serializers.CharField()
    )
    service_documentation = serializers.URLField()


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# --- webhooks -------------------------------------------------------------------------------


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    feeds = serializers.ListField(
        child=StrictCharField(),
        required=False,
        help_text="documents, policies, news, reports; bỏ trống: tất cả / empty: all",
    )
    province = StrictCharField(
        required=False,
        allow_blank=True,
        help_text="Mã tỉnh: chỉ nội dung liên quan tới tỉnh / only items concerning it",
    )
    description = StrictCharField(required=False, allow_blank=True, max_length=200)


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    url = serializers.URLField()
    feeds = serializers.ListField(child=serializers.CharField(), source="feed_list")
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    description = serializers.CharField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        help_text="whsec_…: chỉ hiện một lần / shown once (Standard Webhooks)"
    )


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    duration_ms = serializers.IntegerField()


class MessageSerializer(serializers.Serializer):
    webhook_id = serializers.CharField()
    event_type = serializers.CharField()
    feed = serializers.CharField()
    item_id = serializers.UUIDField(source="item_uuid")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    log = AttemptSerializer(many=True)


# --- scopes for the schema ------------------------------------------------------------------

SCOPE_NAMES = list(SCOPES)
