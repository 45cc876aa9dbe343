from django.urls import path

from dantoc.programmes.apis import ProgrammeDetailApi, ProgrammeListApi

app_name = "programmes_api"
urlpatterns = [
    path("api/v1/programmes/", ProgrammeListApi.as_view(), name="programme-list"),
    path("api/v1/programmes/<str:code>/", ProgrammeDetailApi.as_view(), name="programme-detail"),
]
