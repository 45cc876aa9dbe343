"""The real OAuth2 client libraries that provincial systems use, against a live server:
requests-oauthlib (BackendApplicationClient) and authlib (client_secret_basic and
client_secret_post)."""

from __future__ import annotations

import pytest
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import BackendApplicationClient
from oauthlib.oauth2.rfc6749.errors import InvalidClientError
from requests_oauthlib import OAuth2Session

from dantoc.integration.tests.conftest import make_client

ME = "/api/integration/v1/me"

pytestmark = pytest.mark.engine_agnostic


@pytest.mark.django_db(transaction=True)
def test_requests_oauthlib_fetches_a_token_and_calls_the_api(live, people):
    issued = make_client(people)
    session = OAuth2Session(client=BackendApplicationClient(client_id=issued.client_id))
    token = session.fetch_token(
        token_url=f"{live.url}/token",
        client_id=issued.client_id,
        client_secret=issued.client_secret,
    )
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert set(token["scope"]) == {"content:read", "content:write", "webhooks"}
    me = session.get(f"{live.url}{ME}")
    assert me.status_code == 200
    assert me.json()["client_id"] == issued.client_id

    narrow = OAuth2Session(client=BackendApplicationClient(client_id=issued.client_id))
    token = narrow.fetch_token(
        token_url=f"{live.url}/token",
        client_id=issued.client_id,
        client_secret=issued.client_secret,
        scope=["content:read"],
    )
    assert token["scope"] == ["content:read"]
    assert narrow.get(f"{live.url}/api/integration/v1/webhooks/subscriptions").status_code == 403

    wrong = OAuth2Session(client=BackendApplicationClient(client_id=issued.client_id))
    with pytest.raises(InvalidClientError):
        wrong.fetch_token(
            token_url=f"{live.url}/token",
            client_id=issued.client_id,
            client_secret="not-the-secret",
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_fetches_a_token_with_basic_and_with_body_credentials(live, people, method):
    issued = make_client(people)
    session = AuthlibSession(
        issued.client_id,
        issued.client_secret,
        scope="content:read webhooks",
        token_endpoint_auth_method=method,
    )
    token = session.fetch_token(f"{live.url}/token", grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "content:read webhooks"
    me = session.get(f"{live.url}{ME}")
    assert me.status_code == 200 and me.json()["scopes"] == ["content:read", "webhooks"]

    # Revocation with the same library: the token stops working.
    revoked = session.revoke_token(f"{live.url}/token/revoke", token=token["access_token"])
    assert revoked.status_code == 200
    assert session.get(f"{live.url}{ME}").status_code == 401
