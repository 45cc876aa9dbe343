from django.urls import path

from dantoc.heritage.apis import ItemDetailApi, ItemListApi

app_name = "heritage_api"
urlpatterns = [
    path("api/v1/heritage/items/", ItemListApi.as_view(), name="item-list"),
    path("api/v1/heritage/items/<uuid:uuid>/", ItemDetailApi.as_view(), name="item-detail"),
]
