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


def bearer_challenge(error: str | None = None, description: str = "", scope: str = "") -> str:
    """``WWW-Authenticate: Bearer …`` as RFC 6750 §3 writes it: the realm, and when a token
    was sent and refused, the error code (``invalid_request``, ``invalid_token``,
    ``insufficient_scope``), a description and the scope needed. Descriptions are ASCII with
    no quote or backslash (§3's character set)."""
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


class BearerTokenRefused(exceptions.AuthenticationFailed):
    """401 for a token that was sent but cannot be used, with its RFC 6750 error code."""

    def __init__(self, detail: str, *, error: str, description: str):
        super().__init__(detail)
        self.bearer_error = error
        self.bearer_description = description


class InsufficientScope(exceptions.PermissionDenied):
    """403 for a token without a scope the endpoint needs. DRF's exception handler puts
    ``auth_header`` in ``WWW-Authenticate`` (RFC 6750 §3.1 ``insufficient_scope``)."""

    def __init__(self, detail, *, scope: str):
        super().__init__(detail)
        self.auth_header = bearer_challenge(
            "insufficient_scope", "The token lacks a scope this endpoint needs", scope
        )


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
            self._refuse(
                request,
                BearerTokenRefused(
                    "Tiêu đề Authorization sai dạng / malformed Authorization header",
                    error="invalid_request",
                    description="Malformed Authorization header",
                ),
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            self._refuse(
                request,
                BearerTokenRefused(
                    "invalid_token", error="invalid_token", description="The token is not ASCII"
                ),
            )
        # DOT keeps a SHA-256 checksum of every token for this lookup.
        checksum = hashlib.sha256(token.encode()).hexdigest()
        access = (
            AccessToken.objects.select_related("application__integration__unit")
            .filter(token_checksum=checksum)
            .first()
        )
        if access is None:
            self._refuse(
                request,
                BearerTokenRefused(
                    "Mã truy cập không hợp lệ hoặc đã bị thu hồi / invalid or revoked token",
                    error="invalid_token",
                    description="The token is unknown or revoked",
                ),
            )
        if access.expires <= timezone.now():
            self._refuse(
                request,
                BearerTokenRefused(
                    "Mã truy cập đã hết hạn / the token has expired",
                    error="invalid_token",
                    description="The token has expired",
                ),
            )
        client = _integration(access.application) if access.application_id else None
        if client is None or not client.is_active:
            self._refuse(
                request,
                BearerTokenRefused(
                    "Ứng dụng đã bị khoá / the client has been disabled",
                    error="invalid_token",
                    description="The client of this token has been disabled",
                ),
            )
        scopes = frozenset(effective_scopes(access.scope, client.scopes))
        return ClientPrincipal(client=client, scopes=scopes), access

    @staticmethod
    def _refuse(request, refusal: BearerTokenRefused):
        # DRF asks authenticate_header for the 401's challenge after this raises: the
        # request remembers why, so that the challenge names the error (RFC 6750 §3.1).
        request._bearer_refusal = refusal
        raise refusal

    def authenticate_header(self, request):
        refusal = getattr(request, "_bearer_refusal", None)
        if refusal is None:
            # No token at all: the challenge carries no error code (RFC 6750 §3.1).
            return bearer_challenge()
        return bearer_challenge(refusal.bearer_error, refusal.bearer_description)


class HasScope(BasePermission):
    """The view's ``required_scopes`` must all be in the token (403 insufficient_scope)."""

    def has_permission(self, request, view):
        principal = request.user
        if not isinstance(principal, ClientPrincipal):
            return False  # DRF answers 401: no bearer token was given
        required = set(getattr(view, "required_scopes", ()))
        missing = sorted(required - principal.scopes)
        if missing:
            raise InsufficientScope(
                {
                    "error": "insufficient_scope",
                    "detail": f"Mã truy cập thiếu phạm vi quyền / the token lacks the scope: "
                    f"{' '.join(missing)}",
                    "required_scopes": sorted(required),
                },
                scope=" ".join(sorted(required)),
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
