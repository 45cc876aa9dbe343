"""Public pages under /cong-thong-tin/ (Vietnamese addresses), the editors' pages under
/bien-tap/, and /sitemap.xml."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from dantoc.portal import feeds, views, views_editor
from dantoc.portal.cache import public_page
from dantoc.portal.sitemaps import SITEMAPS

app_name = "portal"

SECTION = "<str:section>"

urlpatterns = [
    path("cong-thong-tin/", views.home, name="home"),
    path("cong-thong-tin/tim-kiem/", views.search, name="search"),
    path("cong-thong-tin/van-ban/", views.document_list, name="documents"),
    path(
        "cong-thong-tin/van-ban/atom.xml", public_page(feeds.DocumentFeed()), name="document_feed"
    ),
    path("cong-thong-tin/van-ban/<slug:slug>/", views.document_detail, name="document"),
    path("cong-thong-tin/co-quan/", views.agency_list, name="agencies"),
    path("cong-thong-tin/dia-ban/", views.areas_index, name="areas"),
    path("cong-thong-tin/dia-ban/<str:code>/", views.areas_province, name="areas_province"),
    path("cong-thong-tin/ngon-ngu/<str:code>/", views.language, name="language"),
    path("cong-thong-tin/tep/<uuid:uuid>/", views.attachment, name="attachment"),
    path("cong-thong-tin/anh/<uuid:uuid>/", views.article_image, name="image"),
    path(f"cong-thong-tin/{SECTION}/", views.section, name="section"),
    path(f"cong-thong-tin/{SECTION}/atom.xml", public_page(feeds.SectionFeed()), name="feed"),
    path(f"cong-thong-tin/{SECTION}/<slug:slug>/", views.article_detail, name="article"),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        public_page(sitemap),
        {"sitemaps": SITEMAPS, "template_name": "portal/sitemap.xml"},
        name="sitemap",
    ),
    # Editors
    path("bien-tap/", views_editor.article_list, name="editor_articles"),
    path("bien-tap/bai-viet/moi/", views_editor.article_edit, name="editor_article_new"),
    path("bien-tap/bai-viet/<uuid:uuid>/", views_editor.article_edit, name="editor_article"),
    path(
        "bien-tap/bai-viet/<uuid:uuid>/ban-dich/",
        views_editor.article_translation,
        name="editor_article_translation",
    ),
    path(
        "bien-tap/bai-viet/<uuid:uuid>/<str:action>/",
        views_editor.article_action,
        name="editor_article_action",
    ),
    path("bien-tap/van-ban/", views_editor.document_list, name="editor_documents"),
    path("bien-tap/van-ban/moi/", views_editor.document_edit, name="editor_document_new"),
    path("bien-tap/van-ban/<uuid:uuid>/", views_editor.document_edit, name="editor_document"),
    path(
        "bien-tap/van-ban/<uuid:uuid>/<str:action>/",
        views_editor.document_action,
        name="editor_document_action",
    ),
    path("bien-tap/ban-sua/<uuid:uuid>/", views_editor.revision_detail, name="editor_revision"),
    path(
        "bien-tap/ban-sua/<uuid:uuid>/<str:action>/",
        views_editor.revision_action,
        name="editor_revision_action",
    ),
    path("bien-tap/co-quan/", views_editor.agency_list, name="editor_agencies"),
    path("bien-tap/co-quan/moi/", views_editor.agency_edit, name="editor_agency_new"),
    path("bien-tap/co-quan/<uuid:uuid>/", views_editor.agency_edit, name="editor_agency"),
    path(
        "bien-tap/co-quan/<uuid:uuid>/xoa/", views_editor.agency_delete, name="editor_agency_delete"
    ),
]
