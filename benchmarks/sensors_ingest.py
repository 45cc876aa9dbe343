"""Device readings over MQTT (issue 25): 10,000 readings a second through the real Mosquitto
broker with none lost (count published = count stored), beside a naive subscriber that
stores each message with its own INSERT as it arrives.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc_x .venv/bin/python benchmarks/sensors_ingest.py
    .venv/bin/python benchmarks/sensors_ingest.py --readings 20000     # SQLite

What it does: a throw-away database of the run's vendor (migrated; one commune and
``--devices`` devices with one stream each, made directly, not through the services, since
the set-up is not measured). A publisher *process* sends ``--readings`` messages, one reading
each, JSON as devices send it, at QoS 1, to
``dantoc/v1/devices/<uuid>/readings`` (from a raw socket: see ``publish``); the subscriber
under test runs in this process:

- ``batched``: ``dantoc.sensors.mqtt.Subscriber`` as ``manage.py sensors_mqtt`` runs it
  (``--processes`` processes on one shared subscription, persistent MQTT 5 sessions,
  acknowledgement after each stored batch, ``services.readings_ingest``), once paced at the
  budget (10,000 messages a second: does it keep up?) and once with the publisher as fast as
  it goes (``--burst-rate``: how many a second can it store?);
- ``paho`` (baseline, the subscriber until 6 December 2026): the same batches stored the same
  way, received through paho-mqtt (its network thread, a message object and a callback per
  message, a PUBACK written per message) instead of the platform's own reading of the MQTT
  packets, at the burst rate;
- ``naive``: a paho subscriber whose ``on_message`` authenticates the device with one query,
  then ``Observation.objects.get_or_create`` in autocommit (one transaction per message).

The publisher paces itself at ``--rate`` messages a second (default 10,000: the budget).
Each run's time is from the first publish until the database holds every reading (or until
nothing more arrived for ``--stall`` seconds, not counted); ``per_second`` = stored / time;
``lag_seconds`` = how long after the publisher's last message was acknowledged by the broker
the last reading was stored.
``lost`` = published − stored (must be 0). Mosquitto here runs with its defaults: at most 20
unacknowledged messages in flight to an MQTT 3.1.1 client (an MQTT 5 client such as the
batched subscriber sets its own ``Receive Maximum``) and 1,000 queued for it, beyond which it
drops QoS 1 messages, so a subscriber slower than the publishers loses messages at the broker.
Prints one JSON document. Figures depend on the machine's load (2 cores shared).
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


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + _remaining_length(len(body)) + body


def _publish_packet(topic: str, payload: bytes, packet_id: int) -> bytes:
    name = topic.encode()
    variable = len(name).to_bytes(2, "big") + name + packet_id.to_bytes(2, "big")
    return _packet(0x32, variable + payload)  # PUBLISH, QoS 1


def publish(
    host: str, port: int, messages: list[tuple[str, bytes]], rate: int, started, finished
) -> None:
    """The devices: MQTT 3.1.1 PUBLISH packets at QoS 1, encoded beforehand and written at
    ``rate`` messages a second (in steps of 10 ms) over a few connections, each counting its
    PUBACKs on a reader thread. A raw socket rather than paho-mqtt: on this 2-core machine
    the devices' side must not take the CPU the subscriber under test needs (paho publishes
    about 10,000 QoS 1 messages a second with a whole core to itself, and far fewer beside
    the subscriber: 1,560/s in the run of 6 December 2026); real devices are many machines."""
    import socket

    connections = max(1, -(-len(messages) // 60000))  # packet ids: 16 bits per connection
    socks, acked = [], [0] * connections
    for number in range(connections):
        sock = socket.create_connection((host, port))
        client_id = f"bench-pub-{uuid.uuid4().hex[:12]}-{number}".encode()
        body = b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id
        sock.sendall(_packet(0x10, body))
        if sock.recv(4)[:1] != b"\x20":
            raise SystemExit("the broker refused the publisher")
        socks.append(sock)

    def count_acks(number: int, expected: int) -> None:
        buffer = b""
        while acked[number] < expected:
            chunk = socks[number].recv(65536)
            if not chunk:
                return
            buffer += chunk
            whole = len(buffer) // 4  # PUBACK: 0x40 0x02 id id
            acked[number] += whole
            buffer = buffer[whole * 4 :]

    flat: list[tuple[int, bytes]] = []  # (connection, packet) in publishing order
    sent = [0] * connections
    for n, (topic, body) in enumerate(messages):
        number = n % connections
        sent[number] += 1
        flat.append((number, _publish_packet(topic, body, sent[number])))
    readers = [
        threading.Thread(target=count_acks, args=(i, sent[i]), daemon=True)
        for i in range(connections)
    ]
    for reader in readers:
        reader.start()
    step = max(1, rate // 100)
    started.value = time.time()
    for n in range(0, len(messages), step):
        due = started.value + n / rate
        if (pause := due - time.time()) > 0:
            time.sleep(pause)
        window: list[list[bytes]] = [[] for _ in range(connections)]
        for number, packet in flat[n : n + step]:
            window[number].append(packet)
        for number, chunk in enumerate(window):
            if chunk:
                socks[number].sendall(b"".join(chunk))
    for reader in readers:
        reader.join(120)
    finished.value = time.time()
    for sock in socks:
        sock.sendall(b"\xe0\x00")  # DISCONNECT
        sock.close()


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
        "lag_seconds": round(done - finished.value, 2) if finished.value else None,
        "per_second": round(stored / elapsed) if elapsed > 0 else None,
    }


class _PahoAck:
    """Stands for a connection of ``mqtt.Subscriber`` in a batch: acknowledges through paho."""

    generation = 1
    sock = True

    def __init__(self, client) -> None:
        self.client = client

    def ack(self, packet_ids) -> None:
        for packet_id in packet_ids:
            self.client.ack(int.from_bytes(packet_id, "big"), 1)


def paho_subscriber_class():
    """The baseline: ``mqtt.Subscriber`` receiving through paho-mqtt's network thread (MQTT 5,
    manual acknowledgement, ``Receive Maximum`` as the platform's), as it did until 6 December
    2026; batches are stored and acknowledged by the same ``drain``."""
    import queue

    import paho.mqtt.client as paho
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from dantoc.sensors import mqtt

    class PahoSubscriber(mqtt.Subscriber):
        def __init__(self, *, client_id: str, group: str, **options) -> None:
            super().__init__(client_id=client_id, group=group, **options)
            self.inbox: queue.Queue = queue.Queue()
            self.clients = []
            for connection in self.connections:
                client = paho.Client(
                    paho.CallbackAPIVersion.VERSION2, client_id=connection.client_id,
                    protocol=paho.MQTTv5, manual_ack=True,
                )  # fmt: skip
                client.max_inflight_messages_set(1000)
                client.max_queued_messages_set(0)
                client.on_connect = lambda c, *_a: c.subscribe(self.topic_filter, qos=1)
                ack = _PahoAck(client)
                client.on_message = lambda _c, _u, m, ack=ack: self.inbox.put(
                    (ack, 1, m.topic.encode(), m.payload, m.mid.to_bytes(2, "big"))
                )
                self.clients.append(client)

        def start(self) -> None:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = mqtt.SESSION_EXPIRY
            properties.ReceiveMaximum = self.connections[0].receive_maximum
            for client in self.clients:
                client.connect(self.host, self.port, clean_start=False, properties=properties)
                client.loop_start()

        def stop(self) -> None:
            self.stopping.set()
            for client in self.clients:
                client.loop_stop()
                client.disconnect()

        def _batch(self) -> list:
            try:
                batch = [self.inbox.get(timeout=self.batch_wait)]
            except queue.Empty:
                return []
            while len(batch) < self.batch_size:
                try:
                    batch.append(self.inbox.get_nowait())
                except queue.Empty:
                    break
            return batch

    return PahoSubscriber


def batched_loop(until, begin, processes: int = 2, subscriber_class=None) -> None:
    """``manage.py sensors_mqtt`` as it runs: ``mqtt.serve`` with ``processes`` subscriber
    processes on one shared subscription (with ``subscriber_class`` instead of
    ``mqtt.Subscriber`` for the baseline; the forked processes inherit it)."""
    from dantoc.sensors import mqtt

    name = f"bench-batched-{uuid.uuid4()}"
    stop = multiprocessing.get_context("fork").Event()
    platform_class = mqtt.Subscriber
    if subscriber_class is not None:
        mqtt.Subscriber = subscriber_class
    runner = threading.Thread(
        target=mqtt.serve,
        kwargs={"processes": processes, "client_id": name, "group": name, "stop": stop,
                "batch_wait": 0.05},
        daemon=True,
    )  # fmt: skip
    runner.start()
    time.sleep(3)  # the children connect and subscribe
    mqtt.Subscriber = platform_class
    begin()
    try:
        while not until():
            time.sleep(0.1)  # a COUNT ten times a second
    finally:
        stop.set()
        runner.join(60)
        mqtt.forget_sessions(processes=processes, client_id=name, group=name)


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
    parser.add_argument("--processes", type=int, default=2, help="subscriber processes")
    parser.add_argument("--rate", type=int, default=TARGET, help="messages published a second")
    parser.add_argument(
        "--burst-rate", type=int, default=40_000, help="the publisher's rate for the capacity runs"
    )
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
        paced, burst, paho_paced, paho_burst, naive = (
            _messages(devices, args.naive_readings if n == 4 else args.readings, 24 * 10 * n)
            for n in range(5)
        )

        def platform(until, begin) -> None:
            batched_loop(until, begin, args.processes)

        def baseline(until, begin) -> None:
            batched_loop(until, begin, args.processes, paho_subscriber_class())

        results = [
            _run("batched, paced", host, port, paced, args.rate, platform, args.stall),
            _run("batched, burst", host, port, burst, args.burst_rate, platform, args.stall),
            _run("paho (baseline), paced", host, port, paho_paced, args.rate, baseline, args.stall),
            _run("paho (baseline), burst", host, port, paho_burst, args.burst_rate, baseline,
                 args.stall),
            _run("naive", host, port, naive, args.rate, naive_loop, args.stall),
        ]  # fmt: skip
        keeps_up = results[0]["lost"] == 0 and (results[0]["lag_seconds"] or 99) < 1
        print(
            json.dumps(
                {
                    "database": db.vendor,
                    "target_per_second": TARGET,
                    "load_average_before": [round(x, 2) for x in load],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()],
                    "results": results,
                    "processes": args.processes,
                    # At the budget's pace, every reading stored within a second of the last
                    # publish; at the publisher's full speed, at least 10,000 a second; none lost.
                    "meets_target": keeps_up
                    and results[1]["lost"] == 0
                    and (results[1]["per_second"] or 0) >= TARGET,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
