from dantoc.analytics import apis

app_name = "analytics_api"
urlpatterns = apis.urlpatterns
