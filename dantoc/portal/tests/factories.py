"""Portal content made through the real services (as the system, ``actor=None``)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dantoc.portal import services


def unit(code: str):
    from dantoc.geo.selectors import unit_get

    return unit_get(code=code)


def make_article(*, actor=None, unit_code="VN", kind="news", title="Tin thử nghiệm", **extra):
    return services.article_save(actor=actor, unit=unit(unit_code), kind=kind, title=title, **extra)


def published_article(**kwargs):
    article = make_article(**kwargs)
    return services.article_publish(actor=None, article=article)


def make_document(*, actor=None, unit_code="VN", number="330/QĐ-UBDT", **extra):
    values = dict(
        doc_type="quyet_dinh",
        issuing_body="Ủy ban Dân tộc",
        issued_on=datetime.date(2023, 5, 26),
        abstract="Phê duyệt Đề án chuyển đổi số trong công tác dân tộc vùng đồng bào",
    )
    values.update(extra)
    return services.legal_document_save(
        actor=actor, unit=unit(unit_code), number_symbol=number, **values
    )


def published_document(**kwargs):
    document = make_document(**kwargs)
    return services.legal_document_publish(actor=None, document=document)


def later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)
