from django.urls import include, path

from dantoc.reporting import apis, apis_catalogue, apis_dhis2, apis_dhis2_metadata

app_name = "reporting_api"
urlpatterns = [
    path(
        "api/v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/values",
        apis.ReportValuesApi.as_view(),
        name="report-values",
    ),
    path(
        "api/v1/reports/<str:form_code>/<str:period_code>/<str:unit_code>/outbox",
        apis.ReportOutboxApi.as_view(),
        name="report-outbox",
    ),
    path("api/v1/forms/", apis_catalogue.FormListApi.as_view(), name="form-list"),
    path("api/v1/forms/<str:code>/", apis_catalogue.FormDetailApi.as_view(), name="form-detail"),
    path("api/v1/indicators/", apis_catalogue.IndicatorListApi.as_view(), name="indicator-list"),
    path(
        "api/v1/indicators/<str:code>/",
        apis_catalogue.IndicatorDetailApi.as_view(),
        name="indicator-detail",
    ),
    path("api/v1/periods/", apis_catalogue.PeriodListApi.as_view(), name="period-list"),
    # The DHIS2 Web API addresses (/api/dataValueSets…, /api/dataElements…, /api/system/info).
    path("api/", include(apis_dhis2.urlpatterns)),
    path("api/", include(apis_dhis2_metadata.urlpatterns)),
]
