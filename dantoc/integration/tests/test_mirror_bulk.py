"""The reference sync client's bulk path (one ``portal.content_mirror_apply`` per page),
against a source that serves canned feed pages (the two-server test in test_mirror_live.py
runs the whole thing over HTTP)."""

from __future__ import annotations

import datetime
import uuid

import pytest

from dantoc.integration.models import SyncCursor, SyncedItem
from dantoc.integration.services import sync_client
from dantoc.portal.models import LegalDocument
from dantoc.portal.sanitize import clean_html

pytestmark = pytest.mark.django_db

SOURCE = "https://dantoc.example.gov.vn"
MOMENT = datetime.datetime(2025, 9, 1, 8, 0, tzinfo=datetime.UTC)


def remote_id(n: int) -> str:
    return str(uuid.UUID(int=n))


def document(n: int, *, minute: int = 0, **changes) -> dict:
    """A document as the source's /api/integration/v1/documents gives it."""
    item = {
        "id": remote_id(n),
        "feed": "documents",
        "deleted": False,
        "updated_at": (MOMENT + datetime.timedelta(minutes=minute, seconds=n)).isoformat(),
        "published_at": MOMENT.isoformat(),
        "first_published_at": MOMENT.isoformat(),
        "unit": "VN",
        "areas": ["08"],
        "source": "",
        "slug": f"{n}-qd-ubdt",
        "attachments": [],
        "kind": "document",
        "title": f"Quyết định {n}/QĐ-UBDT",
        "number_symbol": f"{n}/QĐ-UBDT",
        "doc_type": "quyet_dinh",
        "issuing_body": "Ủy ban Dân tộc",
        "signer": "Nguyễn Văn A",
        "issued_on": "2025-06-15",
        "effective_on": None,
        "expires_on": None,
        "abstract": f"Phê duyệt danh sách thôn đặc biệt khó khăn số {n}",
        "field": "Dân tộc",
        "legal_status": "in_force",
        "body": "<p>Nội dung</p>",
        "amends": [],
        "replaces": [],
    }
    return {**item, **changes}


def tombstone(n: int, *, minute: int) -> dict:
    return {
        "id": remote_id(n),
        "feed": "documents",
        "deleted": True,
        "updated_at": (MOMENT + datetime.timedelta(minutes=minute)).isoformat(),
    }


class FakeResponse:
    def __init__(self, content: bytes | None):
        self.status_code = 200 if content is not None else 404
        self.headers: dict = {}
        self.content = content or b""

    def iter_content(self, size: int):
        for start in range(0, len(self.content), size):
            yield self.content[start : start + size]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class FakeSession:
    """The source's files, by address; remembers what was downloaded."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []

    def get(self, url, **kwargs):
        self.downloads.append(url)
        return FakeResponse(self.files.get(url))


class FakeSource(sync_client.RemotePortal):
    """The source's documents feed as a list of pages (the cursor is the next page's index),
    and its files; ``download`` is the real client's."""

    def __init__(self, pages: list[list[dict]]):
        self.pages = pages
        self.base_url = SOURCE
        self.timeout = 5
        self.session = FakeSession()

    def get(self, path: str, params: dict) -> dict:
        assert path == "/api/integration/v1/documents"
        index = int(params.get("cursor") or 0)
        items = self.pages[index] if index < len(self.pages) else []
        return {
            "feed": "documents",
            "items": items,
            "next_cursor": str(index + 1) if items else params.get("cursor"),
            "has_more": index + 1 < len(self.pages),
        }


@pytest.fixture
def source(monkeypatch):
    fake = FakeSource([])
    monkeypatch.setattr(sync_client, "RemotePortal", lambda **kwargs: fake)
    return fake


def sync(**options) -> sync_client.SyncReport:
    return sync_client.portal_sync(
        base_url=SOURCE, client_id="id", client_secret="secret", feeds=["documents"], **options
    )


def mirrored() -> dict[str, LegalDocument]:
    return {d.number_symbol: d for d in LegalDocument.objects.filter(deleted_at__isnull=True)}


def test_a_full_sync_keeps_the_source_uuids_and_a_rerun_duplicates_nothing(source):
    source.pages = [[document(1), document(2)], [document(3, amends=[remote_id(1)])]]
    first = sync()
    assert (first.pages, first.created, first.errors) == (2, 3, [])
    local = mirrored()
    assert {str(d.uuid) for d in local.values()} == {remote_id(1), remote_id(2), remote_id(3)}
    assert all(d.is_public and d.published_at == MOMENT for d in local.values())
    assert all(d.source == "dantoc.example.gov.vn" for d in local.values())
    assert [str(d.uuid) for d in local["3/QĐ-UBDT"].amends.all()] == [remote_id(1)]

    # Nothing new: nothing written.
    assert sync().created == 0
    # Started again from scratch (the cursor lost): every item is recognised, none doubled.
    SyncCursor.objects.all().delete()
    again = sync()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert LegalDocument.objects.count() == 3 and SyncedItem.objects.count() == 3


def test_a_page_with_a_bad_item_is_refused_whole_and_retried_by_the_next_run(source):
    bad = document(5, doc_type="sac_lenh")
    source.pages = [[document(1), document(2)], [document(3), document(4, minute=1), bad]]
    with pytest.raises(sync_client.SyncError) as refused:
        sync()
    message = str(refused.value)
    assert remote_id(5) in message and "5/QĐ-UBDT" in message
    assert "Loại văn bản không hợp lệ" in message
    # The first page is in; nothing of the second (not even its good items), and the cursor
    # stays after the first page, so the next run fetches the refused page again.
    assert set(mirrored()) == {"1/QĐ-UBDT", "2/QĐ-UBDT"}
    assert SyncedItem.objects.count() == 2
    assert SyncCursor.objects.get(feed="documents").cursor == "1"

    source.pages[1][2] = document(5)  # corrected at the source
    retried = sync()
    assert (retried.created, retried.errors) == (3, [])
    assert len(mirrored()) == 5


def test_updates_and_tombstones_in_the_same_page(source):
    source.pages = [[document(1), document(2), document(3)]]
    sync()
    source.pages.append(
        [
            tombstone(2, minute=5),
            document(1, minute=5, abstract="Trích yếu đã sửa"),
            tombstone(9, minute=5),  # never mirrored: nothing to do
        ]
    )
    report = sync()
    assert (report.created, report.updated, report.deleted, report.unchanged) == (0, 1, 1, 1)
    local = mirrored()
    assert set(local) == {"1/QĐ-UBDT", "3/QĐ-UBDT"}
    assert local["1/QĐ-UBDT"].abstract == "Trích yếu đã sửa"
    assert LegalDocument.objects.get(uuid=remote_id(2)).deleted_at is not None


def test_hostile_html_from_the_source_is_sanitised(source):
    hostile = '<p onmouseover="x()">Văn bản<script>fetch("//evil")</script></p><a href="javascript:x()">a</a>'
    source.pages = [[document(1, body=hostile)]]
    sync()
    body = LegalDocument.objects.get().body
    assert body == clean_html(hostile)
    assert "script" not in body and "onmouseover" not in body and "javascript" not in body


def test_the_per_item_path_is_kept_as_a_baseline(source):
    source.pages = [[document(1), document(2)]]
    report = sync(per_item=True)
    assert (report.created, report.errors) == (2, [])
    assert all(d.is_public for d in mirrored().values())
    # The per-item path makes items of its own (new uuids, this instance's publication time).
    assert remote_id(1) not in {str(d.uuid) for d in LegalDocument.objects.all()}


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def attachment(n: int, *, url: str | None = None, title: str = "Danh sách thôn.pdf") -> dict:
    key = str(uuid.UUID(int=5000 + n))
    return {
        "id": key,
        "title": title,
        "url": url or f"{SOURCE}/cong-thong-tin/tep/{key}/",
        "media_type": "application/pdf",
        "size_bytes": 40,
    }


def test_attachments_are_copied_once_and_follow_the_source(source, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first, second = attachment(1), attachment(2, title="Phụ lục.pdf")
    source.session.files = {first["url"]: PDF, second["url"]: PDF + b"2"}
    source.pages = [[document(1, attachments=[first, second])]]
    sync()
    held = {a.title: a for a in LegalDocument.objects.get().attachments.all()}
    assert set(held) == {"Danh sách thôn.pdf", "Phụ lục.pdf"}
    assert str(held["Phụ lục.pdf"].uuid) == second["id"]
    assert held["Phụ lục.pdf"].media_type == "application/pdf"
    with held["Phụ lục.pdf"].file.open("rb") as stored:
        assert stored.read() == PDF + b"2"
    assert len(source.session.downloads) == 2

    # Changed at the source, one attachment dropped: nothing downloaded again, one removed.
    source.pages.append([document(1, minute=3, abstract="Sửa", attachments=[second])])
    sync()
    assert [a.title for a in LegalDocument.objects.get().attachments.all()] == ["Phụ lục.pdf"]
    assert len(source.session.downloads) == 2


def test_an_attachment_that_is_not_an_allowed_file_refuses_the_page(source, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bad = attachment(1, title="hoa-don.exe")
    source.session.files = {bad["url"]: b"MZ\x90\x00 this is a program"}
    source.pages = [[document(1), document(2, attachments=[bad])]]
    with pytest.raises(sync_client.SyncError) as refused:
        sync()
    assert remote_id(2) in str(refused.value) and "hoa-don.exe" in str(refused.value)
    assert LegalDocument.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))  # no file left behind


def test_an_attachment_too_large_or_elsewhere_is_not_downloaded(source, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PORTAL_MAX_UPLOAD_BYTES = 30
    big = attachment(1)
    elsewhere = attachment(2, url="http://169.254.169.254/latest/meta-data/")
    source.session.files = {big["url"]: PDF}
    source.pages = [[document(1, attachments=[big, elsewhere])]]
    with pytest.raises(sync_client.SyncError) as refused:
        sync()
    message = str(refused.value)
    assert "lớn hơn mức cho phép" in message and "ngoài nguồn" in message
    assert source.session.downloads == [big["url"]]
    assert LegalDocument.objects.count() == 0
