from axes.apps import AppConfig as AxesAppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class DantocAdminConfig(AdminConfig):
    default_site = "dantoc.core.admin_site.DantocAdminSite"


# Third-party apps whose models appear in the administration site, under Vietnamese names
# (English when chosen). Their models' own names are translated in locale/vi (they are
# English msgids); the apps' names are set here, which changes no migration.
class AxesConfig(AxesAppConfig):
    verbose_name = _("Đăng nhập sai và khoá tạm thời")


class TasksConfig(TasksAppConfig):
    verbose_name = _("Việc chạy nền")
