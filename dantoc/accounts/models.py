from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import role_levels, roles, roles_requiring_2fa


class RoleCode(models.TextChoices):
    """The codes of the roles the apps declare (``RoleDeclaration`` on each AppConfig: the
    reporting hierarchy's officers by reporting, editors by the portal, administrators here).
    The codes stay here, under one name, because Role rows and older data use them."""

    COMMUNE_REPORTER = "commune_reporter", _("Cán bộ báo cáo cấp xã")
    DISTRICT_OFFICER = "district_officer", _("Cán bộ cấp huyện")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ cấp tỉnh")
    MINISTRY_OFFICER = "ministry_officer", _("Cán bộ cấp bộ")
    CONTENT_EDITOR = "content_editor", _("Biên tập viên nội dung")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


def roles_allowed_at(level: str) -> list[str]:
    """Role codes that may be held at a unit of ``level``, in RoleCode order (then roles of
    newer apps). Each app
    declares the levels of the roles it introduces (``roles`` on its AppConfig)."""
    declared = roles()
    ordered = [c for c in RoleCode.values if c in declared]
    ordered += [c for c in declared if c not in ordered]
    return [code for code in ordered if level in role_levels(code)]


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
        return self.code in roles_requiring_2fa()


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
        return bool(self.role_codes() & roles_requiring_2fa()) or self.is_superuser
