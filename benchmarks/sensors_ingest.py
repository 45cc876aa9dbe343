"""Device readings over MQTT (issue 25): 10,000 readings a second through the real Mosquitto
broker with none lost (count published = count stored), beside a naive subscriber that
stores each message with its own INSERT as it arrives.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc_x .venv/bin/python benchmarks/sensors_ingest.py
    .venv/bin/python benchmarks/sensors_ingest.py --readings 20000     # SQLite

What it does: a throw-away database of the run's vendor (migrated; one commune and
``--devices`` devices with one stream each, made directly, not through the services, since
the set-up is not measured). A publisher *process* sends ``--readings`` messages, one reading
each, JSON as devices send it, at QoS 1 as fast as paho-mqtt lets it, to
``dantoc/v1/devices/<uuid>/readings``; the subscriber under test runs in this process:

- ``batched``: ``dantoc.sensors.mqtt.Subscriber`` as ``manage.py sensors_mqtt`` runs it
  (persistent session, manual acknowledgement after each stored batch,
  ``services.readings_ingest``: one ``bulk_create`` per 2,000 readings);
- ``naive``: a paho subscriber whose ``on_message`` authenticates the device with one query,
  then ``Observation.objects.get_or_create`` in autocommit (one transaction per message).

The publisher paces itself at ``--rate`` messages a second (default 10,000: the budget).
Each run's time is from the first publish until the database holds every reading (or until
nothing more arrived for ``--stall`` seconds, not counted); ``per_second`` = stored / time.
``lost`` = published − stored (must be 0). Mosquitto here runs with its defaults: at most 20
unacknowledged messages in flight to a client and 1,000 queued for it, beyond which it drops
QoS 1 messages, so a subscriber slower than the publishers loses messages at the broker. Prints one JSON document. Figures depend on the machine's load (2 cores shared).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TARGET = 10_000
TOPIC = "dantoc/v1/devices/{}/readings"


def publish(
    host: str, port: int, messages: list[tuple[str, bytes]], rate: int, started, finished
) -> None:
    """The devices: one process publishing every message at QoS 1 at ``rate`` messages a
    second (in steps of 10 ms), then waiting for the broker's PUBACKs."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4()}")
    client.max_inflight_messages_set(5000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    step = max(1, rate // 100)
    started.value = time.time()
    infos = []
    for n in range(0, len(messages), step):
        due = started.value + n / rate
        if (pause := due - time.time()) > 0:
            time.sleep(pause)
        infos.extend(client.publish(topic, body, qos=1) for topic, body in messages[n : n + step])
    for info in infos:
        info.wait_for_publish(timeout=120)
    finished.value = time.time()
    client.loop_stop()
    client.disconnect()


def _messages(devices, count: int, offset_hours: int) -> list[tuple[str, bytes]]:
    import datetime

    start = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        hours=offset_hours
    )
    out = []
    for n in range(count):
        device_uuid, secret = devices[n % len(devices)]
        moment = start + datetime.timedelta(seconds=n // len(devices))
        body = {
            "secret": secret,
            "stream": "s",
            "phenomenonTime": moment.isoformat(),
            "result": n % 500,
        }
        out.append((TOPIC.format(device_uuid), json.dumps(body).encode()))
    return out


def _stored() -> int:
    from dantoc.sensors.models import Observation

    return Observation.objects.count()


def _run(name, host, port, messages, rate, subscriber_loop, stall: float) -> dict:
    from django.db import connection

    before = _stored()
    connection.close()  # nothing of this process's connection goes into the forked publisher
    started = multiprocessing.Value("d", 0.0)
    finished = multiprocessing.Value("d", 0.0)
    publisher = multiprocessing.get_context("fork").Process(
        target=publish, args=(host, port, messages, rate, started, finished)
    )
    progress = {"count": 0, "at": time.monotonic()}

    def is_done() -> bool:
        count = _stored() - before
        if count != progress["count"]:
            progress.update(count=count, at=time.monotonic())
        # Everything stored, or nothing more for ``stall`` seconds (messages lost).
        return count >= len(messages) or (
            not publisher.is_alive() and time.monotonic() - progress["at"] > stall
        )

    subscriber_loop(is_done, publisher.start)
    done = time.time()
    publisher.join(60)
    stored = _stored() - before
    if stored < len(messages):
        done -= stall  # the wait for messages that never came is not ingest time
    elapsed = done - started.value
    return {
        "run": name,
        "publish_rate": rate,
        # What the publisher reached (all PUBACKs in), on a loaded machine maybe below ``rate``.
        "published_per_second": round(len(messages) / (finished.value - started.value))
        if finished.value > started.value
        else None,
        "published": len(messages),
        "stored": stored,
        "lost": len(messages) - stored,
        "seconds": round(elapsed, 2),
        "per_second": round(stored / elapsed) if elapsed > 0 else None,
    }


def batched_loop(until, begin) -> None:
    from dantoc.sensors import mqtt

    name = f"bench-batched-{uuid.uuid4()}"
    subscriber = mqtt.Subscriber(client_id=name, group=name, batch_wait=0.05)
    subscriber.start()
    if not subscriber.connected.wait(30):
        raise SystemExit("the subscriber could not subscribe")
    begin()
    last = [time.monotonic()]

    def stop() -> bool:
        if time.monotonic() - last[0] < 0.25:  # a COUNT four times a second
            return False
        last[0] = time.monotonic()
        return until()

    try:
        subscriber.run(until=stop)
    finally:
        subscriber.stop()
        subscriber.forget()


def naive_loop(until, begin) -> None:
    import paho.mqtt.client as mqtt
    from django.db import connection

    from dantoc.sensors import services
    from dantoc.sensors.models import Datastream, Observation

    lock = threading.Lock()
    host, port = mqtt_address()

    def on_connect(client, *_args) -> None:
        client.subscribe("dantoc/v1/devices/+/readings", qos=1)

    def on_message(_client, _userdata, message) -> None:
        with lock:
            body = json.loads(message.payload)
            device_id = message.topic.split("/")[3]
            device = services.device_authenticate(device_id=device_id, secret=body["secret"])
            if device is None:
                return
            stream = Datastream.objects.get(device=device, code=body["stream"])
            Observation.objects.get_or_create(
                datastream=stream,
                phenomenon_time=body["phenomenonTime"],
                defaults={"result": body["result"], "result_time": body["phenomenonTime"]},
            )

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"bench-naive-{uuid.uuid4()}",
        clean_session=False,
    )
    subscribed = []
    client.on_connect = on_connect
    client.on_message = on_message
    client.on_subscribe = lambda *_args: subscribed.append(True)
    client.connect(host, port)
    while not subscribed:
        client.loop(timeout=0.05)
    begin()
    # The network loop runs here, on this thread, so the ORM uses this thread's connection.
    last = time.monotonic()
    while True:
        client.loop(timeout=0.01)
        if time.monotonic() - last >= 0.25:
            last = time.monotonic()
            with lock:
                if until():
                    break
    client.disconnect()
    connection.close()


def mqtt_address() -> tuple[str, int]:
    from dantoc.sensors.mqtt import broker_address

    address = broker_address()
    if address is None:
        raise SystemExit("DANTOC_MQTT_URL is empty: the benchmark needs the broker")
    return address


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--naive-readings", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--rate", type=int, default=TARGET, help="messages published a second")
    parser.add_argument("--stall", type=float, default=10, help="seconds without progress = lost")
    args = parser.parse_args()
    workdir = ROOT / "var"
    workdir.mkdir(exist_ok=True)
    with testing.throwaway_database(workdir=workdir, name=f"bench_sensors_{os.getpid()}") as db:
        os.environ["DATABASE_URL"] = db.url
        import django

        django.setup()
        from django.core.management import call_command

        from dantoc.sensors.services import _secret_hash

        call_command("migrate", verbosity=0)
        from dantoc.geo.models import Unit
        from dantoc.sensors.models import Datastream, Device

        unit = Unit.objects.create(
            code="99999", name="Xã đo", short_name="Đo", search_name="xa do", level="commune",
            kind="xa", path="/99999/",
        )  # fmt: skip
        devices = []
        for n in range(args.devices):
            secret = f"secret-{n}-{uuid.uuid4().hex}"
            device = Device.objects.create(
                name=f"bench {n}", kind="rain_gauge", unit=unit, secret_hash=_secret_hash(secret)
            )
            Datastream.objects.create(
                device=device, code="s", name="s", observed_property="p", unit_of_measurement="mm",
                aggregation="sum",
            )  # fmt: skip
            devices.append((str(device.uuid), secret))
        host, port = mqtt_address()
        load = os.getloadavg()
        results = [
            _run("batched", host, port, _messages(devices, args.readings, 0), args.rate,
                 batched_loop, args.stall),
            _run("naive", host, port, _messages(devices, args.naive_readings, 24 * 20), args.rate,
                 naive_loop, args.stall),
        ]  # fmt: skip
        print(
            json.dumps(
                {
                    "database": db.vendor,
                    "target_per_second": TARGET,
                    "load_average_before": [round(x, 2) for x in load],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                    "results": results,
                    "meets_target": results[0]["lost"] == 0
                    and (results[0]["per_second"] or 0) >= TARGET,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
