import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_api_lists_63_provinces_before_and_34_after_the_reform(client):
    before = client.get("/api/v1/units/", {"as_of": "2025-06-30", "level": "province"}).json()
    after = client.get("/api/v1/units/", {"as_of": "2025-07-01", "level": "province"}).json()
    assert before["count"] == 63
    assert after["count"] == 34
    assert "Tỉnh Hà Giang" in [u["name"] for u in before["results"]]
    assert "Tỉnh Hà Giang" not in [u["name"] for u in after["results"]]


def test_children_of_a_province_follow_the_hierarchy_of_the_day(client):
    before = client.get("/api/v1/units/", {"as_of": "2025-06-30", "parent": "08"}).json()
    after = client.get("/api/v1/units/", {"as_of": "2025-07-01", "parent": "08"}).json()
    assert {u["level"] for u in before["results"]} == {"district"}
    assert {u["level"] for u in after["results"]} == {"commune"}


def test_unit_detail_as_of_picks_the_unit_in_force_that_day(client):
    old = client.get("/api/v1/units/08/", {"as_of": "2025-06-30"}).json()
    new = client.get("/api/v1/units/08/", {"as_of": "2025-07-01"}).json()
    assert old["valid_to"] == "2025-06-30" and old["valid_from"] is None
    assert new["valid_from"] == "2025-07-01" and new["valid_to"] is None
    assert [s["unit"]["code"] for s in old["successors"]] == ["08"]
    assert sorted(p["unit"]["code"] for p in new["predecessors"]) == ["02", "08"]
    assert [a["code"] for a in new["ancestors"]] == ["VN"]


def test_an_abolished_province_is_still_found_and_points_to_its_successor(client):
    body = client.get("/api/v1/units/02/").json()
    assert body["name"] == "Tỉnh Hà Giang"
    assert body["valid_to"] == "2025-06-30"
    assert [s["unit"]["name"] for s in body["successors"]] == ["Tỉnh Tuyên Quang"]
    assert client.get("/api/v1/units/02/", {"as_of": "2025-07-01"}).status_code == 404


def test_a_commune_shows_its_parent_chain(client):
    body = client.get("/api/v1/units/00715/", {"as_of": "2025-06-30"}).json()
    assert [a["code"] for a in body["ancestors"]] == ["VN", "02", "026"]


def test_a_malformed_date_is_a_clear_400(client):
    response = client.get("/api/v1/units/", {"as_of": "30-06-2025x"})
    assert response.status_code == 400
    assert "as_of" in response.json()
    assert client.get("/api/v1/units/", {"level": "village"}).status_code == 400


def test_unit_search_ignores_diacritics(client):
    body = client.get("/api/v1/units/", {"q": "lung cu", "as_of": "2025-07-01"}).json()
    assert "Xã Lũng Cú" in [u["name"] for u in body["results"]]


def test_unit_list_uses_a_constant_number_of_queries(client):
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/units/", {"as_of": "2025-07-01", "level": "province", "limit": 5})
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/units/", {"as_of": "2025-07-01", "level": "commune", "limit": 500})
    assert len(many) == len(few) <= 4


def test_unit_detail_uses_a_constant_number_of_queries(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/units/31078/")
    assert len(queries) <= 8


def test_ethnic_groups_api_returns_both_code_lists(client):
    body = client.get("/api/v1/ethnic-groups/").json()
    assert len(body) == 54
    hmong = next(g for g in body if g["name"] == "Mông")
    assert hmong["code"] == "08" and "H'Mông" in hmong["other_names"]


def test_programme_api_returns_the_project_tree(client):
    body = client.get("/api/v1/programmes/CTMTQG-1719/").json()
    assert [c["code"] for c in body["components"]] == [f"DA{i}" for i in range(1, 11)]
    da9 = body["components"][8]
    assert [c["code"] for c in da9["children"]] == ["DA9.1", "DA9.2"]
    assert client.get("/api/v1/programmes/NOPE/").status_code == 404
