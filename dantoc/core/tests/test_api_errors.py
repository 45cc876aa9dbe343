"""Errors of the APIs keep the contract (issue 14): every error an API gives is documented in
the OpenAPI schema with its body, is JSON in that API's own error shape (never an HTML page),
and a parameter the schema types is checked rather than silently replaced by a default."""

from __future__ import annotations

import base64

import pytest
import yaml
from django.conf import settings

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

WEB_MESSAGE = {"httpStatus", "httpStatusCode", "status", "message"}  # DHIS2


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture(scope="module")
def schema():
    with open(settings.BASE_DIR / "docs" / "openapi.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


# --- the schema documents the error answers ------------------------------------------------


def test_the_schema_documents_400_401_403_404_with_their_bodies(schema):
    paths = schema["paths"]

    def body(path, method, code):
        content = paths[path][method]["responses"][code]["content"]["application/json"]
        return content["schema"]["$ref"].rsplit("/", 1)[1]

    assert body("/api/v1/units/{code}/", "get", "404") == "Error"
    assert body("/api/v1/units/{code}/", "get", "400") == "ValidationError"
    assert body("/api/v1/users/{id}/", "get", "403") == "Error"
    assert body("/api/v1/audit-entries/", "get", "403") == "Error"
    assert body("/api/integration/v1/me", "get", "401") == "ApiError"
    assert body("/api/dataValueSets", "post", "401") == "ErrorMessageSchema"
    assert body("/api/dataValueSets", "post", "429") == "ErrorMessageSchema"
    assert body("/api/analytics", "get", "403") == "ErrorMessageSchema"
    assert body("/api/analytics", "get", "400") == "ErrorMessageSchema"
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_every_api_operation_with_a_path_parameter_documents_its_404(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        if path.startswith("/api/") and "{" in path
        for method, operation in item.items()
        if "404" not in operation["responses"]
    ]
    assert missing == []


# --- one error shape per API, never a page ---------------------------------------------------


def test_analytics_refuses_a_visitor_with_a_dhis2_web_message_like_its_other_errors(client):
    response = client.get("/api/analytics", {"dimension": "dx:VON_KH"})
    assert response.status_code == 403
    assert set(response.json()) >= WEB_MESSAGE
    assert response.json()["httpStatusCode"] == 403


def test_analytics_answers_wrong_basic_credentials_with_a_web_message(client, people):
    response = client.get("/api/analytics", {"dimension": "dx:VON_KH"}, **basic("xa.lungcu", "x"))
    assert response.status_code == 403
    assert set(response.json()) >= WEB_MESSAGE


def test_an_api_address_no_route_matches_is_a_json_404_not_a_page(client, people):
    for path in ("/api/v1/users/abc/", "/api/integration/v1/submissions/not-a-uuid"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
    assert "<html" in client.get("/khong-co-trang-nay/").content.decode()  # pages stay pages


def test_a_nul_in_an_api_request_is_a_400_in_that_apis_own_error_body(client):
    plain = client.get("/api/v1/units/", {"q": "a\x00b"})
    assert plain.status_code == 400 and "detail" in plain.json()
    dhis2 = client.get("/api/dataValueSets", {"dataSet": "a\x00b"})
    assert dhis2.status_code == 400 and set(dhis2.json()) >= WEB_MESSAGE
    oauth = client.get("/token", {"x": "\x00"})
    assert oauth.status_code == 400 and oauth.json()["error"] == "invalid_request"


def test_wrong_basic_credentials_on_a_csv_import_are_a_401_not_a_415(client, people):
    response = client.post(
        "/api/dataValueSets",
        b"dataelement,period,orgunit,value\n",
        content_type="text/csv",
        **basic("xa.lungcu", "sai-mat-khau"),
    )
    assert response.status_code == 401
    assert set(response.json()) >= WEB_MESSAGE


def test_a_locked_out_account_gets_the_apis_error_body_and_retry_after(client, people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.get("/api/dataValueSets", **basic("xa.lungcu", "sai"))
    response = client.get("/api/dataValueSets", **basic("xa.lungcu", PASSWORD))
    assert response.status_code == 429
    assert response.json()["httpStatusCode"] == 429
    assert int(response["Retry-After"]) > 0
    page = client.post("/accounts/login/", {"username": "xa.lungcu", "password": PASSWORD})
    assert page.status_code == 429 and "tạm bị khoá" in page.content.decode()


# --- typed parameters are checked ------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["", "30-06-2025", "hôm qua"])
def test_an_empty_or_malformed_as_of_is_a_400(client, as_of):
    for path in ("/api/v1/units/", "/api/v1/units/08/"):
        response = client.get(path, {"as_of": as_of})
        assert response.status_code == 400
        assert "as_of" in response.json()


@pytest.mark.parametrize("query", [{"offset": "abc"}, {"offset": "-1"}, {"limit": "0"}])
def test_a_limit_or_offset_that_is_not_a_natural_number_is_a_400(client, query):
    response = client.get("/api/v1/units/", query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_an_empty_level_is_a_400_not_every_level(client):
    assert client.get("/api/v1/units/", {"level": ""}).status_code == 400


def test_unread_must_be_true_or_false(login, people):
    browser = login(people.commune)
    assert browser.get("/api/v1/notifications/", {"unread": "true"}).status_code == 200
    assert browser.get("/api/v1/notifications/", {"unread": "maybe"}).status_code == 400


def test_an_unknown_format_in_the_query_string_is_ignored_not_a_404(login, people):
    browser = login(people.commune)
    response = browser.get("/api/v1/me/", {"format": "AAA"})
    assert response.status_code == 200
    assert response.json()["username"] == "xa.lungcu"


def test_every_ckan_action_checks_the_typed_parameters(client):
    response = client.get("/api/3/action/status_show", {"rows": "nhieu"})
    assert response.status_code == 409
    assert response.json()["error"]["rows"] == ["Invalid integer"]
    response = client.get("/api/3/action/status_show", {"all_fields": "co le"})
    assert response.status_code == 409
    assert client.get("/api/3/action/status_show", {"rows": "10"}).status_code == 200


def test_an_empty_modified_since_is_a_400_for_the_dcat_catalogue(client):
    response = client.get("/catalog.ttl", {"modified_since": ""})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
