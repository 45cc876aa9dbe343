from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "dantoc.analytics"
    label = "analytics"
    verbose_name = "Phân tích, tổng hợp"
