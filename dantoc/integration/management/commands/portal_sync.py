"""Mirror another dantoc portal into this instance (the reference sync client).

    python manage.py portal_sync --url https://dantoc.example.gov.vn \
        --client-id KEY --client-secret SECRET [--feeds documents news] [--province 08] \
        [--per-item]

Run it from cron as often as wanted: each run continues from the cursors the last one saved.
The secret may also come from the environment (DANTOC_SYNC_CLIENT_SECRET), so that it does
not show in the process list.
"""

from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand, CommandError

from dantoc.integration.feeds import FEED_NAMES
from dantoc.integration.services.sync_client import SyncError, portal_sync


class Command(BaseCommand):
    help = "Đồng bộ (sao chép) cổng thông tin khác về máy này / mirror another portal"

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="https://… of the source instance")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", default=os.environ.get("DANTOC_SYNC_CLIENT_SECRET"))
        parser.add_argument("--feeds", nargs="+", choices=FEED_NAMES, default=FEED_NAMES)
        parser.add_argument("--province", default=None, help="only what concerns this province")
        parser.add_argument("--limit", type=int, default=500, help="page size (1–1000)")
        parser.add_argument(
            "--per-item",
            action="store_true",
            help="through the editorial services one item at a time (slow; the former path, "
            "kept as a baseline) instead of one bulk import per page",
        )

    def handle(self, *args, **options):
        if not options["client_secret"]:
            raise CommandError("Cần --client-secret hoặc DANTOC_SYNC_CLIENT_SECRET.")
        try:
            report = portal_sync(
                base_url=options["url"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                feeds=options["feeds"],
                limit=options["limit"],
                province=options["province"],
                per_item=options["per_item"],
            )
        except SyncError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
