"""What RFC 6749 §5.2, RFC 6750 §3 and RFC 8414 say an OAuth2 server answers, checked as a
client library reads it: unsupported grants, the Basic challenge of a failed client
authentication, the Bearer challenges of a refused token or a missing scope, and the
authorization server metadata."""

from __future__ import annotations

import datetime

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata, get_well_known_url
from django.utils import timezone
from oauth2_provider.models import AccessToken

from dantoc.integration.scopes import CONTENT_READ
from dantoc.integration.tests.conftest import basic, bearer, fetch_token, make_client

pytestmark = pytest.mark.django_db

ME = "/api/integration/v1/me"
SUBSCRIPTIONS = "/api/integration/v1/webhooks/subscriptions"


def _challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="x", error="y"`` → ("bearer", {"realm": "x", "error": "y"})."""
    scheme, _space, rest = header.partition(" ")
    params = {}
    for part in rest.split(","):
        key, _eq, value = part.strip().partition("=")
        params[key] = value.strip('"')
    return scheme.lower(), params


@pytest.mark.parametrize(
    "grant",
    [
        "password",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
)
def test_a_grant_other_than_client_credentials_is_unsupported_grant_type(client, issued, grant):
    response = client.post(
        "/token",
        {"grant_type": grant, "username": "x", "password": "y", "code": "z", "refresh_token": "r"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert response["Cache-Control"] == "no-store"
    assert AccessToken.objects.count() == 0


def test_failed_basic_client_authentication_is_401_with_a_basic_challenge(client, issued):
    response = client.post(
        "/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    scheme, params = _challenge(response["WWW-Authenticate"])
    assert (scheme, params["realm"]) == ("basic", "dantoc")


def test_a_request_without_a_token_gets_a_bearer_challenge_without_an_error_code(client):
    response = client.get(ME)
    assert response.status_code == 401
    scheme, params = _challenge(response["WWW-Authenticate"])
    assert scheme == "bearer" and "error" not in params


def test_an_unknown_or_expired_token_gets_invalid_token_in_the_challenge(client, issued, token):
    unknown = client.get(ME, **bearer("made-up"))
    assert unknown.status_code == 401
    scheme, params = _challenge(unknown["WWW-Authenticate"])
    assert scheme == "bearer" and params["error"] == "invalid_token"
    assert params["error_description"]
    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    expired = client.get(ME, **bearer(token))
    assert _challenge(expired["WWW-Authenticate"])[1]["error"] == "invalid_token"
    malformed = client.get(ME, HTTP_AUTHORIZATION="Bearer two parts")
    assert _challenge(malformed["WWW-Authenticate"])[1]["error"] == "invalid_request"


def test_a_token_without_the_scope_gets_403_insufficient_scope_naming_the_scope(client, people):
    reader = make_client(people, name="Chỉ đọc", scopes=[CONTENT_READ])
    response = client.get(SUBSCRIPTIONS, **bearer(fetch_token(client, reader)))
    assert response.status_code == 403
    scheme, params = _challenge(response["WWW-Authenticate"])
    assert scheme == "bearer"
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == "webhooks"


def test_authorization_server_metadata_follows_rfc_8414(client, issued):
    issuer = "https://testserver"
    response = client.get(get_well_known_url(issuer), secure=True)
    assert response.status_code == 200
    metadata = AuthorizationServerMetadata(response.json())
    assert metadata["issuer"] == issuer
    # authlib's own checks of every member, except response_types_supported, which RFC 8414
    # requires as an array and authlib as a non-empty one: with only the client credentials
    # grant there is no authorization endpoint, hence no response type to list.
    for name in dir(metadata):
        if name.startswith("validate_") and name != "validate_response_types_supported":
            getattr(metadata, name)()
    assert metadata["response_types_supported"] == []
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["scopes_supported"]) == {"content:read", "content:write", "webhooks"}
    # The endpoints it names are the ones that work.
    token = client.post(
        metadata["token_endpoint"].removeprefix(issuer),
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
        secure=True,
    )
    assert token.status_code == 200
    introspected = client.post(
        metadata["introspection_endpoint"].removeprefix(issuer),
        {"token": token.json()["access_token"]},
        HTTP_AUTHORIZATION=basic(issued.client_id, issued.client_secret),
        secure=True,
    )
    assert introspected.json()["active"] is True


@pytest.mark.django_db(transaction=True)
def test_authlib_discovers_the_token_endpoint_and_reads_unsupported_grant_type(live, people):
    issued = make_client(people)
    metadata = requests.get(f"{live.url}/.well-known/oauth-authorization-server", timeout=10).json()
    session = AuthlibSession(issued.client_id, issued.client_secret)
    token = session.fetch_token(metadata["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    with pytest.raises(OAuthError) as refused:
        AuthlibSession(issued.client_id, issued.client_secret).fetch_token(
            metadata["token_endpoint"], grant_type="password", username="u", password="p"
        )
    assert refused.value.error == "unsupported_grant_type"
