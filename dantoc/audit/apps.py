from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dantoc.audit"
    label = "audit"
    api_urls = "dantoc.audit.api_urls"
    verbose_name = "Nhật ký"
