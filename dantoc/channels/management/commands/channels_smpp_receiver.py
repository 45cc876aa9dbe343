"""Wait for what the SMSC sends after a batch has gone: delivery receipts (matched to the
outbox's messages) and citizens' replies ("HUY" ends their subscriptions). Started by
scripts/serve.sh whenever SMS is configured; stops on SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import threading

from django.core.management.base import BaseCommand

from dantoc.channels import services, sms


class Command(BaseCommand):
    help = "Nhận báo cáo phát và tin trả lời SMS từ SMSC (SMPP, phiên receiver)."

    def handle(self, *args, **options) -> None:
        if not sms.configured():
            self.stdout.write("channels_smpp_receiver: no SMSC configured (CHANNELS_SMPP): off.")
            return
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        cfg = sms.config()
        self.stdout.write(
            f"channels_smpp_receiver: bound as receiver to {cfg['HOST']}:{cfg.get('PORT', 2775)}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            services.smpp_receiver_run(stop=stopping.is_set, log=self.stderr.write)
