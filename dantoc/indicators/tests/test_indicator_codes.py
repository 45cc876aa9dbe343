"""Indicator codes are what rules reference (#{CODE}, CODE in [A-Za-z0-9_]): a new code with
spaces or diacritics is refused with a clear message on every path that creates indicators;
indicators already stored keep working."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from dantoc.core.errors import ImportRejected
from dantoc.indicators.models import Indicator
from dantoc.indicators.services import indicator_catalogue_load, indicator_save

pytestmark = pytest.mark.django_db

BAD_CODES = ["HỘ_NGHÈO", "HO NGHEO", "ho-ngheo"]


@pytest.mark.parametrize("code", BAD_CODES)
def test_the_service_refuses_a_code_rules_could_not_reference(people, code):
    with pytest.raises(ValidationError) as refused:
        indicator_save(
            actor=people.ministry,
            indicator=Indicator(code=code, name="Hộ nghèo", value_type="integer"),
            categories=[],
        )
    assert "chỉ dùng chữ cái không dấu, chữ số và dấu gạch dưới" in str(refused.value)
    assert not Indicator.objects.filter(code=code).exists()


def test_the_indicator_page_says_what_is_wrong_next_to_the_code(people, login):
    client = login(people.ministry)
    response = client.post(
        "/reporting/indicators/new/",
        {"code": "Hộ nghèo", "name": "Hộ nghèo", "value_type": "integer", "aggregation": "sum"},
    )
    assert response.status_code == 200
    assert "Mã chỉ tiêu “Hộ nghèo” không hợp lệ" in response.content.decode()
    assert not Indicator.objects.filter(name="Hộ nghèo").exists()


def test_a_catalogue_upload_with_such_a_code_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text(
        json.dumps(
            {"indicators": [
                {"code": "HO_MOI", "name": "Hộ mới", "value_type": "integer"},
                {"code": "HỘ MỚI 2", "name": "Hộ mới 2", "value_type": "integer"},
            ]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ImportRejected) as refused:
        indicator_catalogue_load(path=path)
    assert "Mã chỉ tiêu “HỘ MỚI 2” không hợp lệ" in str(refused.value.errors[0])
    assert not Indicator.objects.filter(code__in=["HO_MOI", "HỘ MỚI 2"]).exists()


def test_an_indicator_stored_earlier_with_such_a_code_can_still_be_edited(people):
    legacy = Indicator.objects.create(code="CŨ 1", name="Chỉ tiêu cũ", value_type="integer")
    legacy.name = "Chỉ tiêu cũ (đổi tên)"
    indicator_save(actor=people.ministry, indicator=legacy, categories=[])
    assert Indicator.objects.get(pk=legacy.pk).name == "Chỉ tiêu cũ (đổi tên)"
