from django.urls import path

from dantoc.reporting import apis, apis_dhis2, apis_dhis2_metadata

app_name = "reporting_api"
urlpatterns = [
    path(
        "v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
    *apis_dhis2.urlpatterns,
    *apis_dhis2_metadata.urlpatterns,
]
