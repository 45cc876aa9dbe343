"""The OAuth2 endpoints at the short paths gateways expect (/token) and the integration API
under /api/integration/v1/."""

from django.urls import path

from dantoc.integration import apis, apis_oauth

app_name = "integration_api"

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
]
