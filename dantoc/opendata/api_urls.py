"""CKAN Action API and DCAT-AP addresses (from the site root, as every app's api_urls)."""

from dantoc.opendata import apis

app_name = "opendata_api"
urlpatterns = apis.urlpatterns
