"""The OPDS catalogue's addresses (``opds`` builds the XML)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dantoc.library import opds, selectors
from dantoc.library.models import DocumentType

PAGE_SIZE = 25
MAX_PAGE = 2000


def _response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type};charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _common_links(request) -> list[tuple[str, str, str]]:
    absolute = request.build_absolute_uri
    return [
        ("start", absolute(reverse("library:opds_root")), opds.NAVIGATION),
        ("search", absolute(reverse("library:opds_opensearch")), opds.OPENSEARCH_TYPE),
    ]


@require_safe
def root(request):
    absolute = request.build_absolute_uri
    updated = selectors.last_change()
    here = absolute(reverse("library:opds_root"))
    feed = opds.feed(
        feed_id=here,
        title=_("Thư viện điện tử về công tác dân tộc"),
        updated=updated,
        links=[("self", here, opds.NAVIGATION), *_common_links(request)],
    )
    opds.navigation_entry(
        feed,
        entry_id=f"{here}moi/",
        title=_("Tài liệu mới"),
        href=absolute(reverse("library:opds_new")),
        content=_("Tài liệu mới xuất bản, mới nhất trước."),
        updated=updated,
        rel=opds.REL_NEW,
    )
    for code, label, count in selectors.counts_by_type():
        if not count:
            continue
        opds.navigation_entry(
            feed,
            entry_id=f"{here}loai/{code}/",
            title=str(label),
            href=absolute(reverse("library:opds_type", kwargs={"doc_type": code})),
            content=_("%(n)s tài liệu") % {"n": count},
            updated=updated,
        )
    return _response(opds.to_bytes(feed), opds.NAVIGATION)


def _page(request) -> int:
    try:
        return min(max(int(request.GET.get("trang", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def _acquisition_feed(request, *, title: str, found, number: int, base_params: dict):
    absolute = request.build_absolute_uri

    def at(page: int) -> str:
        return absolute(f"{request.path}?{urlencode({**base_params, 'trang': page})}")

    links = [
        ("self", at(number), opds.ACQUISITION),
        *_common_links(request),
        ("up", absolute(reverse("library:opds_root")), opds.NAVIGATION),
        ("first", at(1), opds.ACQUISITION),
    ]
    last = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if number > 1:
        links.append(("previous", at(number - 1), opds.ACQUISITION))
    if number < min(last, MAX_PAGE):
        links.append(("next", at(number + 1), opds.ACQUISITION))
    links.append(("last", at(min(last, MAX_PAGE)), opds.ACQUISITION))
    feed = opds.feed(
        feed_id=absolute(request.path) + (f"?{urlencode(base_params)}" if base_params else ""),
        title=title,
        updated=selectors.last_change(),
        links=links,
    )
    opds._sub(feed, "totalResults", str(found.total), ns=opds.OPENSEARCH)
    opds._sub(feed, "itemsPerPage", str(PAGE_SIZE), ns=opds.OPENSEARCH)
    opds._sub(feed, "startIndex", str((number - 1) * PAGE_SIZE + 1), ns=opds.OPENSEARCH)
    for item in found.items:
        opds.item_entry(feed, item, absolute=absolute)
    return _response(opds.to_bytes(feed), opds.ACQUISITION)


@require_safe
def acquisition(request, doc_type: str = ""):
    if doc_type and doc_type not in DocumentType.values:
        raise Http404
    number = _page(request)
    found = selectors.items_search(
        q="", doc_type=doc_type, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    title = str(DocumentType(doc_type).label) if doc_type else _("Tài liệu mới")
    return _acquisition_feed(request, title=title, found=found, number=number, base_params={})


@require_safe
def search(request):
    q = request.GET.get("q", "")[:200]
    number = _page(request)
    found = selectors.items_search(q=q, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return _acquisition_feed(
        request,
        title=_("Kết quả tìm “%(q)s”") % {"q": q},
        found=found,
        number=number,
        base_params={"q": q},
    )


@require_safe
def opensearch(request):
    template = request.build_absolute_uri(reverse("library:opds_search")) + "?q={searchTerms}"
    body = opds.opensearch_description(template=template, title=_("Thư viện dân tộc"))
    return _response(body, opds.OPENSEARCH_TYPE)
