"""Portal content for the integration tests, made through the portal's own services."""

from __future__ import annotations

import datetime

from dantoc.geo.selectors import unit_get
from dantoc.portal import services as portal


def article(
    *,
    kind: str = "news",
    title: str = "Tuyên Quang khởi công 12 công trình nước sạch",
    unit: str = "08",
    areas: tuple[str, ...] = (),
    publish: bool = True,
    body: str = "<p>Nội dung</p>",
):
    item = portal.article_save(
        actor=None,
        unit=unit_get(code=unit),
        kind=kind,
        title=title,
        summary="Tóm tắt",
        body=body,
        areas=[unit_get(code=c) for c in areas],
    )
    if publish:
        item = portal.article_publish(actor=None, article=item)
    return item


def document(
    *,
    number: str = "330/QĐ-UBDT",
    unit: str = "VN",
    areas: tuple[str, ...] = (),
    publish: bool = True,
):
    item = portal.legal_document_save(
        actor=None,
        unit=unit_get(code=unit),
        number_symbol=number,
        doc_type="quyet_dinh",
        issuing_body="Ủy ban Dân tộc",
        issued_on=datetime.date(2021, 6, 15),
        abstract="Phê duyệt danh sách các xã khu vực III, khu vực II, khu vực I",
        areas=[unit_get(code=c) for c in areas],
    )
    if publish:
        item = portal.legal_document_publish(actor=None, document=item)
    return item


def retitle(item, title: str):
    return portal.article_save(
        actor=None,
        article=item,
        unit=item.unit,
        kind=item.kind,
        title=title,
        summary=item.summary,
        body=item.body,
        areas=list(item.areas.all()),
    )
