from django.urls import path

from dantoc.notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notification_read_all"),
    path("notifications/mail/", views.outgoing_mail, name="outgoing_mail"),
]
