from django.urls import path

from dantoc.library import views, views_editor, views_opds

app_name = "library"

urlpatterns = [
    path("thu-vien/", views.home, name="home"),
    path("thu-vien/opds/", views_opds.root, name="opds_root"),
    path("thu-vien/opds/moi/", views_opds.acquisition, name="opds_new"),
    path("thu-vien/opds/loai/<slug:doc_type>/", views_opds.acquisition, name="opds_type"),
    path("thu-vien/opds/tim/", views_opds.search, name="opds_search"),
    path("thu-vien/opds/opensearch.xml", views_opds.opensearch, name="opds_opensearch"),
    path("thu-vien/bien-tap/", views_editor.item_list, name="editor_list"),
    path("thu-vien/bien-tap/moi/", views_editor.item_edit, name="editor_new"),
    path("thu-vien/bien-tap/<uuid:uuid>/", views_editor.item_edit, name="editor_item"),
    path(
        "thu-vien/bien-tap/<uuid:uuid>/<slug:action>/",
        views_editor.item_action,
        name="editor_action",
    ),
    path("thu-vien/<uuid:uuid>/", views.item_detail, name="item"),
    path("thu-vien/<uuid:uuid>/doc/", views.item_reader, name="reader"),
    path("thu-vien/<uuid:uuid>/van-ban/", views.item_text, name="text"),
    path("thu-vien/<uuid:uuid>/tep/", views.item_file, name="file"),
    path("thu-vien/<uuid:uuid>/am-thanh/", views.item_audio, name="audio"),
]
