from django.urls import path

from dantoc.reporting import apis, apis_dhis2

app_name = "reporting_api"
urlpatterns = [
    path(
        "v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
    path(
        "v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/outbox",
        apis.ReportOutboxApi.as_view(),
        name="report-outbox",
    ),
    *apis_dhis2.urlpatterns,
]
