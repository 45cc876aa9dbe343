"""The citizen demo data loads, twice without adding anything the second time: items with
H'Mông and Ê Đê texts (no placeholder left), recordings, market prices and OCOP products."""

from __future__ import annotations

import pytest

from dantoc.citizens import demo
from dantoc.citizens.models import (
    CitizenItemTranslation,
    ItemAudio,
    MarketPrice,
    OcopProduct,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_demo_loads_once_and_is_honest_about_its_translations(people):
    first = {
        **demo.demo_load(),
        **demo.demo_prices_load(),
        **demo.demo_ocop_load(),
    }
    assert first["items"] == len(demo.ITEMS)
    assert first["recordings"] == len(demo.RECORDINGS)
    assert first["prices"] == len(demo.DEMO_MARKETS) * len(demo.DEMO_CURVE)
    assert first["ocop_products"] == len(demo.DEMO_OCOP)
    assert not CitizenItemTranslation.objects.filter(summary__contains=demo.OLD_PLACEHOLDER)
    languages = set(
        ItemAudio.objects.filter(approved_at__isnull=False).values_list("language", flat=True)
    )
    assert {"vi", "hmn", "rad"} <= languages
    assert all(p.is_public and p.photo_set.exists() for p in OcopProduct.objects.all())
    again = {**demo.demo_load(), **demo.demo_prices_load(), **demo.demo_ocop_load()}
    assert again == {
        "items": 0, "translations_replaced": 0, "recordings": 0, "prices": 0, "ocop_products": 0,
    }  # fmt: skip
    assert MarketPrice.objects.count() == first["prices"]
