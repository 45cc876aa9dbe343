from django.urls import path

from dantoc.heritage import views

app_name = "heritage"
urlpatterns = [
    path("di-san/", views.item_list, name="item_list"),
    path("di-san/ban-tin.rss", views.ItemFeed(), name="feed"),
    path("di-san/ke-hoach-so-hoa/", views.inventory, name="inventory"),
    path("di-san/ke-hoach-so-hoa/sua/", views.inventory_edit, name="inventory_edit"),
    path("di-san/quan-ly/", views.manage_list, name="manage_list"),
    path("di-san/quan-ly/moi/", views.item_create, name="item_create"),
    path("di-san/quan-ly/<uuid:uuid>/", views.manage_item, name="manage_item"),
    path("di-san/quan-ly/<uuid:uuid>/tep/", views.media_upload, name="media_upload"),
    path(
        "di-san/quan-ly/<uuid:uuid>/tep/phan/",
        views.media_upload_piece,
        name="media_upload_piece",
    ),
    path("di-san/quan-ly/<uuid:uuid>/buoc/", views.item_step, name="item_step"),
    path("di-san/quan-ly/<uuid:uuid>/ban-sua/", views.revision_step, name="revision_step"),
    path("di-san/quan-ly/<uuid:uuid>/ban-dich/", views.item_translations, name="translations"),
    path("di-san/giao-thuc/moi/", views.protocol_create, name="protocol_create"),
    path("di-san/giao-thuc/<uuid:uuid>/", views.protocol_members, name="protocol_members"),
    path("di-san/tep/<uuid:uuid>", views.media_file, name="media_file"),
    path("di-san/<uuid:uuid>/", views.item_detail, name="item_detail"),
    path("di-san/<uuid:uuid>/manifest.json", views.item_manifest, name="manifest"),
    path("iiif/3/<uuid:uuid>", views.iiif_base, name="iiif_base"),
    path("iiif/3/<uuid:uuid>/info.json", views.iiif_info, name="iiif_info"),
    path(
        "iiif/3/<uuid:uuid>/<str:region>/<str:size>/<str:rotation>/<str:quality_format>",
        views.iiif_image,
        name="iiif_image",
    ),
]
