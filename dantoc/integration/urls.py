"""The administrators' pages under /integration/ (the OAuth2 endpoints and the integration API
are in ``api_urls``)."""

from django.urls import path

from dantoc.integration import views

app_name = "integration"

urlpatterns = [
    path("integration/", views.client_list, name="client_list"),
    path("integration/new/", views.client_create, name="client_create"),
    path("integration/<int:pk>/", views.client_detail, name="client_detail"),
    path("integration/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("integration/<int:pk>/rotate/", views.client_rotate, name="client_rotate"),
    path("integration/<int:pk>/active/", views.client_active, name="client_active"),
    path("integration/<int:pk>/webhooks/", views.subscription_create, name="subscription_create"),
    path(
        "integration/webhooks/<uuid:uuid>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path(
        "integration/messages/<str:webhook_id>/retry/",
        views.message_retry,
        name="message_retry",
    ),
]
