from django.urls import path

from dantoc.citizens import views, views_editor, views_market, views_ocop

app_name = "citizens"

urlpatterns = [
    path("dong-bao/", views.home, name="home"),
    path("dong-bao/chon-xa/", views.commune_choose, name="choose"),
    path("dong-bao/tim/", views.search, name="search"),
    path("dong-bao/da-luu/", views.saved, name="saved"),
    path("dong-bao/nghe/<uuid:uuid>/", views.audio_file, name="audio"),
    path("dong-bao/bien-tap/", views_editor.item_list, name="editor_list"),
    path("dong-bao/bien-tap/moi/", views_editor.item_edit, name="editor_new"),
    path("dong-bao/bien-tap/luot-xem/", views_editor.reach, name="editor_reach"),
    path("dong-bao/bien-tap/<uuid:uuid>/", views_editor.item_edit, name="editor_item"),
    path(
        "dong-bao/bien-tap/<uuid:uuid>/ban-dich/",
        views_editor.translation_edit,
        name="editor_translation",
    ),
    path("dong-bao/bien-tap/<uuid:uuid>/ghi-am/", views_editor.audio_edit, name="editor_audio"),
    path(
        "dong-bao/bien-tap/<uuid:uuid>/<slug:action>/",
        views_editor.item_action,
        name="editor_action",
    ),
    path("dong-bao/ocop/", views_ocop.ocop_list, name="ocop"),
    path("dong-bao/ocop/bien-tap/", views_ocop.ocop_editor_list, name="ocop_editor_list"),
    path("dong-bao/ocop/bien-tap/moi/", views_ocop.ocop_edit, name="ocop_new"),
    path("dong-bao/ocop/bien-tap/<uuid:uuid>/", views_ocop.ocop_edit, name="ocop_edit"),
    path(
        "dong-bao/ocop/bien-tap/<uuid:uuid>/<slug:action>/",
        views_ocop.ocop_action,
        name="ocop_action",
    ),
    path("dong-bao/ocop/anh/<int:pk>/", views_ocop.ocop_photo, name="ocop_photo"),
    path("dong-bao/ocop/<slug:slug>/", views_ocop.ocop_product, name="ocop_product"),
    path("dong-bao/gia-ca/", views_market.prices_home, name="prices"),
    path("dong-bao/gia-ca/nhap/", views_market.prices_enter, name="prices_enter"),
    path("dong-bao/gia-ca/<str:code>/", views_market.prices_province, name="prices_province"),
    path(
        "dong-bao/gia-ca/<str:code>/<slug:product>/",
        views_market.prices_product,
        name="prices_product",
    ),
    path("dong-bao/<slug:topic>/", views.topic, name="topic"),
    path("dong-bao/<slug:topic>/<slug:slug>/", views.item_detail, name="item"),
    path("dong-bao/<slug:topic>/<slug:slug>/in/", views.item_print, name="print"),
    path(
        "dong-bao/<slug:topic>/<slug:slug>/chia-se/<slug:channel>/",
        views.item_share,
        name="share",
    ),
]
