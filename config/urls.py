from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dantoc.accounts.apis import MeApi, UserDetailApi, UserListApi
from dantoc.audit.apis import AuditEntryListApi
from dantoc.core.middleware import content_security_policy
from dantoc.core.views import healthz
from dantoc.geo.apis import EthnicGroupListApi, UnitDetailApi, UnitListApi
from dantoc.programmes.apis import ProgrammeDetailApi, ProgrammeListApi

api_v1 = [
    path("units/", UnitListApi.as_view(), name="unit-list"),
    path("units/<str:code>/", UnitDetailApi.as_view(), name="unit-detail"),
    path("ethnic-groups/", EthnicGroupListApi.as_view(), name="ethnic-group-list"),
    path("programmes/", ProgrammeListApi.as_view(), name="programme-list"),
    path("programmes/<str:code>/", ProgrammeDetailApi.as_view(), name="programme-detail"),
    path("me/", MeApi.as_view(), name="me"),
    path("users/", UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", UserDetailApi.as_view(), name="user-detail"),
    path("audit-entries/", AuditEntryListApi.as_view(), name="audit-entry-list"),
]

# Swagger UI's scripts are served as files (the split view), so scripts stay 'self' only; its
# page carries a small <style> block of drf-spectacular's template.
api_docs = content_security_policy(style_src="'self' 'unsafe-inline'")(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema")
)

urlpatterns = [
    path("", include("dantoc.core.urls")),
    path("", include("dantoc.geo.urls")),
    path("", include("dantoc.programmes.urls")),
    path("", include("dantoc.audit.urls")),
    path("", include("dantoc.media.urls")),
    path("accounts/", include("dantoc.accounts.urls")),
    path("", include("dantoc.reporting.urls")),
    path("", include("dantoc.notifications.urls")),
    path("api/", include("dantoc.reporting.api_urls")),
    path("api/", include("dantoc.analytics.api_urls")),
    path("", include("dantoc.analytics.urls")),
    path("", include("dantoc.opendata.urls")),
    path("", include("dantoc.opendata.api_urls")),
    path("", include("dantoc.portal.urls")),
    path("", include("dantoc.integration.urls")),
    path("api/v1/", include("dantoc.notifications.api_urls")),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "dantoc.core.views.error_403"
handler404 = "dantoc.core.views.error_404"
handler500 = "dantoc.core.views.error_500"
