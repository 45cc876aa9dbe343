from django.urls import path

from dantoc.geo.apis import EthnicGroupListApi, UnitDetailApi, UnitListApi

app_name = "geo_api"
urlpatterns = [
    path("api/v1/units/", UnitListApi.as_view(), name="unit-list"),
    path("api/v1/units/<str:code>/", UnitDetailApi.as_view(), name="unit-detail"),
    path("api/v1/ethnic-groups/", EthnicGroupListApi.as_view(), name="ethnic-group-list"),
]
