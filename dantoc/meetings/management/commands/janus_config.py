"""Write the Janus configuration (``settings.JANUS_DIR``) with generated secrets."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from dantoc.meetings import janus


class Command(BaseCommand):
    help = "Generate Janus's configuration for the meetings (loopback, generated secrets)."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(settings.JANUS_DIR))
        parser.add_argument("--events-url", default=settings.JANUS_EVENTS_URL)
        parser.add_argument("--new-secrets", action="store_true", help="replace the secrets")
        parser.add_argument("--ice-enforce-list", default="")

    def handle(self, *args, folder, events_url, new_secrets, ice_enforce_list, **options):
        http_port = urlsplit(settings.JANUS_URL).port or 7288
        admin_port = urlsplit(settings.JANUS_ADMIN_URL).port or 7289
        janus.config_write(
            janus.JanusConfig(
                folder=Path(folder),
                http_port=http_port,
                admin_port=admin_port,
                events_url=events_url,
                ice_enforce_list=ice_enforce_list,
            ),
            keep_secrets=not new_secrets,
        )
        self.stdout.write(f"{folder}/janus.jcfg")
