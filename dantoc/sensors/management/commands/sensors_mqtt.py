"""Store the readings devices publish to the MQTT broker (started by scripts/serve.sh)."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from dantoc.sensors import mqtt


class Command(BaseCommand):
    help = "Nhận số đo của thiết bị qua MQTT (DANTOC_MQTT_URL) và lưu theo lô."

    def handle(self, *args, **options) -> None:
        address = mqtt.broker_address()
        if address is None:
            self.stdout.write(
                "sensors_mqtt: no MQTT broker configured (DANTOC_MQTT_URL is empty): "
                "devices can still send readings over HTTP (POST /api/sensors/v1/readings)."
            )
            return
        subscriber = mqtt.Subscriber()
        while True:
            try:
                subscriber.start()
                break
            except OSError as exc:
                self.stderr.write(
                    f"sensors_mqtt: broker {address[0]}:{address[1]}: {exc}; retrying in 5 s"
                )
                time.sleep(5)
        signal.signal(signal.SIGTERM, lambda *_: subscriber.stopping.set())
        self.stdout.write(
            f"sensors_mqtt: subscribed to {mqtt.SUBSCRIPTION} on {address[0]}:{address[1]}"
        )
        try:
            subscriber.run()
        except KeyboardInterrupt:
            pass
        finally:
            subscriber.stop()
