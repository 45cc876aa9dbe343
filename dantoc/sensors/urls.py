from django.urls import path

from dantoc.sensors import views

app_name = "sensors"
urlpatterns = [
    path("thiet-bi/", views.device_list, name="device_list"),
    path("thiet-bi/dang-ky/", views.device_register, name="device_register"),
    path("thiet-bi/vuot-nguong/", views.crossing_list, name="crossing_list"),
    path("thiet-bi/vuot-nguong/<int:pk>/", views.crossing_decide, name="crossing_decide"),
    path("thiet-bi/<uuid:uuid>/", views.device_detail, name="device_detail"),
    path("thiet-bi/<uuid:uuid>/thu-hoi/", views.device_revoke, name="device_revoke"),
    path("thiet-bi/<uuid:uuid>/doi-khoa/", views.device_secret_renew, name="device_secret_renew"),
]
