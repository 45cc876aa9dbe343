from django.urls import path

from dantoc.reporting import views, views_define, views_xlsx
from dantoc.reporting.designer import views as designer

app_name = "reporting"
report = "reporting/<str:form_code>/<str:period_code>/<str:unit_code>/"
urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("reporting/", views.report_index, name="index"),
    path("reporting/approve/", views.approve_many, name="approve_many"),
    path("reporting/forms/", views_define.form_list, name="form_list"),
    path("reporting/forms/new/", views_define.form_upload, name="form_upload"),
    path(
        "reporting/forms/<str:code>/v<int:version>/", views_define.form_detail, name="form_detail"
    ),
    path(
        "reporting/forms/<str:code>/v<int:version>/publish",
        views_define.form_publish,
        name="form_publish",
    ),
    path("reporting/forms/<str:code>/v<int:version>/json", designer.form_json, name="form_json"),
    path(
        "reporting/forms/<str:code>/v<int:version>/design",
        designer.design_from_version,
        name="design_from_version",
    ),
    path("reporting/designer/", designer.design_index, name="design_index"),
    path("reporting/designer/<int:pk>/", designer.design_edit, name="design_edit"),
    path("reporting/designer/<int:pk>/step/<str:step>", designer.design_step, name="design_step"),
    path("reporting/designer/<int:pk>/item", designer.design_item, name="design_item"),
    path("reporting/designer/<int:pk>/preview", designer.design_preview, name="design_preview"),
    path("reporting/designer/<int:pk>/save", designer.design_save, name="design_save"),
    path("reporting/designer/<int:pk>/discard", designer.design_discard, name="design_discard"),
    path("reporting/designer/<int:pk>/json", designer.design_json, name="design_json"),
    path("reporting/indicators/", views_define.indicator_list, name="indicator_list"),
    path("reporting/indicators/new/", views_define.indicator_edit, name="indicator_new"),
    path(
        "reporting/indicators/<str:code>/edit/", views_define.indicator_edit, name="indicator_edit"
    ),
    path("reporting/period-types/", views_define.period_type_list, name="period_type_list"),
    # Before the report pattern, whose unit code would otherwise swallow "completeness".
    path(
        "reporting/<str:form_code>/<str:period_code>/completeness/",
        views.completeness,
        name="completeness",
    ),
    path(
        "reporting/<str:form_code>/<str:period_code>/completeness/remind",
        views.completeness_remind,
        name="completeness_remind",
    ),
    path(report + "xlsx", views_xlsx.report_xlsx_download, name="report_xlsx_download"),
    path(report + "xlsx/upload", views_xlsx.report_xlsx_upload, name="report_xlsx_upload"),
    path(report, views.report_entry, name="report"),
    path(report + "submit", views.report_submit, name="report_submit"),
    path(report + "approve", views.report_approve, name="report_approve"),
    path(report + "return", views.report_return, name="report_return"),
    path(report + "waive", views.report_waive, name="report_waive"),
    path(report + "history/<str:key>", views.value_history, name="value_history"),
]
