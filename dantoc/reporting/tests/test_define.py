"""Ministry officers define indicators, report forms and period types as data."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.audit.models import AuditEntry
from dantoc.indicators.models import Indicator
from dantoc.reporting.models import PeriodType, ReportForm

pytestmark = pytest.mark.django_db


def definition(**changes):
    base = {
        "code": "BM99-TEST",
        "name": "Biểu thử: số lớp học xoá mù chữ",
        "period_type": "nam",
        "reporting_level": "commune",
        "deadlines": {"commune": 15, "province": 30},
        "sections": [
            {
                "code": "A",
                "title": "Lớp xoá mù chữ",
                "columns": [
                    {"code": "SO", "label": "Số hộ", "indicator": "DA1_HO_NHA_O", "options": {}}
                ],
                "rows": [{"code": "DT08", "label": "H'Mông", "options": {"DAN_TOC": "08"}}],
            }
        ],
        "rules": [],
    }
    base.update(changes)
    return base


def upload(client, data):
    raw = json.dumps(data, ensure_ascii=False).encode()
    return client.post(
        "/reporting/forms/new/",
        {"definition": SimpleUploadedFile("bm.json", raw, "application/json")},
    )


def test_ministry_officer_uploads_a_form_checks_it_and_publishes_it(people, login):
    client = login(people.ministry)
    response = upload(client, definition())
    assert response.status_code == 302
    form = ReportForm.objects.get(code="BM99-TEST")
    assert (form.version, form.status) == (1, "draft")
    page = client.get(response["Location"]).content.decode()
    assert "DA1_HO_NHA_O" in page and "Áp dụng phiên bản này" in page
    client.post("/reporting/forms/BM99-TEST/v1/publish")
    form.refresh_from_db()
    assert form.status == "active"
    assert AuditEntry.objects.filter(
        action="reporting.form_publish", actor=people.ministry
    ).exists()


def test_a_form_with_mistakes_is_refused_with_where_they_are(people, login):
    client = login(people.ministry)
    bad = definition()
    bad["sections"][0]["rows"].append({"code": "X", "label": "?", "options": {"DAN_TOC": "99"}})
    bad["sections"][0]["columns"].append(
        {"code": "Y", "label": "?", "indicator": "KHONG_CO", "options": {}}
    )
    response = upload(client, bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "không có mục DAN_TOC=99" in html and "không có chỉ tiêu &#x27;KHONG_CO&#x27;" in html
    assert not ReportForm.objects.filter(code="BM99-TEST").exists()
    broken = client.post(
        "/reporting/forms/new/",
        {"definition": SimpleUploadedFile("x.json", b"{not json", "application/json")},
    )
    assert "không phải JSON hợp lệ" in broken.content.decode()


@pytest.mark.parametrize("persona", ["commune", "province", "editor"])
def test_only_ministry_officers_define_forms(people, login, persona):
    client = login(getattr(people, persona))
    assert upload(client, definition()).status_code == 403
    assert client.post("/reporting/indicators/new/", {"code": "X"}).status_code == 403
    assert not ReportForm.objects.filter(code="BM99-TEST").exists()


def test_ministry_officer_defines_an_indicator_and_cannot_change_categories_once_used(
    people, login
):
    from dantoc.indicators.models import Category

    client = login(people.ministry)
    sex = Category.objects.get(code="GIOI_TINH")
    response = client.post(
        "/reporting/indicators/new/",
        {
            "code": "DA5_HOC_VIEN",
            "name": "Số học viên được đào tạo nghề",
            "unit_of_measure": "người",
            "value_type": "integer",
            "aggregation": "sum",
            "categories": [sex.pk],
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="DA5_HOC_VIEN")
    assert list(indicator.categories.values_list("code", flat=True)) == ["GIOI_TINH"]
    assert AuditEntry.objects.filter(action="indicators.indicator_create").exists()
    used = Indicator.objects.get(code="VON_KH")
    from dantoc.geo.selectors import unit_get
    from dantoc.reporting.models import DataValue, Period

    period = Period.objects.create(
        period_type=PeriodType.objects.get(code="quy"),
        code="2026Q3",
        start_date="2026-07-01",
        end_date="2026-09-30",
    )
    DataValue.objects.create(
        indicator=used, unit=unit_get(code="00715"), period=period, options_key="x", value="1"
    )
    response = client.post(
        "/reporting/indicators/VON_KH/edit/",
        {
            "code": "VON_KH",
            "name": used.name,
            "value_type": "number",
            "aggregation": "sum",
            "categories": [sex.pk],
        },
    )
    assert response.status_code == 200
    assert "không thể đổi nhóm phân tổ" in response.content.decode()
    assert set(used.categories.values_list("code", flat=True)) == {"DU_AN", "NGUON_VON", "LOAI_VON"}


def test_a_period_type_with_a_cut_off_day_is_added_without_code(people, login):
    client = login(people.ministry)
    response = client.post(
        "/reporting/period-types/",
        {
            "code": "6thang_chot15",
            "name": "6 tháng (chốt ngày 14)",
            "kind": "semester",
            "cutoff_day": 15,
        },
    )
    assert response.status_code == 302
    page = client.get("/reporting/period-types/").content.decode()
    assert "6thang_chot15" in page
    bad = client.post(
        "/reporting/period-types/",
        {"code": "x", "name": "x", "kind": "cumulative", "cutoff_day": 40},
    )
    assert bad.status_code == 200 and not PeriodType.objects.filter(code="x").exists()


def test_form_page_shows_the_legal_basis_and_the_drafting_note_only_to_definers(people, login):
    form = ReportForm.objects.get(code="BM01-VON", status="active")
    url = f"/reporting/forms/{form.code}/v{form.version}/"
    assert form.legal_basis.startswith("Quyết định số 552/QĐ-BDTTG")
    assert "dantoc đề xuất" in form.maintainer_note
    officer_page = login(people.province).get(url).content.decode()
    assert "Quyết định số 552/QĐ-BDTTG" in officer_page
    assert "dantoc đề xuất" not in officer_page
    definer_page = login(people.ministry).get(url).content.decode()
    assert "Ghi chú biên soạn" in definer_page and "dantoc đề xuất" in definer_page


def test_a_maintainers_note_is_kept_apart_from_the_legal_basis(people):
    from dantoc.reporting.services import form_define

    form, _created = form_define(
        definition=definition(legal_basis="Thông tư 01/2022/TT-UBDT", maintainer_note="Xem lại"),
        actor=people.ministry,
    )
    assert (form.legal_basis, form.maintainer_note) == ("Thông tư 01/2022/TT-UBDT", "Xem lại")
