from django.urls import include, path

from dantoc.analytics import apis, apis_raw

app_name = "analytics_api"
# DHIS2-style addresses under /api/ (/api/analytics…).
urlpatterns = [path("api/", include(apis_raw.urlpatterns + apis.urlpatterns))]
