"""Readers' pages of the e-library: search and browse, an item's page (light: the PDF viewer
loads only on the reader's page), the PDF reader (pdf.js, page by page with range requests),
a plain-text version for slow connections, and the files behind their permission check."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from dantoc.core.languages import BY_CODE, CONTENT_LANGUAGES
from dantoc.geo.models import EthnicGroup
from dantoc.library import selectors
from dantoc.library.epub import MIME_TYPE as EPUB_MIME_TYPE
from dantoc.library.models import DocumentType, TextState
from dantoc.media.responses import stored_file_response
from dantoc.media.selectors import derivatives_by_profile

PAGE_SIZE = 20
TEXT_PAGES = 10  # PDF pages a screen of the text version shows
MAX_PAGE = 500  # deep pages are for crawlers; people refine the search


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("trang", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def _item_or_404(request, uuid):
    item = selectors.item_for_reader(user=request.user, uuid=uuid)
    if item is None:
        raise Http404
    return item


@require_safe
def home(request):
    q = request.GET.get("q", "")[:200]
    doc_type = request.GET.get("loai", "")
    doc_type = doc_type if doc_type in DocumentType.values else ""
    language = request.GET.get("ngon-ngu", "")
    language = language if language in BY_CODE else ""
    group = None
    code = request.GET.get("dan-toc", "")
    if code:
        group = EthnicGroup.objects.filter(code=code[:2]).first()
    number = _page_number(request)
    found = selectors.items_search(
        q=q,
        doc_type=doc_type,
        ethnic_group=group,
        language=language,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    params = {
        k: v
        for k, v in {
            "q": q,
            "loai": doc_type,
            "ngon-ngu": language,
            "dan-toc": group.code if group else "",
        }.items()
        if v
    }
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "library/home.html",
        {
            "q": q,
            "doc_type": doc_type,
            "language": language,
            "group": group,
            "found": found,
            "number": number,
            "pages": pages,
            "previous_url": f"?{urlencode({**params, 'trang': number - 1})}" if number > 1 else "",
            "next_url": f"?{urlencode({**params, 'trang': number + 1})}"
            if number < min(pages, MAX_PAGE)
            else "",
            "types": DocumentType.choices,
            "languages": [(lang.code, lang.name) for lang in CONTENT_LANGUAGES],
            "groups": EthnicGroup.objects.only("code", "name").order_by("code"),
            "searched": bool(q or doc_type or language or group),
            "more_than": selectors.COUNT_CAP if found.total > selectors.COUNT_CAP else None,
        },
    )


@require_safe
def item_detail(request, uuid):
    item = _item_or_404(request, uuid)
    return render(
        request,
        "library/item.html",
        {
            "item": item,
            "language": BY_CODE.get(item.language),
            "groups": list(item.ethnic_groups.all()),
            "text_ready": item.text_state == TextState.READY,
        },
    )


@require_safe
def item_reader(request, uuid):
    item = _item_or_404(request, uuid)
    if item.document_id is None:
        raise Http404
    if item.document.mime_type == EPUB_MIME_TYPE:
        # An EPUB is read as its text, page by page (pdf.js reads PDFs only).
        if item.text_state != TextState.READY:
            raise Http404
        return redirect("library:text", uuid=item.uuid)
    return render(request, "library/reader.html", {"item": item})


@require_safe
def item_text(request, uuid):
    """The extracted text as a plain page: a few kilobytes where the PDF weighs megabytes."""
    item = _item_or_404(request, uuid)
    if item.text_state != TextState.READY:
        raise Http404
    pages = item.full_text.split("\f")
    last = max((len(pages) + TEXT_PAGES - 1) // TEXT_PAGES, 1)
    number = min(_page_number(request), last)
    first = (number - 1) * TEXT_PAGES
    return render(
        request,
        "library/text.html",
        {
            "item": item,
            "pages": [(first + i + 1, p) for i, p in enumerate(pages[first : first + TEXT_PAGES])],
            "previous_url": f"?trang={number - 1}" if number > 1 else "",
            "next_url": f"?trang={number + 1}" if number < last else "",
            "number": number,
            "last": last,
        },
    )


@require_safe
def item_file(request, uuid):
    item = _item_or_404(request, uuid)
    if item.document_id is None:
        raise Http404
    download = request.GET.get("tai") == "1" and item.downloadable
    return stored_file_response(
        item.document.file,
        mime_type=item.document.mime_type,
        public=item.is_public,
        max_age=600,
        request=request,
        filename=f"{item.uuid}.{'epub' if item.document.mime_type == EPUB_MIME_TYPE else 'pdf'}",
        as_attachment=download,
    )


@require_safe
def item_audio(request, uuid):
    item = _item_or_404(request, uuid)
    if item.audio_id is None:
        raise Http404
    derivative = derivatives_by_profile(item.audio).get(request.GET.get("v", ""))
    if derivative is None:
        raise Http404
    return stored_file_response(
        derivative.file,
        mime_type=derivative.mime_type,
        public=item.is_public,
        max_age=600,
        request=request,
    )
