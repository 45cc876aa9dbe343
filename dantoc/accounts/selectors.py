from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dantoc.accounts.models import RoleCode, User
from dantoc.accounts.permissions import scope_q

CAPABILITIES = {
    RoleCode.COMMUNE_REPORTER: [
        _("Nhập số liệu báo cáo của xã, nộp báo cáo đúng hạn"),
        _("Tải biểu mẫu Excel, điền và tải lên lại"),
    ],
    RoleCode.DISTRICT_OFFICER: [
        _("Xem, duyệt hoặc trả lại báo cáo của các xã trực thuộc"),
    ],
    RoleCode.PROVINCE_OFFICER: [
        _("Xem, duyệt hoặc trả lại báo cáo của các đơn vị trong tỉnh"),
        _("Theo dõi tiến độ và số liệu tổng hợp của tỉnh"),
    ],
    RoleCode.MINISTRY_OFFICER: [
        _("Định nghĩa chỉ tiêu và biểu mẫu báo cáo"),
        _("Duyệt báo cáo cấp tỉnh, xem số liệu toàn quốc"),
    ],
    RoleCode.CONTENT_EDITOR: [
        _("Soạn và xuất bản tin bài, văn bản, chính sách trên cổng thông tin"),
    ],
    RoleCode.SYSTEM_ADMIN: [
        _("Quản lý tài khoản cán bộ trong phạm vi đơn vị"),
        _("Xem nhật ký hệ thống"),
    ],
}


def user_capabilities(user: User) -> list[str]:
    result: list[str] = []
    for code in RoleCode.values:
        if user.has_role(code):
            result.extend(str(c) for c in CAPABILITIES.get(code, []))
    return result


def users_visible_to(user: User) -> QuerySet[User]:
    """Accounts of the units in the viewer's scope."""
    return (
        User.objects.filter(scope_q(user, "unit__path"))
        .select_related("unit")
        .prefetch_related("roles")
        .order_by("unit__path", "username")
    )
