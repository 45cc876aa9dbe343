from django.urls import include, path

from dantoc.reporting import apis, apis_dhis2

app_name = "reporting_api"
urlpatterns = [
    path(
        "api/v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
    # The DHIS2 Web API addresses (/api/dataValueSets…).
    path("api/", include(apis_dhis2.urlpatterns)),
]
