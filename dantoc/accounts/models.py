from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    COMMUNE_REPORTER = "commune_reporter", _("Cán bộ báo cáo cấp xã")
    DISTRICT_OFFICER = "district_officer", _("Cán bộ cấp huyện")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ cấp tỉnh")
    MINISTRY_OFFICER = "ministry_officer", _("Cán bộ cấp bộ")
    CONTENT_EDITOR = "content_editor", _("Biên tập viên nội dung")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


# Roles that approve reports or administer the system must sign in with a second factor.
ROLES_REQUIRING_2FA = frozenset(
    {
        RoleCode.DISTRICT_OFFICER,
        RoleCode.PROVINCE_OFFICER,
        RoleCode.MINISTRY_OFFICER,
        RoleCode.SYSTEM_ADMIN,
    }
)


# The unit levels at which each role may be held (unit.level values of geo.UnitLevel). A role
# is given only at its level, so that a provincial administrator, who manages accounts inside
# the province, cannot create a ministry officer there; permissions that act nationally check
# the unit's level too, not only the role's name.
ROLE_LEVELS: dict[str, frozenset[str]] = {
    RoleCode.COMMUNE_REPORTER: frozenset({"commune"}),
    RoleCode.DISTRICT_OFFICER: frozenset({"district"}),
    RoleCode.PROVINCE_OFFICER: frozenset({"province"}),
    RoleCode.MINISTRY_OFFICER: frozenset({"country"}),
    # Editors publish for their own unit's pages, which communes have too.
    RoleCode.CONTENT_EDITOR: frozenset({"country", "province", "district", "commune"}),
    RoleCode.SYSTEM_ADMIN: frozenset({"country", "province"}),
}


def roles_allowed_at(level: str) -> list[str]:
    """Role codes that may be held at a unit of ``level``, in RoleCode order."""
    return [code for code in RoleCode.values if level in ROLE_LEVELS.get(code, ())]


class Role(models.Model):
    code = models.CharField(_("mã"), max_length=32, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(_("tên"), max_length=100)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=100)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return (
            self.name_en
            if (get_language() or "vi").startswith("en") and self.name_en
            else self.name
        )

    @property
    def requires_2fa(self) -> bool:
        return self.code in ROLES_REQUIRING_2FA


class User(AbstractUser):
    """An official of one unit. Roles say what they may do; the unit says where."""

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    position = models.CharField(_("chức vụ"), max_length=150, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    unit = models.ForeignKey(
        "geo.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("đơn vị"),
    )
    roles = models.ManyToManyField(
        Role, blank=True, related_name="users", verbose_name=_("vai trò")
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def role_codes(self) -> frozenset[str]:
        """Role codes, cached on the instance for the request."""
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(r.code for r in self.roles.all()) if self.pk else frozenset()
            self._role_codes = cached
        return cached

    def has_role(self, code: str) -> bool:
        return code in self.role_codes()

    @property
    def requires_2fa(self) -> bool:
        return bool(self.role_codes() & ROLES_REQUIRING_2FA) or self.is_superuser
