from django.urls import path

from dantoc.geo import views

app_name = "geo"
urlpatterns = [
    path("units/", views.unit_index, name="unit_index"),
    path("units/pick/", views.unit_pick, name="unit_pick"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("ethnic-groups/", views.ethnic_group_list, name="ethnic_group_list"),
]
