from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "dantoc.indicators"
    label = "indicators"
    verbose_name = "Chỉ tiêu"
