from django.db import migrations

ROLES = [
    (
        "commune_reporter",
        "Cán bộ báo cáo cấp xã",
        "Commune reporter",
        "Nhập và nộp báo cáo của xã.",
    ),
    (
        "district_officer",
        "Cán bộ cấp huyện",
        "District officer",
        "Duyệt báo cáo của các xã trực thuộc (các kỳ trước 01/07/2025).",
    ),
    (
        "province_officer",
        "Cán bộ cấp tỉnh",
        "Province officer",
        "Duyệt báo cáo của các đơn vị trong tỉnh, theo dõi số liệu tổng hợp của tỉnh.",
    ),
    (
        "ministry_officer",
        "Cán bộ cấp bộ",
        "Ministry officer",
        "Định nghĩa chỉ tiêu, biểu mẫu; duyệt báo cáo cấp tỉnh; xem số liệu toàn quốc.",
    ),
    (
        "content_editor",
        "Biên tập viên nội dung",
        "Content editor",
        "Soạn và xuất bản nội dung trên cổng thông tin.",
    ),
    (
        "system_admin",
        "Quản trị hệ thống",
        "System administrator",
        "Quản lý tài khoản trong phạm vi đơn vị, xem nhật ký hệ thống.",
    ),
]


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name, name_en, description in ROLES:
        Role.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "description": description}
        )


def unseed(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=[r[0] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
