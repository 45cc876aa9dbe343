from django.urls import path

from dantoc.media import views

app_name = "media"
urlpatterns = [
    path("tep-da-phuong-tien/<uuid:uuid>/", views.asset_detail, name="asset"),
    path("tep-da-phuong-tien/<uuid:uuid>/thu-lai/", views.asset_retry, name="asset_retry"),
    path("tep-da-phuong-tien/<uuid:uuid>/<str:profile>", views.asset_file, name="file"),
]
