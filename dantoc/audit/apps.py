from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "dantoc.audit"
    label = "audit"
    api_urls = "dantoc.audit.api_urls"
    verbose_name = _("Nhật ký")
