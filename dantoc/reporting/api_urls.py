from django.urls import path

from dantoc.reporting import apis

app_name = "reporting_api"
urlpatterns = [
    path(
        "v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
]
