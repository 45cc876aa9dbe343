from django.urls import path

from dantoc.experts.apis import ExpertDetailApi, ExpertListApi

app_name = "experts_api"
urlpatterns = [
    path("api/v1/experts/", ExpertListApi.as_view(), name="expert-list"),
    path("api/v1/experts/<uuid:uuid>/", ExpertDetailApi.as_view(), name="expert-detail"),
]
