from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from dantoc.core.registry import MenuEntry


class IntegrationConfig(AppConfig):
    name = "dantoc.integration"
    label = "integration"
    api_urls = "dantoc.integration.api_urls"
    verbose_name = _("Tích hợp LGSP/NDXP")

    menu = (
        MenuEntry(
            _("Kết nối LGSP/NDXP"),
            "integration:client_list",
            allowed="dantoc.integration.permissions.can_manage_clients",
            order=130,
        ),
    )

    def ready(self) -> None:
        from django.contrib import admin

        from dantoc.core.events import listen
        from dantoc.integration.feeds import CHANGED_EVENTS
        from dantoc.integration.services.webhooks import DELIVERY_DUE, on_content_changed
        from dantoc.integration.tasks import on_webhook_delivery_due

        # The apps that declare sync feeds announce their public changes after commit; we
        # turn them into webhook events (an idempotent catch-up: the listener reads the
        # item's current state).
        for event in CHANGED_EVENTS:
            listen(event, on_content_changed)
        listen(DELIVERY_DUE, on_webhook_delivery_due)

        # Clients, secrets and tokens change only through the audited pages at /integration/,
        # not through django-oauth-toolkit's admin pages.
        from oauth2_provider import models as oauth_models

        for name in (
            "Application",
            "AccessToken",
            "RefreshToken",
            "Grant",
            "IDToken",
            "DeviceGrant",
        ):
            model = getattr(oauth_models, name, None)
            if model is not None and admin.site.is_registered(model):
                admin.site.unregister(model)
