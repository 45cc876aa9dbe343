from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from dantoc.core.middleware import content_security_policy
from dantoc.core.oai import endpoint as oai_endpoint
from dantoc.core.registry import api_urlpatterns
from dantoc.core.views import healthz

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
    path("", include("dantoc.alerts.urls")),
    path("", include("dantoc.training.urls")),
    path("", include("dantoc.analytics.urls")),
    path("", include("dantoc.opendata.urls")),
    path("", include("dantoc.portal.urls")),
    path("", include("dantoc.citizens.urls")),
    path("", include("dantoc.meetings.urls")),
    path("", include("dantoc.channels.urls")),
    path("", include("dantoc.experts.urls")),
    path("", include("dantoc.heritage.urls")),
    path("", include("dantoc.sensors.urls")),
    path("", include("dantoc.library.urls")),
    path("", include("dantoc.integration.urls")),
    path("healthz", healthz, name="healthz"),
    # The OAI-PMH 2.0 provider of the whole platform, over the apps' declared OaiSources.
    path("oai", oai_endpoint, name="oai"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Every app's API URLs, declared on its AppConfig (api_urls) and included the same way.
    *api_urlpatterns(),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "dantoc.core.views.error_403"
handler404 = "dantoc.core.views.error_404"
handler500 = "dantoc.core.views.error_500"
