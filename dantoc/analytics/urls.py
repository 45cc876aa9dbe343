from django.urls import path

from dantoc.analytics import views, views_report

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/pivot/", views.pivot, name="pivot"),
    path("analytics/targets/", views.targets, name="targets"),
    # The aggregate report (báo cáo tổng hợp) views are added below this line.
    path("analytics/report/", views_report.report, name="report"),
    path("analytics/report/generate", views_report.report_generate, name="report-generate"),
    path("analytics/report.pdf", views_report.report_pdf, name="report-pdf"),
    path("analytics/report.xlsx", views_report.report_xlsx, name="report-xlsx"),
]
