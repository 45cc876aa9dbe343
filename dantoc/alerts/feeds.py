"""Feeds of current warnings for alert hubs and apps: Atom (the OASIS "CAP feeds" practice and
Google Public Alerts) and RSS 2.0. Each entry links to the message's CAP document; a
cancellation stays in the feed until the warning would have expired."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from dantoc.alerts import selectors
from dantoc.alerts.models import Alert

FEED_SIZE = 200
CAP_TYPE = "application/cap+xml"


class CapAtom1Feed(Atom1Feed):
    """Atom whose entry links say they lead to a CAP document."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(_TypedLinks(handler), item)


class _TypedLinks:
    """Passes every call to the XML writer, adding the CAP type to ``<link rel=alternate>``."""

    def __init__(self, handler):
        self._handler = handler

    def addQuickElement(self, name, contents=None, attrs=None):
        if name == "link" and attrs and attrs.get("rel") == "alternate":
            attrs = {**attrs, "type": CAP_TYPE}
        self._handler.addQuickElement(name, contents, attrs)

    def __getattr__(self, name):
        return getattr(self._handler, name)


def _vietnamese(alert: Alert):
    return next((i for i in alert.infos.all() if i.language == "vi"), None)


class AlertsAtomFeed(Feed):
    feed_type = CapAtom1Feed
    title = "Cảnh báo thiên tai · CTMTQG 1719"
    subtitle = "Bản tin CAP 1.2 đang có hiệu lực / current CAP 1.2 alerts"

    def link(self):
        return reverse("alerts:public_list")

    def feed_url(self):
        return reverse("alerts:feed_atom")

    def items(self):
        return list(selectors.alerts_current()[:FEED_SIZE])

    def item_title(self, item: Alert):
        info = _vietnamese(item)
        with translation.override("vi"):
            prefix = {"Update": "[Cập nhật] ", "Cancel": "[Hủy] "}.get(item.msg_type, "")
            drill = "[DIỄN TẬP] " if item.is_drill else ""
            return f"{drill}{prefix}{info.headline if info else item.get_hazard_display()}"

    def item_description(self, item: Alert):
        info = _vietnamese(item)
        return info.description if info else ""

    def item_link(self, item: Alert):
        return reverse("alerts:cap_document", args=[item.uuid])

    def item_guid(self, item: Alert):
        return item.identifier

    item_guid_is_permalink = False

    def item_pubdate(self, item: Alert):
        return item.sent

    def item_updateddate(self, item: Alert):
        return item.sent

    def item_author_name(self, item: Alert):
        return item.unit.name


class AlertsRssFeed(AlertsAtomFeed):
    feed_type = Rss201rev2Feed

    def feed_url(self):
        return reverse("alerts:feed_rss")
