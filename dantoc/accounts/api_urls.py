from django.urls import path

from dantoc.accounts.apis import MeApi, UserDetailApi, UserListApi

app_name = "accounts_api"
urlpatterns = [
    path("api/v1/me/", MeApi.as_view(), name="me"),
    path("api/v1/users/", UserListApi.as_view(), name="user-list"),
    path("api/v1/users/<int:pk>/", UserDetailApi.as_view(), name="user-detail"),
]
