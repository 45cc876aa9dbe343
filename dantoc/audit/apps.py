from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "dantoc.audit"
    label = "audit"
    verbose_name = "Nhật ký"
