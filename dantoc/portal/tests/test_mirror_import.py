"""The bulk import of mirrored content (``mirror.content_mirror_apply``), which the
integration app's sync client calls once per page of another instance's feed."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.portal import mirror, services
from dantoc.portal.models import Article, ArticleTranslation, LegalDocument, Status

pytestmark = pytest.mark.django_db

PUBLISHED = datetime.datetime(2025, 7, 1, 8, 30, tzinfo=datetime.UTC)


def doc(n: int, **changes) -> mirror.MirrorDocument:
    values = {
        "uuid": uuid.UUID(int=n),
        "unit_code": "VN",
        "number_symbol": f"{n}/QĐ-UBDT",
        "doc_type": "quyet_dinh",
        "issuing_body": "Ủy ban Dân tộc",
        "issued_on": datetime.date(2025, 6, 15),
        "abstract": f"Phê duyệt danh sách thôn đặc biệt khó khăn số {n}",
        "area_codes": ["08"],
        "source": "dantoc.gov.vn",
        "published_at": PUBLISHED,
        "first_published_at": PUBLISHED,
        "label": f"remote-{n}",
    }
    return mirror.MirrorDocument(**{**values, **changes})


def news(n: int, **changes) -> mirror.MirrorArticle:
    values = {
        "uuid": uuid.UUID(int=1000 + n),
        "unit_code": "08",
        "kind": "news",
        "title": f"Tin số {n}",
        "summary": "Tóm tắt",
        "body": "<p>Nội dung</p>",
        "source": "dantoc.gov.vn",
        "published_at": PUBLISHED,
        "first_published_at": PUBLISHED,
    }
    return mirror.MirrorArticle(**{**values, **changes})


def apply(model, items=(), deletions=(), mirrored=None):
    if mirrored is None:
        mirrored = set(model.objects.values_list("uuid", flat=True))
    return mirror.content_mirror_apply(
        actor=None,
        model=model,
        items=list(items),
        deletions=list(deletions),
        mirrored=mirrored,
        origin="https://dantoc.gov.vn",
    )


def test_mirrored_documents_arrive_published_with_the_source_uuid_and_publication_date():
    result = apply(LegalDocument, [doc(1), doc(2, amends=[uuid.UUID(int=1)])])
    assert result.created == [uuid.UUID(int=1), uuid.UUID(int=2)]
    first = LegalDocument.objects.get(uuid=uuid.UUID(int=1))
    assert first.is_public and first.status == Status.PUBLISHED
    assert first.published_at == PUBLISHED and first.first_published_at == PUBLISHED
    assert [u.code for u in first.areas.all()] == ["08"]
    assert first.search_text == services.document_search_text(first)  # as for editors
    second = LegalDocument.objects.get(uuid=uuid.UUID(int=2))
    assert list(second.amends.all()) == [first]
    # The register follows the source: the amended document keeps the status the source sent.
    assert first.legal_status == "in_force"


def test_running_the_same_batch_again_duplicates_nothing():
    batch = [doc(1), doc(2)]
    apply(LegalDocument, batch)
    again = apply(LegalDocument, batch)
    assert again.created == [] and len(again.updated) == 2
    assert LegalDocument.objects.count() == 2
    assert LegalDocument.areas.through.objects.count() == 2
    assert LegalDocument.objects.filter(status=Status.PUBLISHED).count() == 2


def test_a_batch_with_a_bad_item_is_refused_whole_naming_the_item():
    apply(LegalDocument, [doc(1)])
    before = list(LegalDocument.objects.values_list("uuid", "abstract", "updated_at"))
    audit_rows = AuditEntry.objects.count()
    batch = [
        doc(1, abstract="Trích yếu đã sửa"),
        doc(2),
        doc(3, doc_type="khong_co_loai_nay"),
        doc(4, unit_code="99999"),
    ]
    with pytest.raises(ValidationError) as refused:
        apply(LegalDocument, batch)
    messages = refused.value.messages
    assert any(m.startswith("remote-3 (3/QĐ-UBDT): Loại văn bản không hợp lệ") for m in messages)
    assert any(m.startswith("remote-4 (4/QĐ-UBDT)") and "99999" in m for m in messages)
    assert len(messages) == 2
    # Nothing of the batch was written: not the good update, not the good new document.
    assert list(LegalDocument.objects.values_list("uuid", "abstract", "updated_at")) == before
    assert AuditEntry.objects.count() == audit_rows


def test_a_number_used_twice_within_one_source_is_refused():
    apply(LegalDocument, [doc(1)])
    with pytest.raises(ValidationError) as refused:
        apply(LegalDocument, [doc(2, number_symbol="1/qĐ-ubdt")])
    assert "remote-2" in refused.value.messages[0]
    assert LegalDocument.objects.count() == 1


def test_tombstones_delete_the_local_copies_and_an_item_can_come_back():
    apply(LegalDocument, [doc(1), doc(2)])
    result = apply(LegalDocument, deletions=[uuid.UUID(int=1), uuid.UUID(int=99)])
    assert result.deleted == [uuid.UUID(int=1)] and result.unchanged == [uuid.UUID(int=99)]
    gone = LegalDocument.objects.get(uuid=uuid.UUID(int=1))
    assert gone.deleted_at is not None and not gone.is_public
    assert LegalDocument.objects.get(uuid=uuid.UUID(int=2)).is_public
    # The same tombstone again changes nothing.
    assert apply(LegalDocument, deletions=[uuid.UUID(int=1)]).deleted == []
    # Published again at the source: the same row is public again.
    back = apply(LegalDocument, [doc(1)])
    assert back.updated == [uuid.UUID(int=1)]
    assert LegalDocument.objects.get(uuid=uuid.UUID(int=1)).is_public


def test_updates_and_deletions_in_one_batch():
    apply(Article, [news(1), news(2)])
    result = apply(Article, [news(1, title="Tin số 1 (đã sửa)"), news(3)], [news(2).uuid])
    assert (len(result.created), len(result.updated), len(result.deleted)) == (1, 1, 1)
    public = Article.objects.filter(deleted_at__isnull=True).order_by("title")
    assert [a.title for a in public] == ["Tin số 1 (đã sửa)", "Tin số 3"]


def test_hostile_html_is_sanitised_in_the_mirror():
    hostile = (
        '<p onclick="steal()">Xin chào<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">bấm</a><img src="x" onerror="alert(3)">'
        '<iframe src="https://evil.example"></iframe><style>body{}</style>'
    )
    apply(
        Article,
        [
            news(
                1,
                body=hostile,
                translations=[mirror.MirrorTranslation("en", "News 1", body=hostile)],
            )
        ],
    )
    apply(LegalDocument, [doc(1, body=hostile)])
    stored = [
        Article.objects.get().body,
        ArticleTranslation.objects.get().body,
        LegalDocument.objects.get().body,
    ]
    for body in stored:
        assert body == services.clean_html(hostile)
        for bad in ("script", "onclick", "onerror", "javascript:", "iframe", "style", "alert"):
            assert bad not in body
        assert "Xin chào" in body


def test_a_source_cannot_overwrite_or_delete_this_instances_own_content():
    own = services.legal_document_save(
        actor=None,
        unit=unit_get(code="VN"),
        number_symbol="1719/QĐ-TTg",
        doc_type="quyet_dinh",
        issuing_body="Thủ tướng Chính phủ",
        issued_on=datetime.date(2021, 10, 14),
        abstract="Phê duyệt Chương trình",
    )
    with pytest.raises(ValidationError) as refused:
        apply(LegalDocument, [doc(1, uuid=own.uuid)], mirrored=set())
    assert str(own.uuid) in refused.value.messages[0]
    with pytest.raises(ValidationError):
        apply(LegalDocument, deletions=[own.uuid], mirrored=set())
    own.refresh_from_db()
    assert own.number_symbol == "1719/QĐ-TTg" and own.deleted_at is None


def test_one_audit_row_per_batch_and_one_announcement(announced):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        apply(LegalDocument, [doc(n) for n in range(1, 6)])
    rows = AuditEntry.objects.filter(action="portal.content_mirror_import")
    assert rows.count() == 1
    assert len(rows.get().after["created"]) == 5
    assert sorted(uuid for _kind, uuid in announced) == sorted(
        str(uuid.UUID(int=n)) for n in range(1, 6)
    )


def test_a_batch_costs_a_few_queries_not_a_few_per_item():
    def queries(first: int, size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            apply(LegalDocument, [doc(n) for n in range(first, first + size)])
        return len(captured)

    small = queries(1, 5)
    large = queries(100, 200)
    # SQLite caps the parameters of one statement, so Django splits a bulk insert of 200
    # documents into a few statements; the per-item services made about 25 queries per item.
    assert large <= small + 10, (small, large)


def test_a_source_clock_ahead_of_ours_does_not_hide_the_item():
    future = timezone.now() + datetime.timedelta(minutes=5)
    apply(Article, [news(1, published_at=future, first_published_at=future)])
    assert Article.objects.get().is_public
