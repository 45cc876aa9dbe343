"""The Atom feed of new open-data releases: one entry per release of a published data set,
newest first, linking to the release's page, with its files as enclosures."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import gettext as _

from dantoc.opendata import selectors
from dantoc.opendata.models import Release

FEED_SIZE = 50


class ReleaseFeed(Feed):
    feed_type = Atom1Feed

    def title(self):
        return _("Phiên bản dữ liệu mở mới · Chương trình MTQG vùng đồng bào DTTS và miền núi")

    def subtitle(self):
        return _("Mỗi lần một bộ dữ liệu mở có phiên bản mới (số liệu đã duyệt).")

    def link(self):
        return reverse("opendata:catalogue")

    def feed_url(self):
        return reverse("opendata:release_feed")

    def get_object(self, request):
        # The site's address, for the enclosures (Django makes only links absolute).
        return request.build_absolute_uri("/").rstrip("/")

    def items(self, base: str):
        releases = selectors.releases_recent(FEED_SIZE)
        for release in releases:
            release.site = base
        return releases

    def item_title(self, item: Release):
        return _("%(title)s — phiên bản %(version)s") % {
            "title": item.dataset.title,
            "version": item.version,
        }

    def item_description(self, item: Release):
        parts = [
            _("%(rows)s dòng số liệu.") % {"rows": item.row_count},
        ]
        if item.reason:
            parts.append(_("Lý do: %(reason)s") % {"reason": item.reason})
        if item.withdrawn_at:
            parts.append(_("Đã thu hồi: %(note)s") % {"note": item.withdrawn_note})
        parts += [f"{f.format.upper()} SHA-256 {f.sha256}" for f in item.files.all()]
        return "\n".join(parts)

    def item_link(self, item: Release):
        return release_page_path(item)

    def item_guid(self, item: Release):
        # The release's page is its permanent address (a release never changes); an Atom id
        # must be an absolute IRI, which Django does not make of a guid.
        return item.site + release_page_path(item)

    item_guid_is_permalink = True

    def item_pubdate(self, item: Release):
        return item.created_at

    def item_updateddate(self, item: Release):
        return item.withdrawn_at or item.created_at

    def item_author_name(self, item: Release):
        return selectors.organization_of(item.dataset.publisher).title

    def item_categories(self, item: Release):
        return [selectors.group_name(item.dataset.theme)]

    def item_enclosures(self, item: Release):
        if item.withdrawn_at:
            return []
        return [
            Enclosure(item.site + f.get_absolute_url(), str(f.size), f.media_type)
            for f in item.files.all()
        ]


def release_page_path(release: Release) -> str:
    return reverse(
        "opendata:release", kwargs={"name": release.dataset.name, "version": release.version}
    )
