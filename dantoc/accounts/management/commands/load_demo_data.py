"""Demo officials for trying the platform out. Refuses to run in production."""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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


class Command(BaseCommand):
    help = "Tạo các tài khoản cán bộ mẫu (chỉ dùng để dùng thử, không dùng trong sản xuất)."

    def handle(self, *args, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("Không tạo dữ liệu mẫu khi DANTOC_PRODUCTION=1.")
        for username, full_name, position, code, roles, key_hex in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            unit = unit_get(code=code)
            if unit is None:
                raise CommandError(f"Chưa có đơn vị {code}: chạy load_reference_data trước.")
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
            self.stdout.write(f"demo user {username} ({unit.name})")
        from dantoc.analytics.demo import demo_figures_load

        count = demo_figures_load(actor=User.objects.get(username="bo.giamsat"))
        if count:
            self.stdout.write(f"demo figures: {count} values entered and approved")
        from dantoc.analytics.demo import demo_households_load

        count = demo_households_load(actor=User.objects.get(username="bo.giamsat"))
        if count:
            self.stdout.write(f"demo households: {count} values entered and approved")
        from dantoc.opendata.demo import demo_datasets_load

        if made := demo_datasets_load():
            self.stdout.write(f"demo open data: {made} data sets published")
        from dantoc.portal.demo import demo_content_load

        added = demo_content_load()
        if any(added.values()):
            self.stdout.write(f"demo portal content: {added}")
        if not User.objects.filter(is_superuser=True).exists():
            admin = User.objects.get(username="admin")
            admin.is_staff = True
            admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
