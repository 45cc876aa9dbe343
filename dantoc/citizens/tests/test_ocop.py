"""OCOP products: entered by a province's officers, published by a second officer; the
product page carries schema.org Product + Offer with the OCOP stars as a Certification (read
back with extruct, as search engines and shops would), never as customers' ratings."""

from __future__ import annotations

import datetime
import io

import extruct
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import PASSWORD
from dantoc.citizens import ocop
from dantoc.citizens.models import OcopProduct
from dantoc.editorial import services as editorial
from dantoc.geo.selectors import unit_get
from dantoc.media.processing import asset_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def second_officer(db):
    from dantoc.accounts.services import user_create

    return user_create(
        actor=None,
        username="tinh.tuyenquang.hai",
        password=PASSWORD,
        unit=unit_get(code="08"),
        roles=["province_officer"],
        full_name="Cán bộ tỉnh thứ hai",
        check_password=False,
    )


def _jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (40, 120, 60)).save(out, "JPEG")
    return SimpleUploadedFile("che.jpg", out.getvalue())


def _product(actor, **extra):
    values = {
        "unit": unit_get(code="08"),
        "commune": unit_get(code="00715"),
        "name": "Chè Shan tuyết",
        "group": "do-uong",
        "producer": "HTX chè Lũng Cú",
        "description": "Chè búp hái tay.",
        "stars": 4,
        "certificate_number": "123/QĐ-UBND",
        "certified_on": datetime.date(2025, 3, 1),
        "expires_on": datetime.date(2028, 3, 1),
        "price": 350000,
        "price_unit": "hộp 200 g",
        "how_to_buy": "Gọi 0200 000 000",
    }
    values.update(extra)
    return ocop.product_save(actor=actor, product=None, **values)


def test_the_product_page_says_the_stars_are_a_certification_in_schema_org(
    client, people, second_officer
):
    product = _product(people.province)
    photo = ocop.photo_add(
        actor=people.province, product=product, file=_jpeg(), alt="Hộp chè", process=False
    )
    asset_process(asset_id=photo.asset_id)
    editorial.content_submit_for_review(actor=people.province, item=product)
    with pytest.raises(PermissionDenied):
        editorial.content_publish(actor=people.province, item=product)
    editorial.content_publish(actor=second_officer, item=product)
    product.refresh_from_db()
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    found = extruct.extract(html, base_url="http://testserver/", syntaxes=["json-ld"])["json-ld"]
    [data] = found
    assert data["@type"] == "Product" and data["name"] == "Chè Shan tuyết"
    assert data["offers"]["@type"] == "Offer"
    assert (data["offers"]["price"], data["offers"]["priceCurrency"]) == (350000, "VND")
    certification = data["hasCertification"]
    assert certification["@type"] == "Certification"
    assert certification["certificationIdentification"] == "123/QĐ-UBND"
    assert certification["certificationRating"]["ratingValue"] == 4
    assert (certification["validFrom"], certification["expires"]) == ("2025-03-01", "2028-03-01")
    assert "aggregateRating" not in data and "review" not in data
    # The photo is the Open Graph image and the JSON-LD image, served to anyone once public.
    og = html[html.index('property="og:image"') :]
    image_url = og[og.index('content="') + 9 : og.index('">')]
    assert image_url in data["image"]
    assert client.get(image_url.replace("http://testserver", "")).status_code == 200
    listing = client.get("/dong-bao/ocop/", {"nhom": "do-uong", "tinh": "08"}).content.decode()
    assert "Chè Shan tuyết" in listing
    assert (
        "Chè Shan tuyết" not in client.get("/dong-bao/ocop/", {"nhom": "thu-cong"}).content.decode()
    )


def test_a_draft_and_its_photo_are_not_public(client, people):
    product = _product(people.province)
    photo = ocop.photo_add(
        actor=people.province, product=product, file=_jpeg(), alt="Hộp chè", process=False
    )
    assert client.get(product.get_absolute_url()).status_code == 404
    assert client.get(f"/dong-bao/ocop/anh/{photo.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["other_province", "commune", "editor", "ministry"])
def test_only_the_provinces_officers_enter_its_products(people, persona):
    with pytest.raises(PermissionDenied):
        _product(getattr(people, persona))
    assert not OcopProduct.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"stars": 2},
        {"expires_on": datetime.date(2024, 1, 1)},
        {"group": "khac"},
        {"producer": ""},
    ],
)
def test_bad_products_are_refused(people, extra):
    with pytest.raises(ValidationError):
        _product(people.province, **extra)
    assert not OcopProduct.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(people):
    product = _product(people.province)
    with pytest.raises(ValidationError):
        ocop.photo_add(
            actor=people.province,
            product=product,
            file=SimpleUploadedFile("anh.jpg", b"%PDF-1.4 not an image"),
            alt="Ảnh",
        )
    assert not product.photo_set.exists()


def test_officer_pages_write_and_the_list_is_theirs(client, login, people):
    officer = login(people.province)
    response = officer.post(
        "/dong-bao/ocop/bien-tap/moi/",
        {
            "unit": unit_get(code="08").pk,
            "name": "Mật ong bạc hà",
            "group": "thuc-pham",
            "producer": "Hộ nuôi ong",
            "commune": "00715",
            "description": "Mật ong hoa bạc hà.",
            "stars": "3",
            "certificate_number": "9/QĐ-UBND",
            "certified_on": "2025-01-02",
            "expires_on": "2028-01-02",
            "price": "400000",
            "price_unit": "chai",
            "how_to_buy": "Gọi hộ",
        },
    )
    assert response.status_code == 302
    product = OcopProduct.objects.get()
    assert officer.get("/dong-bao/ocop/bien-tap/").content.decode().count("Mật ong bạc hà") == 1
    other = login(people.other_province)
    assert other.get(f"/dong-bao/ocop/bien-tap/{product.uuid}/").status_code == 403
