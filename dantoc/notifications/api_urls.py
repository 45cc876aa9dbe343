from django.urls import path

from dantoc.notifications.apis import (
    NotificationListApi,
    NotificationReadAllApi,
    NotificationReadApi,
)

app_name = "notifications_api"
urlpatterns = [
    path("api/v1/notifications/", NotificationListApi.as_view(), name="notification-list"),
    path(
        "api/v1/notifications/<int:id>/read/",
        NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path(
        "api/v1/notifications/read-all/",
        NotificationReadAllApi.as_view(),
        name="notification-read-all",
    ),
]
