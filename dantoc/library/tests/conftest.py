"""E-library fixtures: librarians (the shared personas have none: the role is this app's),
PDFs made with fpdf2 as the demo makes them, and items made through the services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PASSWORD


def _librarian(username: str, unit_code: str):
    from dantoc.accounts.services import user_create
    from dantoc.geo.selectors import unit_get

    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=unit_get(code=unit_code),
        roles=["librarian"],
        full_name=username,
        check_password=False,
    )


@pytest.fixture
def librarian(db):
    return _librarian("thuvien.bo", "VN")


@pytest.fixture
def second_librarian(db):
    return _librarian("thuvien.bo.hai", "VN")


@pytest.fixture
def province_librarian(db):
    return _librarian("thuvien.tuyenquang", "08")


def pdf_bytes(pages: list[tuple[str, str]]) -> bytes:
    from dantoc.library.demo import _pdf

    return _pdf("Tài liệu thử", pages)


def pdf_file(pages=None, name: str = "tai-lieu.pdf") -> SimpleUploadedFile:
    pages = pages or [("Trang một", "Nội dung thử nghiệm của tài liệu.")]
    return SimpleUploadedFile(name, pdf_bytes(pages), content_type="application/pdf")


@pytest.fixture
def make_item(librarian, second_librarian):
    """An item catalogued by ``librarian``; its PDF's text extracted as the worker would;
    ``publish=True`` has ``second_librarian`` publish it (four eyes)."""
    from dantoc.editorial import services as editorial
    from dantoc.geo.selectors import unit_get
    from dantoc.library import services

    def _make(*, publish=True, pages=None, unit_code="VN", actor=None, **values):
        values.setdefault("doc_type", "sach")
        values.setdefault("title", "Tài liệu thử nghiệm")
        document = values.pop("document_file", "make")
        item = services.item_save(
            actor=actor or librarian,
            item=None,
            unit=unit_get(code=unit_code),
            document_file=pdf_file(pages) if document == "make" else document,
            **values,
        )
        if item.document_id:
            services.item_text_extract(item_id=item.pk)
        item.refresh_from_db()
        if publish:
            editorial.content_submit_for_review(actor=actor or librarian, item=item)
            editorial.content_publish(actor=second_librarian, item=item)
            item.refresh_from_db()
        return item

    return _make
