from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# The role code of system administrators (accounts.RoleCode.SYSTEM_ADMIN; core sits below
# accounts and names the code instead of importing it).
ADMIN_ROLE = "system_admin"


class DantocAdminSite(admin.AdminSite):
    """The administration site is for system administrators (by role, not by a separate
    "staff" flag that would drift from the roles); what each page allows is decided by the
    permission functions the models' admin classes call."""

    site_header = _("Quản trị dantoc")
    site_title = _("Quản trị dantoc")
    index_title = _("Danh mục và dữ liệu tham chiếu")

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.has_role(ADMIN_ROLE))
