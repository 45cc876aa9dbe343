from django.urls import path

from dantoc.reporting import views

app_name = "reporting"
report = "reporting/<str:form_code>/<str:period_code>/<str:unit_code>/"
urlpatterns = [
    path("reporting/", views.report_index, name="index"),
    # Before the report pattern, whose unit code would otherwise swallow "completeness".
    path(
        "reporting/<str:form_code>/<str:period_code>/completeness/",
        views.completeness,
        name="completeness",
    ),
    path(report, views.report_entry, name="report"),
    path(report + "submit", views.report_submit, name="report_submit"),
    path(report + "approve", views.report_approve, name="report_approve"),
    path(report + "return", views.report_return, name="report_return"),
    path(report + "waive", views.report_waive, name="report_waive"),
    path(report + "history/<str:key>", views.value_history, name="value_history"),
]
