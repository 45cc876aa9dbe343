from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "dantoc.media"
    label = "media"
    verbose_name = "Tệp đa phương tiện"
