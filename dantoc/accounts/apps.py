from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import Loader, MenuEntry, RoleDeclaration


class AccountsConfig(AppConfig):
    name = "dantoc.accounts"
    label = "accounts"
    api_urls = "dantoc.accounts.api_urls"
    verbose_name = _("Tài khoản")
    roles = (
        RoleDeclaration(
            "system_admin",
            "Quản trị hệ thống",
            "System administrator",
            levels=frozenset({"country", "province"}),
            requires_2fa=True,
            description="Quản lý tài khoản trong phạm vi đơn vị, xem nhật ký hệ thống.",
        ),
    )
    capabilities = (
        ("system_admin", _("Quản lý tài khoản cán bộ trong phạm vi đơn vị")),
        ("system_admin", _("Xem nhật ký hệ thống")),
    )

    reference_loaders = (Loader("accounts.roles", "dantoc.accounts.services.roles_reference_load"),)
    demo_loaders = (Loader("accounts.demo_users", "dantoc.accounts.demo.demo_users_load"),)
    menu = (
        MenuEntry(
            _("Cán bộ"), "accounts:user_list", allowed="dantoc.core.registry.is_signed_in", order=90
        ),
    )
