"""Demo officials for trying the platform out (load_demo_data; never in production)."""

from __future__ import annotations

import base64

from dantoc.accounts.models import RoleCode, User
from dantoc.accounts.services import totp_device_install, user_create
from dantoc.geo.selectors import unit_get

DEMO_PASSWORD = "dantoc-demo-2025"

# (username, full name, position, unit code, roles, TOTP secret as hex or None)
DEMO_USERS = [
    (
        "admin",
        "Nguyễn Văn Quản",
        "Quản trị hệ thống",
        "VN",
        [RoleCode.SYSTEM_ADMIN],
        "64616e746f632d61646d696e2d64656d6f2d3031",
    ),
    (
        "bo.giamsat",
        "Trần Thị Minh",
        "Chuyên viên Vụ Kế hoạch - Tài chính",
        "VN",
        [RoleCode.MINISTRY_OFFICER],
        "64616e746f632d6d696e69737472792d64656d6f",
    ),
    ("bientap", "Lê Thu Hà", "Biên tập viên Cổng thông tin", "VN", [RoleCode.CONTENT_EDITOR], None),
    # A second editor: the portal publishes only what another editor has read (four eyes).
    (
        "bientap.duyet",
        "Đỗ Quang Huy",
        "Biên tập viên Cổng thông tin (duyệt đăng)",
        "VN",
        [RoleCode.CONTENT_EDITOR],
        None,
    ),
    (
        "tinh.tuyenquang",
        "Hoàng Văn Sùng",
        "Chuyên viên Sở Dân tộc và Tôn giáo",
        "08",
        [RoleCode.PROVINCE_OFFICER],
        "64616e746f632d747579656e7175616e672d3031",
    ),
    (
        "tinh.laocai",
        "Vàng Seo Pao",
        "Chuyên viên Sở Dân tộc và Tôn giáo",
        "15",
        [RoleCode.PROVINCE_OFFICER],
        "64616e746f632d6c616f6361692d64656d6f3031",
    ),
    (
        "xa.lungcu",
        "Sùng Mí Chá",
        "Công chức Văn phòng - Thống kê",
        "00715",
        [RoleCode.COMMUNE_REPORTER],
        None,
    ),
    (
        "xa.ngocduong",
        "Lý Thị Mai",
        "Công chức Văn phòng - Thống kê",
        "00700",
        [RoleCode.COMMUNE_REPORTER],
        None,
    ),
]


def totp_secret_b32(key_hex: str) -> str:
    return base64.b32encode(bytes.fromhex(key_hex)).decode()


def demo_users_load() -> list[str]:
    """Loader ``accounts.demo_users``: the demo officials of README.md (existing ones are left
    as they are); the demo administrator may also open Django's admin."""
    made = []
    for username, full_name, position, code, roles, key_hex in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        unit = unit_get(code=code)
        if unit is None:
            raise LookupError(f"Chưa có đơn vị {code}: chạy load_reference_data trước.")
        user = user_create(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            unit=unit,
            roles=roles,
            full_name=full_name,
            position=position,
            email=f"{username}@example.invalid",
            check_password=False,
        )
        if key_hex:
            totp_device_install(actor=None, user=user, key_hex=key_hex)
        made.append(username)
    if not User.objects.filter(is_superuser=True).exists():
        admin = User.objects.get(username="admin")
        admin.is_staff = True
        admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    return made
