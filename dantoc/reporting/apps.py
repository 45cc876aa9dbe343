from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "dantoc.reporting"
    label = "reporting"
    verbose_name = "Báo cáo"
