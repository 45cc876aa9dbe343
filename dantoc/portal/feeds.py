"""Atom feeds per section (news, activities, policies, programme pages, reports) and for the
legal documents register. Each entry's id is the item's stable ``urn:uuid``."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from dantoc.portal import selectors
from dantoc.portal.models import KIND_OF_SECTION, ArticleKind
from dantoc.portal.sanitize import html_to_text

FEED_SIZE = 30


class SectionFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, section: str):
        if section not in KIND_OF_SECTION:
            raise Http404
        return section

    def title(self, section):
        return f"{ArticleKind(KIND_OF_SECTION[section]).label} · Cổng thông tin CTMTQG 1719"

    def link(self, section):
        return reverse("portal:section", args=[section])

    def subtitle(self, section):
        return "Chương trình MTQG phát triển KT-XH vùng đồng bào DTTS&MN"

    def items(self, section):
        return selectors.published_articles(kind=KIND_OF_SECTION[section])[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary or html_to_text(item.body)[:400]

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"urn:uuid:{item.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.unit.name


class DocumentFeed(Feed):
    feed_type = Atom1Feed
    title = "Văn bản · Cổng thông tin CTMTQG 1719"
    subtitle = "Văn bản chỉ đạo, điều hành Chương trình MTQG vùng đồng bào DTTS&MN"

    def link(self):
        return reverse("portal:documents")

    def items(self):
        return selectors.legal_documents_search().order_by("-published_at", "-id")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.get_doc_type_display()} {item.number_symbol}"

    def item_description(self, item):
        return item.abstract

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"urn:uuid:{item.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.issuing_body
