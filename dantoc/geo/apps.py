from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "dantoc.geo"
    label = "geo"
    verbose_name = "Đơn vị hành chính và dân tộc"
