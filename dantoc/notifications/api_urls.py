from django.urls import path

from dantoc.notifications.apis import (
    NotificationListApi,
    NotificationReadAllApi,
    NotificationReadApi,
)

app_name = "notifications_api"
urlpatterns = [
    path("notifications/", NotificationListApi.as_view(), name="notification-list"),
    path(
        "notifications/<int:id>/read/",
        NotificationReadApi.as_view(),
        name="notification-read",
    ),
    path(
        "notifications/read-all/",
        NotificationReadAllApi.as_view(),
        name="notification-read-all",
    ),
]
