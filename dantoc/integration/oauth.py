"""OAuth2 for machine clients: django-oauth-toolkit's validator and scopes narrowed to the
integration clients, and the DRF pieces the integration API uses (bearer authentication,
scope permission, per-client rate limit).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from dantoc.integration.models import IntegrationClient
from dantoc.integration.scopes import SCOPES, effective_scopes

REALM = "dantoc"


def _integration(application) -> IntegrationClient | None:
    try:
        return application.integration
    except IntegrationClient.DoesNotExist:
        return None


class Validator(OAuth2Validator):
    """DOT's validator, refusing applications that are not an active integration client:
    a disabled client cannot get a token (401 invalid_client) nor use one it holds."""

    def _load_application(self, client_id, request):
        application = super()._load_application(client_id, request)
        if application is None:
            return None
        client = _integration(application)
        if client is None or not client.is_active:
            request.client = None
            return None
        return application


class ClientScopes(BaseScopes):
    """A client may ask for the scopes an administrator granted it, and gets all of them
    when it names none."""

    def get_all_scopes(self):
        return dict(SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = _integration(application) if application is not None else None
        return client.scope_list if client is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


@dataclass(frozen=True)
class ClientPrincipal:
    """``request.user`` of an API call made with a bearer token: the integration client."""

    client: IntegrationClient
    scopes: frozenset[str]

    is_authenticated = True
    is_anonymous = False
    pk = None

    def __str__(self) -> str:
        return self.client.name

    def get_username(self) -> str:
        return f"client:{self.client.name}"


class ClientTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` issued by ``/token``. An unknown, expired or revoked
    token, or one of a disabled client, is a 401 with ``WWW-Authenticate: Bearer``."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Tiêu đề Authorization sai dạng / malformed Authorization header"
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("invalid_token") from None
        # DOT keeps a SHA-256 checksum of every token for this lookup.
        checksum = hashlib.sha256(token.encode()).hexdigest()
        access = (
            AccessToken.objects.select_related("application__integration__unit")
            .filter(token_checksum=checksum)
            .first()
        )
        if access is None:
            raise exceptions.AuthenticationFailed(
                "Mã truy cập không hợp lệ hoặc đã bị thu hồi / invalid or revoked token"
            )
        if access.expires <= timezone.now():
            raise exceptions.AuthenticationFailed("Mã truy cập đã hết hạn / the token has expired")
        client = _integration(access.application) if access.application_id else None
        if client is None or not client.is_active:
            raise exceptions.AuthenticationFailed(
                "Ứng dụng đã bị khoá / the client has been disabled"
            )
        scopes = frozenset(effective_scopes(access.scope, client.scopes))
        return ClientPrincipal(client=client, scopes=scopes), access

    def authenticate_header(self, request):
        return f'Bearer realm="{REALM}"'


class HasScope(BasePermission):
    """The view's ``required_scopes`` must all be in the token (403 insufficient_scope)."""

    def has_permission(self, request, view):
        principal = request.user
        if not isinstance(principal, ClientPrincipal):
            return False  # DRF answers 401: no bearer token was given
        required = set(getattr(view, "required_scopes", ()))
        missing = sorted(required - principal.scopes)
        if missing:
            raise exceptions.PermissionDenied(
                {
                    "error": "insufficient_scope",
                    "detail": f"Mã truy cập thiếu phạm vi quyền / the token lacks the scope: "
                    f"{' '.join(missing)}",
                    "required_scopes": sorted(required),
                }
            )
        return True


class ClientRateThrottle(BaseThrottle):
    """The client's own limit of requests per minute, counted in the database so that it holds
    across every gunicorn worker (see ``services.rate_hit``)."""

    def __init__(self):
        self._wait = None

    def allow_request(self, request, view):
        principal = request.user
        if not isinstance(principal, ClientPrincipal):
            return True
        from dantoc.integration.services import rate_hit

        allowed, wait = rate_hit(client=principal.client)
        self._wait = wait
        return allowed

    def wait(self):
        return self._wait


class ClientTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ClientTokenAuthentication
    name = "oauth2ClientCredentials"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "description": (
                "Khoá và mật khẩu ứng dụng (consumer key/secret) đổi lấy mã truy cập tại /token "
                "(RFC 6749 §4.4), gửi bằng HTTP Basic hoặc trong thân yêu cầu / Consumer key "
                "and secret exchanged for a bearer token at /token (client credentials, HTTP "
                "Basic or body)."
            ),
            "flows": {"clientCredentials": {"tokenUrl": "/token", "scopes": dict(SCOPES)}},
        }

    def get_security_requirement(self, auto_schema):
        return {self.name: list(getattr(auto_schema.view, "required_scopes", []))}
