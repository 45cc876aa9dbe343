"""CKAN Action API and DCAT-AP addresses (mounted at the site root by config/urls.py)."""

from dantoc.opendata import apis

app_name = "opendata_api"
urlpatterns = apis.urlpatterns
