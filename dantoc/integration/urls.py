"""The OAuth2 endpoints at the short paths gateways expect (/token), the integration API under
/api/integration/v1/, and the administrators' pages under /integration/."""

from django.urls import path

from dantoc.integration import apis, apis_oauth, views

app_name = "integration"

urlpatterns = [
    path("token", apis_oauth.TokenApi.as_view(), name="token"),
    path("token/introspect", apis_oauth.IntrospectApi.as_view(), name="introspect"),
    path("token/revoke", apis_oauth.RevokeApi.as_view(), name="revoke"),
    path(
        ".well-known/oauth-authorization-server",
        apis_oauth.AuthorizationServerMetadataApi.as_view(),
        name="oauth_metadata",
    ),
    path("api/integration/v1/me", apis.MeApi.as_view(), name="api_me"),
    path("api/integration/v1/documents", apis.DocumentsFeedApi.as_view(), name="feed_documents"),
    path("api/integration/v1/policies", apis.PoliciesFeedApi.as_view(), name="feed_policies"),
    path("api/integration/v1/news", apis.NewsFeedApi.as_view(), name="feed_news"),
    path("api/integration/v1/reports", apis.ReportsFeedApi.as_view(), name="feed_reports"),
    path(
        "api/integration/v1/webhooks/subscriptions",
        apis.SubscriptionListApi.as_view(),
        name="api_subscriptions",
    ),
    path(
        "api/integration/v1/webhooks/subscriptions/<uuid:uuid>",
        apis.SubscriptionDetailApi.as_view(),
        name="api_subscription",
    ),
    path(
        "api/integration/v1/webhooks/subscriptions/<uuid:uuid>/messages",
        apis.SubscriptionMessagesApi.as_view(),
        name="api_subscription_messages",
    ),
    path("api/integration/v1/submissions", apis.SubmissionCreateApi.as_view(), name="api_submit"),
    path(
        "api/integration/v1/submissions/<uuid:uuid>",
        apis.SubmissionDetailApi.as_view(),
        name="api_submission",
    ),
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
