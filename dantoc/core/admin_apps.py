from django.contrib.admin.apps import AdminConfig


class DantocAdminConfig(AdminConfig):
    default_site = "dantoc.core.admin_site.DantocAdminSite"
