"""Open-data fixtures: approved figures entered through the real reporting services, and
data sets defined and published through the open-data services."""

from __future__ import annotations

import datetime

import pytest

from dantoc.opendata import services
from dantoc.reporting import selectors
from dantoc.reporting import services as reporting
from dantoc.reporting.models import Submission
from dantoc.reporting.tests.conftest import cell_keys, q3, today, von

__all__ = ["q3", "today", "von"]

# Semester 1 of 2026 on the household form (BM02-DA1) is open for entry on this day.
S1_DAY = datetime.date(2026, 7, 5)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Release files go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def enter_capital(user, form, period, values: dict[str, str]) -> None:
    """``{"VON_KH/DA1/DTPT/TW": "500"}``: indicator/project/kind/source → value."""
    cells = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(form, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        cells.append(reporting.CellInput(key, value))
    reporting.datavalues_save(
        actor=user, form=form, unit=user.unit, period=period, inputs=cells, source="web"
    )


def approve(people, user, form, period) -> None:
    reporting.submission_submit(actor=user, form=form, unit=user.unit, period=period)
    submission = Submission.objects.get(form_code=form.code, unit=user.unit, period=period)
    reporting.submission_approve(actor=people.province, submission=submission)


@pytest.fixture
def capital(people, today, von, q3):
    """Lũng Cú approved (plan 500 + 300, disbursed 400 + 150); Ngọc Đường entered only."""
    enter_capital(people.commune, von, q3, {
        "VON_KH/DA1/DTPT/TW": "500", "VON_KH/DA2/SN/DP": "300",
        "VON_GN/DA1/DTPT/TW": "400", "VON_GN/DA2/SN/DP": "150",
    })  # fmt: skip
    approve(people, people.commune, von, q3)
    enter_capital(people.other_commune, von, q3, {"VON_KH/DA1/DTPT/TW": "1000"})
    return q3


@pytest.fixture
def households(people, monkeypatch):
    """Households given housing (DA1_HO_NHA_O) in S1 2026 by ethnic group, approved:
    Lũng Cú: Mông (08) 40, Dao (09) 3, Tày (02) 12; Ngọc Đường: Mông 25, Dao 8, Tày 20."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: S1_DAY)
    form = selectors.form_get(code="BM02-DA1")
    period = reporting.period_resolve(period_type=form.period_type, code="2026S1")
    for user, figures in (
        (people.commune, {"08": "40", "09": "3", "02": "12"}),
        (people.other_commune, {"08": "25", "09": "8", "02": "20"}),
    ):
        cells = []
        for group, value in figures.items():
            [key] = cell_keys(form, indicator="DA1_HO_NHA_O", DAN_TOC=group)
            cells.append(reporting.CellInput(key, value))
        reporting.datavalues_save(
            actor=user, form=form, unit=user.unit, period=period, inputs=cells, source="web"
        )
        approve(people, user, form, period)
    return period


def definition(**overrides) -> services.DatasetInput:
    values = {
        "name": "von-tuyen-quang-2026",
        "title": "Vốn Chương trình 1719 tỉnh Tuyên Quang năm 2026",
        "title_en": "NTP 1719 capital, Tuyên Quang province, 2026",
        "description": "Kế hoạch vốn và giải ngân theo quý, cấp tỉnh và cấp xã.",
        "description_en": "Capital plan and disbursement by quarter, province and communes.",
        "theme": "ECON",
        "contact_name": "Sở Dân tộc và Tôn giáo Tuyên Quang",
        "contact_email": "sdttg@tuyenquang.gov.vn",
        "indicators": ["VON_KH", "VON_GN"],
        "periods": ["2026Q3"],
        "units": ["08", "00715", "00700"],
        "categories": [],
        "keywords": ["vốn đầu tư", "giải ngân"],
    }
    values.update(overrides)
    return services.DatasetInput(**values)


@pytest.fixture
def define(people):
    """Define a data set as the Tuyên Quang officer (or ``actor``), as a draft."""

    def _define(actor=None, **overrides):
        return services.dataset_save(actor=actor or people.province, data=definition(**overrides))

    return _define
