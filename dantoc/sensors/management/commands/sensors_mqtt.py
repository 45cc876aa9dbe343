"""Store the readings devices publish to the MQTT broker (started by scripts/serve.sh)."""

from __future__ import annotations

import contextlib
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from dantoc.sensors import mqtt

# Client ids of the single-process subscriber before 6 December 2026 (MQTT 3.1.1 sessions
# that never expire): ended at start, or the broker would go on sharing messages with them.
LEGACY_CLIENT_IDS = [f"dantoc-sensors-{n}" for n in range(8)]


class Command(BaseCommand):
    help = "Nhận số đo của thiết bị qua MQTT (DANTOC_MQTT_URL) và lưu theo lô."

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes",
            type=int,
            default=int(getattr(settings, "DANTOC_MQTT_PROCESSES", 2)),
            help="subscriber processes on the shared subscription (DANTOC_MQTT_PROCESSES)",
        )

    def handle(self, *args, processes: int, **options) -> None:
        address = mqtt.broker_address()
        if address is None:
            self.stdout.write(
                "sensors_mqtt: no MQTT broker configured (DANTOC_MQTT_URL is empty): "
                "devices can still send readings over HTTP (POST /api/sensors/v1/readings)."
            )
            return
        while True:
            try:
                self._forget_legacy(address)
                break
            except OSError as exc:
                self.stderr.write(
                    f"sensors_mqtt: broker {address[0]}:{address[1]}: {exc}; retrying in 5 s"
                )
                time.sleep(5)
        # SIGTERM interrupts ``serve`` (which then stops its children), as Ctrl-C does.
        signal.signal(signal.SIGTERM, mqtt._interrupt)
        self.stdout.write(
            f"sensors_mqtt: {processes} processes subscribed to {mqtt.SUBSCRIPTION} "
            f"on {address[0]}:{address[1]}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            mqtt.serve(processes=max(1, processes))

    def _forget_legacy(self, address) -> None:
        for client_id in LEGACY_CLIENT_IDS:
            mqtt.session_end(*address, client_id)
