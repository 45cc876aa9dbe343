"""sitemap.xml of the public portal: sections, articles, documents, area pages."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from dantoc.portal import selectors
from dantoc.portal.models import KIND_OF_SECTION


class StaticSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        names = [
            ("portal:home", ()),
            ("portal:documents", ()),
            ("portal:agencies", ()),
            ("portal:areas", ()),
        ]
        return names + [("portal:section", (s,)) for s in KIND_OF_SECTION]

    def location(self, item):
        name, args = item
        return reverse(name, args=args)


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return selectors.published_articles()

    def location(self, item):
        return item.get_absolute_url()

    def lastmod(self, item):
        return item.updated_at


class DocumentSitemap(Sitemap):
    changefreq = "monthly"
    limit = 5000

    def items(self):
        return selectors.legal_documents_search()

    def location(self, item):
        return item.get_absolute_url()

    def lastmod(self, item):
        return item.updated_at


class AreaSitemap(Sitemap):
    changefreq = "monthly"

    def items(self):
        return list(selectors.current_provinces().values_list("code", flat=True))

    def location(self, item):
        return reverse("portal:areas_province", args=[item])


SITEMAPS = {
    "pages": StaticSitemap,
    "articles": ArticleSitemap,
    "documents": DocumentSitemap,
    "areas": AreaSitemap,
}
