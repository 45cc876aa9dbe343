"""The OAuth2 endpoints: token (RFC 6749 §4.4), introspection (RFC 7662), revocation
(RFC 7009). django-oauth-toolkit does the work; these DRF views put the endpoints in the
OpenAPI schema, keep them at the short paths gateways expect, and answer JSON."""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import ipaddress
import json
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OAuthRequest
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from dantoc.integration.scopes import SCOPES, effective_scopes
from dantoc.integration.serializers import (
    AuthorizationServerMetadataSerializer,
    IntrospectionSerializer,
    OAuthErrorSerializer,
    TokenGrantSerializer,
    TokenParamSerializer,
    TokenResponseSerializer,
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The grants /token issues tokens for (RFC 6749 §4.4): machine clients only.
GRANT_TYPES = ("client_credentials",)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
INVALID_CLIENT = OpenApiResponse(
    OAuthErrorSerializer,
    description="Sai khoá/mật khẩu ứng dụng hoặc ứng dụng bị khoá / wrong credentials or a "
    "disabled client (invalid_client)",
)


def _as_response(headers: dict, body: str, status: int) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    for key, value in headers.items():
        response[key] = value
    for key, value in NO_STORE.items():
        response[key] = value
    return response


class ClientCredentials(BaseAuthentication):
    """For the schema only: these endpoints authenticate the client themselves (through
    django-oauth-toolkit), from HTTP Basic or from ``client_id``/``client_secret`` in the
    body, and answer the OAuth2 errors of the RFCs rather than DRF's."""

    def authenticate(self, request):
        return None


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = ClientCredentials
    name = "clientCredentials"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "consumer key : consumer secret (HTTP Basic); hoặc trong thân yêu "
            "cầu / or in the form body as client_id, client_secret",
        }


def _oauth_error(status: int, message: str) -> HttpResponse:
    """An error met before the endpoint runs (a NUL in the body), as the RFCs' error body."""
    return JsonResponse(
        {"error": "invalid_request", "error_description": message},
        status=status,
        headers=NO_STORE,
        json_dumps_params={"ensure_ascii": False},
    )


class _OAuthEndpoint(OAuthLibMixin, APIView):
    error_serializer = OAuthErrorSerializer
    error_response = staticmethod(_oauth_error)
    authentication_classes = [ClientCredentials]
    permission_classes: list = []
    throttle_classes: list = []
    parser_classes = [FormParser]
    renderer_classes = [JSONRenderer]

    def _dispatch_form(self, request):
        django_request = request._request
        content_type = (django_request.content_type or "").lower()
        try:
            if django_request.body and content_type not in FORM_TYPES:
                raise MultiPartParserError(content_type)
            django_request.POST  # noqa: B018 - parse now, so a broken body is a 400 here
        except MultiPartParserError:
            # RFC 6749 §4.4.2, RFC 7662 §2.1, RFC 7009 §2.1: form-encoded bodies.
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "Thân yêu cầu phải là application/x-www-form-urlencoded"
                    " / the body must be application/x-www-form-urlencoded",
                },
                status=400,
                headers=NO_STORE,
            )
        return self.handle(django_request)

    def handle(self, django_request):  # pragma: no cover - each endpoint defines it
        raise NotImplementedError

    def _authenticated_application(self, request):
        """The application authenticated by HTTP Basic or body credentials, or None."""
        core = self.get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        oauth_request = OAuthRequest(uri, method, body, headers)
        validator: OAuth2Validator = core.server.request_validator
        if validator.authenticate_client(oauth_request):
            return oauth_request.client
        return None


def _unauthorized_client() -> JsonResponse:
    response = JsonResponse(
        {
            "error": "invalid_client",
            "error_description": "Sai khoá hoặc mật khẩu ứng dụng / client authentication failed",
        },
        status=401,
    )
    response["WWW-Authenticate"] = 'Basic realm="dantoc"'
    for key, value in NO_STORE.items():
        response[key] = value
    return response


def _address_key(address: str) -> str:
    """The remote address, or its /64 for IPv6 (one subscriber line holds a whole /64)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "?"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _claimed_client_id(django_request) -> str:
    """The client id the request claims (HTTP Basic or body), authenticated or not."""
    header = django_request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])[:100]  # RFC 6749 §2.3.1
    return (django_request.POST.get("client_id") or "")[:100]


def _token_rate_refusal(django_request) -> JsonResponse | None:
    """429 when the remote address or the claimed client id asked for too many tokens in the
    current minute (counted in the database, as the API's per-client limit): a client needs a
    token an hour, so a burst here is a guessed secret or a broken client."""
    from dantoc.integration.services import rate_hit_key

    address = _address_key(django_request.META.get("REMOTE_ADDR", ""))
    allowed, wait = rate_hit_key(
        key=f"token:addr:{address}",
        limit=settings.INTEGRATION_TOKEN_RATE_PER_ADDRESS,
    )
    client_id = _claimed_client_id(django_request) if allowed else ""
    if client_id:
        allowed, wait = rate_hit_key(
            key=f"token:client:{client_id}",
            limit=settings.INTEGRATION_TOKEN_RATE_PER_CLIENT,
        )
    if allowed:
        return None
    response = JsonResponse(
        {
            "error": "too_many_requests",
            "error_description": _(
                "Quá nhiều yêu cầu lấy mã truy cập; thử lại sau %(seconds)s giây / too many "
                "token requests, retry after %(seconds)s s"
            )
            % {"seconds": wait},
        },
        status=429,
        headers=NO_STORE,
    )
    response["Retry-After"] = str(wait)
    return response


class TokenApi(_OAuthEndpoint):
    """Đổi khoá và mật khẩu ứng dụng lấy mã truy cập (client credentials) / Exchange the
    consumer key and secret for a bearer token (client credentials grant, RFC 6749 §4.4).

    Gửi thông tin ứng dụng bằng HTTP Basic (như cổng WSO2) hoặc `client_id`/`client_secret`
    trong thân yêu cầu / Send the credentials as HTTP Basic (as WSO2 gateways do) or as
    `client_id`/`client_secret` in the form body."""

    @extend_schema(
        operation_id="oauth_token",
        tags=["integration-oauth"],
        request={"application/x-www-form-urlencoded": TokenGrantSerializer},
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                OAuthErrorSerializer,
                description="invalid_request, unsupported_grant_type, invalid_scope",
            ),
            401: INVALID_CLIENT,
            429: OpenApiResponse(
                OAuthErrorSerializer,
                description="Quá nhiều yêu cầu từ địa chỉ này hoặc cho ứng dụng này trong một "
                "phút, xem Retry-After / too many token requests from this address or for "
                "this client id in a minute, see Retry-After",
            ),
        },
        examples=[
            OpenApiExample(
                "token",
                response_only=True,
                value={
                    "access_token": "q1W2e3R4t5Y6u7I8o9P0",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "content:read webhooks",
                },
            )
        ],
    )
    def post(self, request, *args, **kwargs):
        return self._dispatch_form(request)

    def handle(self, django_request):
        # As sensitive_post_parameters would: keep the secret out of error reports.
        django_request.sensitive_post_parameters = ["client_secret"]
        refused = _token_rate_refusal(django_request)
        if refused is not None:
            return refused
        grant = django_request.POST.get("grant_type")
        if grant and grant not in GRANT_TYPES:
            # oauthlib knows the password, authorization code and refresh token grants and
            # would answer them with unauthorized_client or invalid_grant; this server issues
            # tokens only for client credentials (RFC 6749 §5.2 unsupported_grant_type).
            return JsonResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": _(
                        "Chỉ hỗ trợ grant_type=client_credentials / only the client "
                        "credentials grant is supported"
                    ),
                },
                status=400,
                headers=NO_STORE,
                json_dumps_params={"ensure_ascii": False},
            )
        _uri, headers, body, status = self.create_token_response(django_request)
        if status == 401:
            # oauthlib answers a failed client authentication with a Bearer challenge; the
            # client authenticates with HTTP Basic here, so the challenge must name Basic
            # (RFC 6749 §5.2 invalid_client).
            headers = {k: v for k, v in headers.items() if k.lower() != "www-authenticate"}
            headers["WWW-Authenticate"] = 'Basic realm="dantoc"'
        return _as_response(headers, body, status)


class IntrospectApi(_OAuthEndpoint):
    """Kiểm tra một mã truy cập (RFC 7662) / Token introspection (RFC 7662).

    Ứng dụng xác thực như ở /token và chỉ xem được mã của chính mình; mã khác, hết hạn hoặc đã
    thu hồi trả `{"active": false}` / The client authenticates as at /token and may inspect
    only its own tokens; any other, expired or revoked token is `{"active": false}`."""

    @extend_schema(
        operation_id="oauth_introspect",
        tags=["integration-oauth"],
        request={"application/x-www-form-urlencoded": TokenParamSerializer},
        responses={200: IntrospectionSerializer, 400: OAuthErrorSerializer, 401: INVALID_CLIENT},
    )
    def post(self, request, *args, **kwargs):
        return self._dispatch_form(request)

    def handle(self, django_request):
        application = self._authenticated_application(django_request)
        if application is None:
            return _unauthorized_client()
        token_value = django_request.POST.get("token")
        if not token_value:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "Thiếu tham số token / token"},
                status=400,
                headers=NO_STORE,
            )
        checksum = hashlib.sha256(token_value.encode()).hexdigest()
        token = (
            AccessToken.objects.filter(token_checksum=checksum, application=application)
            .select_related("application__integration")
            .first()
        )
        if token is None or not token.is_valid():
            return JsonResponse({"active": False}, headers=NO_STORE)
        # The scopes the API would grant this token now (RFC 7662 §2.2 "scope"), not those
        # recorded when it was issued: an administrator may have narrowed the client since.
        scope = " ".join(effective_scopes(token.scope, application.integration.scopes))
        return JsonResponse(
            {
                "active": True,
                "scope": scope,
                "client_id": application.client_id,
                "token_type": "Bearer",
                "exp": calendar.timegm(token.expires.utctimetuple()),
                "iat": calendar.timegm(token.created.utctimetuple()),
            },
            headers=NO_STORE,
        )


class RevokeApi(_OAuthEndpoint):
    """Thu hồi một mã truy cập (RFC 7009) / Token revocation (RFC 7009).

    Trả 200 cả khi mã không tồn tại (theo RFC 7009 §2.2); một ứng dụng chỉ thu hồi được mã của
    chính mình / Answers 200 even for an unknown token (RFC 7009 §2.2); a client revokes only
    its own tokens."""

    @extend_schema(
        operation_id="oauth_revoke",
        tags=["integration-oauth"],
        request={"application/x-www-form-urlencoded": TokenParamSerializer},
        responses={
            200: OpenApiResponse(description="Đã thu hồi (hoặc không có) / revoked (or unknown)"),
            400: OAuthErrorSerializer,
            401: INVALID_CLIENT,
        },
    )
    def post(self, request, *args, **kwargs):
        return self._dispatch_form(request)

    def handle(self, django_request):
        # oauthlib would accept a confidential client's revocation without its secret if
        # only client_id is sent; insist on real client authentication first.
        if self._authenticated_application(django_request) is None:
            return _unauthorized_client()
        _uri, headers, body, status = self.create_revocation_response(django_request)
        if status == 200 and not body:
            body = json.dumps({})
        return _as_response(headers, body, status)


class AuthorizationServerMetadataApi(APIView):
    """Siêu dữ liệu máy chủ cấp quyền (RFC 8414) / OAuth 2.0 authorization server metadata
    (RFC 8414): where the token, introspection and revocation endpoints are, which grant,
    client authentication methods and scopes they take.

    Chỉ có grant client credentials nên không có authorization endpoint, và
    `response_types_supported` rỗng / Only the client credentials grant is offered: there is
    no authorization endpoint, and `response_types_supported` is empty."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="oauth_authorization_server_metadata",
        tags=["integration-oauth"],
        responses={200: AuthorizationServerMetadataSerializer},
    )
    def get(self, request, *args, **kwargs):
        issuer = request.build_absolute_uri("/").rstrip("/")
        auth_methods = ["client_secret_basic", "client_secret_post"]
        metadata = {
            "issuer": issuer,
            "token_endpoint": issuer + reverse("integration_api:token"),
            "token_endpoint_auth_methods_supported": auth_methods,
            "grant_types_supported": list(GRANT_TYPES),
            "response_types_supported": [],
            "scopes_supported": list(SCOPES),
            "introspection_endpoint": issuer + reverse("integration_api:introspect"),
            "introspection_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint": issuer + reverse("integration_api:revoke"),
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "service_documentation": issuer + reverse("api-docs"),
        }
        response = JsonResponse(metadata)
        response["Cache-Control"] = "public, max-age=3600"
        response["Access-Control-Allow-Origin"] = "*"
        return response
