"""Citizen-information fixtures: editors (the shared personas have one), items made through the
services, and a commune with a region and especially disadvantaged villages."""

from __future__ import annotations

import datetime

import pytest

from conftest import PASSWORD


def _editor(username: str, unit_code: str):
    from dantoc.accounts.services import user_create
    from dantoc.geo.selectors import unit_get

    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=unit_get(code=unit_code),
        roles=["content_editor"],
        full_name=username,
        check_password=False,
    )


@pytest.fixture
def second_editor(db):
    return _editor("bientap.hai", "VN")


@pytest.fixture
def laocai_editor(db):
    return _editor("bientap.laocai", "15")


@pytest.fixture
def make_item(people):
    """An item written by the ministry's editor; ``publish=True`` has the system publish it
    (its translations ``{lang: {title…}}`` go live with it)."""
    from dantoc.citizens import services
    from dantoc.editorial import services as editorial
    from dantoc.geo.selectors import unit_get

    def _make(*, publish=True, translations=None, unit_code="VN", **values):
        values.setdefault("topic", "y-te")
        values.setdefault("title", "Tin thử nghiệm")
        values.setdefault("summary", "Tóm tắt thử nghiệm.")
        item = services.item_save(
            actor=people.editor, item=None, unit=unit_get(code=unit_code), **values
        )
        for language, data in (translations or {}).items():
            services.translation_save(
                actor=people.editor,
                item=item,
                language=language,
                data=data,
                publish_with_item=True,
            )
        if publish:
            editorial.content_publish(actor=None, item=item)
            item.refresh_from_db()
        return item

    return _make


@pytest.fixture
def lung_cu(db):
    """Xã Lũng Cú (00715): khu vực III with two especially disadvantaged villages, classified
    today (rows on the new commune itself)."""
    from dantoc.geo.models import AreaClassification
    from dantoc.geo.selectors import unit_get

    commune = unit_get(code="00715")
    start = datetime.date(2025, 7, 1)
    AreaClassification.objects.create(
        unit=commune, scheme="region", value="III", valid_from=start, decision="thử nghiệm"
    )
    for name in ("Thôn Lô Lô Chải", "Thôn Séo Lủng"):
        AreaClassification.objects.create(
            unit=commune,
            scheme="dbkk_village",
            value="DBKK",
            village_name=name,
            valid_from=start,
            decision="thử nghiệm",
        )
    return commune
