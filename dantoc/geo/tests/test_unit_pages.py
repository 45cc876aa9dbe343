import pytest

pytestmark = pytest.mark.django_db


def test_unit_index_shows_34_provinces_today_and_63_before_the_reform(client):
    today = client.get("/units/").content.decode()
    before = client.get("/units/", {"as_of": "2025-06-30"}).content.decode()
    assert "Tỉnh, thành phố" in today
    assert today.count('href="/units/') - before.count('href="/units/') == 34 - 63


def test_unit_page_shows_code_type_parent_chain_validity_and_predecessors(client):
    html = client.get("/units/00715/").content.decode()
    assert "Xã Lũng Cú" in html
    assert "00715" in html
    assert "Tỉnh Tuyên Quang" in html  # parent
    assert "01/07/2025" in html  # valid from, dd/mm/yyyy
    assert "Hình thành từ" in html


def test_old_unit_page_shows_it_ended_and_where_it_went(client):
    html = client.get("/units/02/").content.decode()
    assert "Tỉnh Hà Giang" in html
    assert "30/06/2025" in html
    assert "Từ 01/07/2025 thuộc về" in html
    assert "Huyện Đồng Văn" in html  # its districts, as they stood


def test_unknown_unit_is_a_404_page_in_vietnamese(client):
    response = client.get("/units/99999/")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.content.decode()


def test_search_page_finds_units_typed_without_diacritics(client):
    html = client.get("/units/", {"q": "ha giang", "as_of": "2025-06-30"}).content.decode()
    assert "Tỉnh Hà Giang" in html


def test_ethnic_group_page_names_the_code_list_it_uses(client):
    html = client.get("/ethnic-groups/").content.decode()
    assert "1019/QĐ-TCTK" in html
    assert "Khơ-me" in html


def test_programme_page_lists_projects(client):
    html = client.get("/programmes/CTMTQG-1719/").content.decode()
    assert "DA10" in html and "DA3.2" in html
