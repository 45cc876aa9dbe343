"""Outside channels: one outbox for every message leaving the platform (e-mail, Zalo OA, ZNS,
SMS over SMPP), the adapters that send it, and citizens' subscriptions to disaster warnings.

A separate app above ``alerts`` and ``notifications`` (both layer 2): it listens to their
events and neither of them imports it.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import HealthCheck, Loader, MenuEntry


class ChannelsConfig(AppConfig):
    name = "dantoc.channels"
    label = "channels"
    verbose_name = _("Kênh Zalo và SMS")

    demo_loaders = (
        Loader(
            "channels.demo",
            "dantoc.channels.demo.demo_channels_load",
            after=("accounts.demo_users", "alerts.demo"),
        ),
    )
    health_checks = (
        HealthCheck("sms", "dantoc.channels.health.sms_check"),
        HealthCheck("zalo", "dantoc.channels.health.zalo_check"),
    )
    menu = (
        MenuEntry(
            _("Hộp thư đi"),
            "channels:outbox",
            allowed="dantoc.channels.permissions.can_view_outbox",
            order=95,
        ),
    )
    # No ``capabilities``: the outbox is for national administrators only, and a capability
    # names a role wherever it is held (a province's administrator would get a dead link).

    def ready(self) -> None:
        from dantoc.accounts.services import MAIL_EVENT
        from dantoc.alerts.services import CHANGED as ALERT_CHANGED
        from dantoc.channels import services, tasks
        from dantoc.core.events import listen, listen_now
        from dantoc.notifications.services import DELIVER_EVENT

        listen(services.QUEUED_EVENT, tasks.on_outbox_queued)
        listen(ALERT_CHANGED, tasks.on_alert_changed)
        listen_now(DELIVER_EVENT, services.notices_deliver)
        listen_now(MAIL_EVENT, services.account_mail_queue)
