from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry, RoleDeclaration, SyncFeed


class PortalConfig(AppConfig):
    name = "dantoc.portal"
    label = "portal"
    verbose_name = _("Cổng thông tin")
    roles = (
        RoleDeclaration(
            "content_editor",
            "Biên tập viên nội dung",
            "Content editor",
            # Editors publish for their own unit's pages, which communes have too.
            levels=frozenset({"country", "province", "district", "commune"}),
            description="Soạn và xuất bản nội dung trên cổng thông tin.",
        ),
    )
    capabilities = (
        ("content_editor", _("Soạn và xuất bản tin bài, văn bản, chính sách trên cổng thông tin")),
    )

    demo_loaders = (
        Loader(
            "portal.demo", "dantoc.portal.demo.demo_content_load", after=("accounts.demo_users",)
        ),
    )
    menu = (
        MenuEntry(_("Cổng thông tin"), "portal:home", order=50),
        MenuEntry(
            _("Biên tập"),
            "portal:editor_articles",
            allowed="dantoc.portal.permissions.is_editor",
            order=110,
        ),
    )

    # What provincial portals pull (/api/v1/sync/<name>/) and webhooks carry; the services
    # announce CONTENT_CHANGED with the item's uuid after each public change.
    sync_feeds = (
        SyncFeed(
            "documents",
            "portal.LegalDocument",
            "Văn bản pháp luật, chỉ đạo / legal documents",
            represent="dantoc.portal.sync.document_json",
            details="dantoc.portal.sync.document_details",
            changed_event="portal.content_changed",
        ),
        SyncFeed(
            "policies",
            "portal.Article",
            "Chính sách / policies",
            represent="dantoc.portal.sync.article_json",
            details="dantoc.portal.sync.article_details",
            where={"kind": ("policy",)},
            changed_event="portal.content_changed",
        ),
        SyncFeed(
            "news",
            "portal.Article",
            "Tin tức và hoạt động / news and activities",
            represent="dantoc.portal.sync.article_json",
            details="dantoc.portal.sync.article_details",
            where={"kind": ("news", "activity")},
            changed_event="portal.content_changed",
        ),
        SyncFeed(
            "reports",
            "portal.Article",
            "Báo cáo đã xuất bản / reports",
            represent="dantoc.portal.sync.article_json",
            details="dantoc.portal.sync.article_details",
            where={"kind": ("report",)},
            changed_event="portal.content_changed",
        ),
    )

    def ready(self) -> None:
        # The services register articles and documents with the editorial workflow and its
        # revisions (dantoc.editorial).
        # (A warning issued, updated or cancelled moves the public page cache's generation
        # itself: dantoc.alerts.services.)
        from dantoc.portal import services  # noqa: F401
