"""Market prices: entered by province officers for their province only, imported from CSV or
XLSX all-or-nothing with errors by row and column, shown to citizens per province and per
product with a small server-drawn chart."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from dantoc.audit.models import AuditEntry
from dantoc.citizens import market
from dantoc.citizens.models import MarketPrice, MarketProduct
from dantoc.core.errors import ImportRejected
from dantoc.geo.selectors import unit_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(db):
    market.products_reference_load()
    return {p.code: p for p in MarketProduct.objects.all()}


def _day(days_ago: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days_ago)


def test_a_province_officer_enters_a_price_and_entering_it_again_replaces_it(people, products):
    province = unit_get(code="08")
    for price in (15000, "15.500"):
        market.price_save(
            actor=people.province,
            province=province,
            market="Chợ Đồng Văn",
            product=products["gao-te"],
            on=_day(1),
            price=price,
        )
    row = MarketPrice.objects.get()
    assert row.price == 15500 and row.entered_by == people.province
    assert AuditEntry.objects.filter(action="citizens.price_save").count() == 2


@pytest.mark.parametrize("persona", ["other_province", "commune", "ministry", "editor"])
def test_only_the_provinces_own_officers_enter_its_prices(people, products, persona):
    with pytest.raises(PermissionDenied):
        market.price_save(
            actor=getattr(people, persona),
            province=unit_get(code="08"),
            market="Chợ",
            product=products["gao-te"],
            on=_day(1),
            price=1000,
        )
    assert not MarketPrice.objects.exists()


@pytest.mark.parametrize("price, on", [(0, 1), ("12,5", 1), ("mười", 1), (1000, -3), (10**10, 1)])
def test_bad_prices_and_dates_are_refused(people, products, price, on):
    with pytest.raises(ValidationError):
        market.price_save(
            actor=people.province,
            province=unit_get(code="08"),
            market="Chợ",
            product=products["gao-te"],
            on=_day(on),
            price=price,
        )


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Gia"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_is_imported_and_importing_it_again_duplicates_nothing(people, products):
    data = _xlsx(
        [
            ["Ngày", "Chợ", "Mã sản phẩm", "Giá"],
            [datetime.datetime.combine(_day(7), datetime.time()), "Chợ Bắc Hà", "lon-hoi", 61000],
            [_day(0).strftime("%d/%m/%Y"), "Chợ Bắc Hà", "LON-HOI", "62.000"],
        ]
    )
    province = unit_get(code="08")
    first = market.prices_import(actor=people.province, province=province, data=data)
    again = market.prices_import(actor=people.province, province=province, data=data)
    assert (first.created, again.created, again.updated) == (2, 0, 2)
    assert sorted(MarketPrice.objects.values_list("price", flat=True)) == [61000, 62000]


def test_a_file_with_errors_writes_nothing_and_says_where_they_are(people, products):
    csv = (
        "ngay;cho;ma san pham;gia\n"
        f"{_day(2):%d/%m/%Y};Chợ Bắc Hà;gao-te;16000\n"
        f"{_day(2):%d/%m/%Y};Chợ Bắc Hà;khoai-tay;9000\n"
        f"32/13/2025;;gao-te;-5\n"
        f"{_day(2):%d/%m/%Y};Chợ Bắc Hà;gao-te;16500\n"
    ).encode()
    with pytest.raises(ImportRejected) as caught:
        market.prices_import(actor=people.province, province=unit_get(code="08"), data=csv)
    where = {(e.row, e.column) for e in caught.value.errors}
    assert where == {
        (3, "mã sản phẩm"),
        (4, "ngày"),
        (4, "chợ"),
        (4, "giá"),
        (5, "ngày"),  # the same market, product and day as row 2
    }
    assert not MarketPrice.objects.exists()
    with pytest.raises(ImportRejected) as caught:
        market.prices_import(
            actor=people.province, province=unit_get(code="08"), data=b"ngay,gia\n1,2\n"
        )
    assert "Thiếu cột" in caught.value.errors[0].message
    with pytest.raises(ImportRejected):
        market.prices_import(
            actor=people.province, province=unit_get(code="08"), data=b"\xd0\xcf\x11\xe0\x00"
        )


def test_the_citizen_pages_show_latest_prices_and_a_chart(client, people, products):
    province = unit_get(code="08")
    for days, price in ((60, 60000), (30, 61000), (2, 63000)):
        market.price_save(
            actor=people.province,
            province=province,
            market="Chợ Đồng Văn",
            product=products["lon-hoi"],
            on=_day(days),
            price=price,
        )
    home = client.get("/dong-bao/gia-ca/").content.decode()
    assert "/dong-bao/gia-ca/08/" in home
    page = client.get("/dong-bao/gia-ca/08/").content.decode()
    assert "Lợn hơi" in page and "63.000" in page and "tăng 2.000" in page
    chart = client.get("/dong-bao/gia-ca/08/lon-hoi/")
    text = chart.content.decode()
    assert chart.status_code == 200 and "<svg" in text and "<polyline" in text
    # Coordinates never carry the locale's decimal comma (SVG would misplace them).
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert re.search(r'\b(x|y|x1|x2|y1|y2)="[^"]*,', svg) is None, svg
    assert client.get("/dong-bao/gia-ca/08/khong-co/").status_code == 404
    assert client.get("/dong-bao/gia-ca/00715/").status_code == 404  # a commune


def test_the_officer_page_enters_and_imports(login, people, products):
    officer = login(people.province)
    assert officer.get("/dong-bao/gia-ca/nhap/").status_code == 200
    province = unit_get(code="08")
    response = officer.post(
        "/dong-bao/gia-ca/nhap/",
        {
            "gia-province": province.pk,
            "gia-market": "Chợ Tân Trào",
            "gia-product": products["che-bup"].pk,
            "gia-on": _day(1).isoformat(),
            "gia-price": "9000",
        },
    )
    assert response.status_code == 302
    bad = SimpleUploadedFile("gia.csv", b"ngay,cho,ma_san_pham,gia\nhom qua,Cho,gao-te,1\n")
    page = officer.post(
        "/dong-bao/gia-ca/nhap/", {"tep-province": province.pk, "tep-file": bad}
    ).content.decode()
    assert "không giá nào được ghi" in page and "ngày" in page
    assert MarketPrice.objects.count() == 1
    # Another province is not in the officer's list.
    lao_cai = unit_get(code="15")
    page = officer.post(
        "/dong-bao/gia-ca/nhap/",
        {
            "gia-province": lao_cai.pk,
            "gia-market": "Chợ Bắc Hà",
            "gia-product": products["che-bup"].pk,
            "gia-on": _day(1).isoformat(),
            "gia-price": "9000",
        },
    )
    assert page.status_code == 200 and MarketPrice.objects.count() == 1


@pytest.mark.parametrize("persona, status", [("anonymous", 302), ("commune", 403), ("editor", 403)])
def test_the_officer_page_is_for_province_officers(client, login, people, persona, status):
    if persona != "anonymous":
        login(getattr(people, persona))
    assert client.get("/dong-bao/gia-ca/nhap/").status_code == status
