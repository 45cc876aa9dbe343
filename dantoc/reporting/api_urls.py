from django.urls import path

from dantoc.reporting import apis, apis_catalogue, apis_dhis2, apis_dhis2_metadata

app_name = "reporting_api"
urlpatterns = [
    path(
        "v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
    path("v1/forms/", apis_catalogue.FormListApi.as_view(), name="form-list"),
    path("v1/forms/<str:code>/", apis_catalogue.FormDetailApi.as_view(), name="form-detail"),
    path("v1/indicators/", apis_catalogue.IndicatorListApi.as_view(), name="indicator-list"),
    path(
        "v1/indicators/<str:code>/",
        apis_catalogue.IndicatorDetailApi.as_view(),
        name="indicator-detail",
    ),
    path("v1/periods/", apis_catalogue.PeriodListApi.as_view(), name="period-list"),
    *apis_dhis2.urlpatterns,
    *apis_dhis2_metadata.urlpatterns,
]
