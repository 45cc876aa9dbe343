from django.urls import include, path

from dantoc.analytics import apis

app_name = "analytics_api"
# DHIS2-style addresses under /api/ (/api/analytics…).
urlpatterns = [path("api/", include(apis.urlpatterns))]
