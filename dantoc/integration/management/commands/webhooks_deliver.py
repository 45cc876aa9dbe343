"""Send the webhook deliveries that are due (first attempts the task queue missed, and retries
after back-off). Run it every minute from cron beside the task worker; it is safe to run from
several machines at once (each message is claimed before it is sent)."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from dantoc.integration.services.webhooks import webhooks_deliver_due, webhooks_reconcile


class Command(BaseCommand):
    help = "Gửi các webhook đến hạn (lần đầu và gửi lại) / send due webhook deliveries"

    def add_arguments(self, parser):
        parser.add_argument(
            "--reconcile-minutes",
            type=int,
            default=60,
            help="Also record events for portal items changed in the last N minutes that no "
            "listener recorded (0: skip).",
        )

    def handle(self, *args, **options):
        written = 0
        if options["reconcile_minutes"] > 0:
            since = timezone.now() - datetime.timedelta(minutes=options["reconcile_minutes"])
            written = webhooks_reconcile(since=since)
        counts = webhooks_deliver_due()
        self.stdout.write(json.dumps({"recorded": written, **counts}))
