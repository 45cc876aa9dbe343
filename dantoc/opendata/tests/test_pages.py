"""The catalogue pages as visitors and officers use them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dantoc.opendata import services
from dantoc.opendata.models import Dataset, DatasetState, Release
from dantoc.opendata.tests.conftest import definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(people, capital, define):
    dataset = define()
    services.dataset_publish(actor=people.province, dataset=dataset)
    return dataset


def test_a_visitor_finds_a_data_set_without_typing_diacritics(client, published, define, people):
    define(name="nhap-chua-cong-bo", title="Giải ngân bản nháp")  # a draft: never listed
    response = client.get("/du-lieu-mo/", {"q": "giai ngan tuyen quang"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang năm 2026" in page
    assert "Giải ngân bản nháp" not in page
    assert "public" in response["Cache-Control"]
    empty = client.get("/du-lieu-mo/", {"q": "lâm đồng"}).content.decode()
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang" not in empty
    assert "0 bộ dữ liệu" in empty


def test_facets_filter_by_publisher_theme_and_province(client, published):
    page = client.get("/du-lieu-mo/", {"province": "08"}).content.decode()
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang" in page
    assert "Tỉnh Tuyên Quang" in page  # the province facet's label
    page = client.get("/du-lieu-mo/", {"groups": "soci"}).content.decode()
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang" not in page
    page = client.get("/du-lieu-mo/", {"year": "2026", "res_format": "CSV"}).content.decode()
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang" in page


def test_the_catalogue_page_makes_the_same_number_of_queries_for_many_data_sets(
    client, people, capital, define
):
    for n in range(2):
        services.dataset_publish(actor=people.province, dataset=define(name=f"bo-{n}"))
    with CaptureQueriesContext(connection) as few:
        client.get("/du-lieu-mo/")
    for n in range(2, 6):
        services.dataset_publish(actor=people.province, dataset=define(name=f"bo-{n}"))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/du-lieu-mo/").content.decode().count('class="card od-item"') == 6
    assert len(many) == len(few)


def test_the_data_set_page_shows_a_preview_a_chart_and_stable_downloads(client, published):
    response = client.get(f"/du-lieu-mo/{published.name}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in page and "Tỉnh Tuyên Quang" in page
    assert f"/du-lieu-mo/{published.name}/phien-ban/1/{published.name}-v1.csv" in page
    csv = client.get(f"/du-lieu-mo/{published.name}/phien-ban/1/{published.name}-v1.csv")
    assert csv.status_code == 200
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(csv.streaming_content).decode("utf-8")
    assert body.startswith("indicator,indicator_name,period")
    assert "immutable" in csv["Cache-Control"]
    again = client.get(
        f"/du-lieu-mo/{published.name}/phien-ban/1/{published.name}-v1.csv",
        HTTP_IF_NONE_MATCH=csv["ETag"],
    )
    assert again.status_code == 304
    latest = client.get(f"/du-lieu-mo/{published.name}/tai-ve.xlsx")
    assert latest.status_code == 302
    assert latest["Location"].endswith(f"/phien-ban/1/{published.name}-v1.xlsx")
    assert client.get(f"/du-lieu-mo/{published.name}/phien-ban/1/khac-v1.csv").status_code == 404
    assert (
        client.get(f"/du-lieu-mo/{published.name}/phien-ban/9/{published.name}-v9.csv").status_code
        == 404
    )


def test_a_draft_is_hidden_from_visitors_and_other_provinces(client, login, people, define):
    draft = define(name="ban-nhap")
    assert client.get(f"/du-lieu-mo/{draft.name}/").status_code == 404
    other = login(people.other_province)
    assert other.get(f"/du-lieu-mo/{draft.name}/").status_code == 404
    owner = login(people.province)
    assert owner.get(f"/du-lieu-mo/{draft.name}/").status_code == 200


def test_an_officer_defines_and_publishes_a_data_set_through_the_pages(login, people, capital):
    client = login(people.province)
    data = definition()
    form = {
        "name": data.name, "title": data.title, "title_en": data.title_en,
        "description": data.description, "description_en": data.description_en,
        "indicators": data.indicators, "periods": "2026Q3", "units": "08, 00715",
        "theme": "ECON", "keywords": "vốn, giải ngân", "licence": "cc-by",
        "frequency": "QUARTERLY", "contact_name": data.contact_name,
        "contact_email": data.contact_email,
    }  # fmt: skip
    response = client.post("/quan-ly/du-lieu-mo/moi/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    dataset = Dataset.objects.get(name=data.name)
    assert dataset.state == DatasetState.DRAFT and dataset.publisher == people.province.unit
    assert sorted(k.name for k in dataset.keywords.all()) == ["giải ngân", "vốn"]
    response = client.post(f"/quan-ly/du-lieu-mo/{data.name}/cong-bo/")
    assert response.status_code == 302
    assert Release.objects.filter(dataset=dataset, version=1).exists()


def test_a_definition_outside_the_publishers_scope_is_refused_and_named(login, people):
    client = login(people.province)
    data = definition()
    form = {
        "name": "vuot-pham-vi", "title": data.title, "title_en": data.title_en,
        "description": data.description, "description_en": data.description_en,
        "indicators": ["VON_KH"], "periods": "2026Q3, 2026Q9", "units": "08, 15",
        "theme": "ECON", "licence": "cc-by", "frequency": "QUARTERLY",
        "contact_name": data.contact_name, "contact_email": data.contact_email,
    }  # fmt: skip
    response = client.post("/quan-ly/du-lieu-mo/moi/", form)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đơn vị ngoài phạm vi của cơ quan công bố: 15" in page
    assert "Kỳ không hợp lệ: “2026Q9”" in page
    assert not Dataset.objects.filter(name="vuot-pham-vi").exists()


@pytest.mark.parametrize("persona", ["commune", "editor", "other_province"])
def test_only_publishers_of_the_unit_may_manage_its_data_sets(login, people, published, persona):
    client = login(getattr(people, persona))
    before = Release.objects.count()
    if persona == "other_province":
        assert client.get("/quan-ly/du-lieu-mo/").status_code == 200
        assert published.name not in client.get("/quan-ly/du-lieu-mo/").content.decode()
        assert client.post(f"/quan-ly/du-lieu-mo/{published.name}/cap-nhat/").status_code == 404
        response = client.post(f"/quan-ly/du-lieu-mo/{published.name}/ngung/", {"reason": "x"})
        assert response.status_code == 404
    else:
        assert client.get("/quan-ly/du-lieu-mo/").status_code == 403
        assert (
            client.post(f"/quan-ly/du-lieu-mo/{published.name}/ngung/", {"reason": "x"}).status_code
            == 403
        )
    published.refresh_from_db()
    assert published.state == DatasetState.PUBLISHED
    assert Release.objects.count() == before


def test_a_withdrawn_data_set_leaves_the_catalogue_but_its_files_stay(
    client, login, people, published
):
    officer = login(people.province)
    response = officer.post(f"/quan-ly/du-lieu-mo/{published.name}/ngung/", {"reason": "Sai sót"})
    assert response.status_code == 302
    assert "Vốn Chương trình 1719" not in client.get("/du-lieu-mo/").content.decode()
    page = client.get(f"/du-lieu-mo/{published.name}/").content.decode()
    assert "đã ngừng công bố" in page
    url = f"/du-lieu-mo/{published.name}/phien-ban/1/{published.name}-v1.json"
    assert client.get(url).status_code == 200


def test_linked_data_clients_get_the_dcat_record_from_the_data_set_page(client, published):
    import rdflib

    response = client.get(f"/du-lieu-mo/{published.name}/", HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.content.decode(), format="turtle")
    titles = {str(o) for o in graph.objects(None, rdflib.DCTERMS.title)}
    assert "Vốn Chương trình 1719 tỉnh Tuyên Quang năm 2026" in titles
    page = client.get(f"/du-lieu-mo/{published.name}/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert page["Content-Type"].startswith("text/html")
