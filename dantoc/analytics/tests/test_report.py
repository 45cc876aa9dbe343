"""The aggregate report (báo cáo tổng hợp): figures entered, submitted and approved through the
reporting services come out of the PDF and the XLSX as an official document, approved figures
only unless an official with the scope asks for the others too (and then they are marked)."""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dantoc.analytics.reports import aggregate_report
from dantoc.geo.selectors import unit_get
from dantoc.reporting import services
from dantoc.reporting.models import DataValue
from dantoc.reporting.tests.conftest import cell_keys, q3, today, von  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

PAGE = "/analytics/report/"
PDF = "/analytics/report.pdf"
XLSX = "/analytics/report.xlsx"
Q3_PROVINCE = {"form": "BM01-VON", "period": "2026Q3", "unit": "08"}
DATE_LINE = "Tuyên Quang, ngày 05 tháng 10 năm 2026"
ABSTRACT = (
    "Tổng hợp kết quả thực hiện Chương trình MTQG 1719 (kế hoạch vốn và giải ngân vốn) "
    "kỳ quý III/2026"
)
PERSONAS = ["commune", "other_commune", "province", "other_province", "ministry", "admin", "editor"]

# Lũng Cú (approved): 1.234,5 allocated to Project 1 from the central budget, 493,8 disbursed
# (40 %). Ngọc Đường (submitted, not approved): 8.765,4 allocated to Project 2, local budget.
APPROVED = {"VON_KH/DA1/DTPT/TW": "1234,5", "VON_GN/DA1/DTPT/TW": "493,8"}
UNAPPROVED = {"VON_KH/DA2/SN/DP": "8765,4", "VON_GN/DA2/SN/DP": "12,5"}


def _enter(user, form, period, values: dict[str, str]) -> None:
    inputs = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(form, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        inputs.append(services.CellInput(key, value))
    services.datavalues_save(
        actor=user, form=form, unit=user.unit, period=period, inputs=inputs, source="web"
    )


@pytest.fixture
def reported(people, today, von, q3):  # noqa: F811
    """Lũng Cú's Q3 report approved by the province; Ngọc Đường's submitted, not approved."""
    _enter(people.commune, von, q3, APPROVED)
    submission = services.submission_submit(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3
    )
    services.submission_approve(actor=people.province, submission=submission)
    _enter(people.other_commune, von, q3, UNAPPROVED)
    services.submission_submit(
        actor=people.other_commune, form=von, unit=people.other_commune.unit, period=q3
    )
    return people


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_text(content: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def xlsx_numbers(content: bytes) -> list[float]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [
        v
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]


def test_province_report_pdf_is_an_official_document_with_the_approved_figures(reported, login):
    client = login(reported.province)
    response = client.get(PDF, Q3_PROVINCE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-tong-hop-BM01-VON-2026Q3-08.pdf"'
    )
    text = pdf_text(response.content)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "Số: /BC-UBND",
        DATE_LINE,
        "BÁO CÁO",
        ABSTRACT,
        "Đơn vị tính: triệu đồng",
        # The total column counts every source, and says so.
        "gồm cả vốn lồng ghép và vốn huy động hợp pháp khác",
        # The summary sentence and the tables, the Vietnamese way.
        "Tổng kế hoạch vốn được giao là 1.234,5 triệu đồng; đã giải ngân 493,8 triệu đồng, "
        "đạt 40% kế hoạch.",
        "Xã Lũng Cú 1.234,5 1.234,5 493,8 493,8 40 40",
        "Số liệu tổng hợp từ các báo cáo đã được duyệt, cập nhật đến",
        "- Bộ Dân tộc và Tôn giáo (để báo cáo);",
        "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
    ):
        assert expected in text, expected
    assert re.search(r"cập nhật đến \d\d:\d\d ngày \d\d/\d\d/2\d{3}", text)
    # The commune whose report is not approved counts for nothing, and nothing is marked.
    assert "8.765,4" not in text and "12,5" not in text
    assert "Xã Ngọc Đường" in text and "Ngọc Đường *" not in text
    assert "chưa duyệt" not in text


def test_unapproved_figures_are_included_only_on_request_and_marked(reported, login):
    client = login(reported.province)
    response = client.get(PDF, {**Q3_PROVINCE, "unapproved": "1"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "8.765,4" in text and "1.234,5" in text
    assert "Xã Ngọc Đường *" in text  # the commune row with unapproved figures
    assert "Xã Lũng Cú *" not in text  # approved only: not marked
    assert "gồm cả số liệu chưa duyệt" in text
    assert "dòng đánh dấu * có số liệu chưa duyệt" in text
    assert "TỔNG CỘNG *" in text


def test_xlsx_holds_the_same_figures_as_numbers(reported, login):
    client = login(reported.province)
    response = client.get(XLSX, Q3_PROVINCE)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-tong-hop-BM01-VON-2026Q3-08.xlsx"'
    )
    numbers = xlsx_numbers(response.content)
    assert 1234.5 in numbers and 493.8 in numbers and 40 in numbers
    assert 8765.4 not in numbers
    sheet = load_workbook(io.BytesIO(response.content)).active
    texts = {v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and DATE_LINE in texts

    with_unapproved = xlsx_numbers(client.get(XLSX, {**Q3_PROVINCE, "unapproved": "1"}).content)
    assert 8765.4 in with_unapproved and 1234.5 in with_unapproved


def test_country_report_is_issued_by_the_ministry_and_lists_the_provinces(reported, login):
    client = login(reported.ministry)
    response = client.get(PDF, {"form": "BM01-VON", "period": "2026Q3", "unit": "VN"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('bao-cao-tong-hop-BM01-VON-2026Q3-VN.pdf"')
    text = pdf_text(response.content)
    for expected in (
        "BỘ DÂN TỘC VÀ TÔN GIÁO",
        "Số: /BC-BDTTG",
        "Hà Nội, ngày 05 tháng 10 năm 2026",
        "Biểu 2. Kế hoạch vốn và giải ngân theo tỉnh, thành phố",
        "Tỉnh Tuyên Quang 1.234,5",
        "- Thủ tướng Chính phủ (để báo cáo);",
        "KT. BỘ TRƯỞNG",
        "THỨ TRƯỞNG",
    ):
        assert expected in text, expected
    assert "8.765,4" not in text
    assert "ỦY BAN NHÂN DÂN" not in text


def test_commune_report_has_no_table_of_units_below(reported):
    doc = aggregate_report(
        form_code="BM01-VON",
        unit=unit_get(code="00715"),
        period_code="2026Q3",
        actor=reported.commune,
    )
    assert doc.issuer == "ỦY BAN NHÂN DÂN XÃ LŨNG CÚ"
    assert doc.place == "Lũng Cú"  # Decree 30: the commune's own name
    assert doc.recipients[0] == "UBND tỉnh Tuyên Quang (để báo cáo)"
    assert [t.caption for t in doc.tables] == [
        "Biểu 1. Kế hoạch vốn và giải ngân theo dự án thành phần"
    ]
    total, project_1 = doc.tables[0].rows[:2]
    assert total.total and total.cells[2:4] == [Decimal("1234.5"), Decimal("1234.5")]
    assert project_1.cells[0] == "1" and project_1.cells[1].startswith("Dự án 1: ")


def test_the_page_previews_the_report_and_links_the_downloads(reported, login):
    client = login(reported.province)
    first = client.get(PAGE)
    assert first.status_code == 200
    html = first.content.decode()
    # Defaults: the capital form, the period open for reporting, the officer's province.
    assert 'value="2026Q3"' in html and 'value="Tỉnh Tuyên Quang (08)"' in html
    assert 'name="unapproved"' in html  # the province's own scope
    page = client.get(PAGE, Q3_PROVINCE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG" in html and DATE_LINE in html
    assert "1.234,5" in html and "8.765,4" not in html
    # The downloads are made in the background (a form posting to the generator).
    assert 'action="/analytics/report/generate"' in html
    assert 'name="format" value="pdf"' in html and 'name="unit" value="08"' in html
    # Outside the officer's scope the box for unapproved figures is not offered.
    other = client.get(PAGE, {**Q3_PROVINCE, "unit": "15"}).content.decode()
    assert 'name="unapproved"' not in other


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026Q5"}, "Kỳ báo cáo không hợp lệ"),
        ({"period": "2026S1"}, "Kỳ báo cáo không hợp lệ cho biểu BM01-VON"),
        ({"period": "2031Q1"}, "chưa bắt đầu"),
        ({"unit": "99999"}, "Không có đơn vị mã “99999”"),
        ({"form": "KHONG-CO"}, "Không có biểu mẫu mã “KHONG-CO”"),
    ],
)
def test_a_bad_request_gets_the_page_back_with_the_reason(people, login, today, params, message):  # noqa: F811
    client = login(people.province)
    for url in (PAGE, PDF, XLSX):
        response = client.get(url, {**Q3_PROVINCE, **params})
        assert response.status_code == 400, url
        assert response["Content-Type"].startswith("text/html")
        assert message in response.content.decode(), url


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_officials_who_take_part_in_reporting_get_the_report(reported, login, persona):
    client = login(getattr(reported, persona))
    allowed = persona != "editor"
    for url in (PAGE, PDF, XLSX):
        response = client.get(url, Q3_PROVINCE)
        assert response.status_code == (200 if allowed else 403), (persona, url)
    assert DataValue.objects.filter(period__code="2026Q3").count() == 4  # nothing changed


@pytest.mark.parametrize(
    ("persona", "unit", "status"),
    [
        ("commune", "08", 403),  # a commune officer: not the whole province
        ("commune", "00715", 200),  # their own commune
        ("other_province", "08", 403),
        ("province", "15", 403),
        ("province", "08", 200),
        ("ministry", "08", 200),
    ],
)
def test_unapproved_figures_only_within_the_users_scope(reported, login, persona, unit, status):
    client = login(getattr(reported, persona))
    for url in (PAGE, PDF, XLSX):
        params = {**Q3_PROVINCE, "unit": unit, "unapproved": "1"}
        assert client.get(url, params).status_code == status, url


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PDF, Q3_PROVINCE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_official_report_cites_the_legal_basis_and_never_the_maintainers_note(reported, login):
    client = login(reported.province)
    for url in (PDF, PAGE):
        response = client.get(url, Q3_PROVINCE)
        text = pdf_text(response.content) if url == PDF else flat(response.content.decode())
        assert "dantoc đề xuất" not in text, url
        assert "cần đối chiếu" not in text, url
    assert "căn cứ: Quyết định số 552/QĐ-BDTTG ngày 18/8/2025" in pdf_text(
        client.get(PDF, Q3_PROVINCE).content
    )
