"""The MQTT side: where devices publish, the broker's health, and the subscriber that stores
what they send (``manage.py sensors_mqtt``, started by scripts/serve.sh).

A device publishes JSON to ``dantoc/v1/devices/<device uuid>/readings``:
``{"secret": "…", "readings": [{"stream": "muc_nuoc", "phenomenonTime": "2026-12-05T08:00:00+07:00",
"result": 182.5}, …]}`` (or one reading with the secret beside it), at QoS 1. The subscriber
keeps a persistent session (MQTT 5, a fixed client id, clean start off, kept a week) and acknowledges a message
only once its readings are stored, so nothing is lost when it stops: the broker delivers the
rest again, and a reading delivered twice is stored once.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from urllib.parse import urlsplit

import orjson
from django.conf import settings

log = logging.getLogger("dantoc.sensors")

TOPIC_PREFIX = "dantoc/v1/devices/"
SUBSCRIPTION = TOPIC_PREFIX + "+/readings"
SHARE_GROUP = "dantoc-sensors"


def broker_address() -> tuple[str, int] | None:
    """(host, port) of the configured broker, or None when none is configured."""
    url = getattr(settings, "DANTOC_MQTT_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 1883


def broker_health() -> dict:
    """``/healthz``: can the broker be reached (an MQTT CONNECT answered by CONNACK)?"""
    address = broker_address()
    if address is None:
        return {"status": "off", "detail": "DANTOC_MQTT_URL is empty"}
    host, port = address
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=1.5) as sock:
            sock.settimeout(1.5)
            client_id = b"dantoc-health"
            # MQTT 3.1.1 CONNECT: protocol name, level 4, clean session, keep-alive 10 s.
            body = b"\x00\x04MQTT\x04\x02\x00\x0a" + len(client_id).to_bytes(2, "big") + client_id
            sock.sendall(b"\x10" + bytes([len(body)]) + body)
            answer = sock.recv(4)
            sock.sendall(b"\xe0\x00")  # DISCONNECT
    except OSError as exc:
        return {"status": "error", "error": f"{host}:{port}: {exc}"}
    if len(answer) < 4 or answer[0] != 0x20 or answer[3] != 0:
        return {"status": "error", "error": f"{host}:{port}: connection refused by the broker"}
    return {
        "status": "ok",
        "broker": f"{host}:{port}",
        "ms": round((time.perf_counter() - started) * 1000),
    }


def device_of(topic: str) -> str | None:
    if not topic.startswith(TOPIC_PREFIX) or not topic.endswith("/readings"):
        return None
    return topic[len(TOPIC_PREFIX) : -len("/readings")] or None


# Seconds the broker keeps a subscriber's session (its subscription and the messages queued
# for it) while the subscriber is away: a restart, a deployment, a night.
SESSION_EXPIRY = 7 * 24 * 3600


class Subscriber:
    """Receives messages on the network threads of ``connections`` clients sharing one
    subscription (``$share/…``: the broker spreads the messages over them), stores them in
    batches on the caller's thread (``run``), and acknowledges each batch's messages once
    stored. The clients speak MQTT 5: a broker lets an MQTT 3.1.1 client hold only so many
    unacknowledged messages (Mosquitto's ``max_inflight_messages``, 20 by default — with
    acknowledgement after storage, 20 messages per batch written, about 1,300 readings a
    second at best), while an MQTT 5 client says how many it takes (``Receive Maximum``,
    ``receive_maximum`` each), so one batch can hold thousands. Sessions are persistent
    (``clean_start`` off, ``Session Expiry Interval`` a week)."""

    def __init__(
        self,
        *,
        client_id: str = "dantoc-sensors",
        group: str = SHARE_GROUP,
        connections: int = 1,
        receive_maximum: int = 20000,
        batch_size: int = 5000,
        batch_wait: float = 0.2,
        announce_every: float = 30.0,
    ) -> None:
        import paho.mqtt.client as mqtt

        address = broker_address()
        if address is None:
            raise RuntimeError("no MQTT broker configured (DANTOC_MQTT_URL is empty)")
        self.host, self.port = address
        self.group = group
        self.client_id = client_id
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.announce_every = announce_every
        self.receive_maximum = receive_maximum
        self.inbox: queue.Queue = queue.Queue()
        self.stored_messages = 0
        self.pending_touched: set = set()
        self._connected = 0
        self._lock = threading.Lock()
        self.connected = threading.Event()  # every client has its subscription
        self.stopping = threading.Event()
        self.clients = []
        for number in range(connections):
            client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2,
                client_id=f"{client_id}-{number}",
                protocol=mqtt.MQTTv5,
                manual_ack=True,
                userdata=number,
            )
            client.max_inflight_messages_set(1000)
            client.max_queued_messages_set(0)
            client.on_connect = self._on_connect
            client.on_message = self._on_message
            client.on_subscribe = self._on_subscribe
            self.clients.append(client)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("sensors: broker refused the connection: %s", reason_code)
            return
        client.subscribe(f"$share/{self.group}/{SUBSCRIPTION}", qos=1)

    def _on_subscribe(self, _client, _number, _mid, _reason_codes, _properties) -> None:
        with self._lock:
            self._connected += 1
            if self._connected >= len(self.clients):
                self.connected.set()

    def _on_message(self, _client, number, message) -> None:
        self.inbox.put((number, message.topic, message.payload, message.mid, message.qos))

    def _connect_properties(self, *, expiry: int):
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = expiry
        properties.ReceiveMaximum = self.receive_maximum
        return properties

    def start(self) -> None:
        for client in self.clients:
            client.connect(
                self.host,
                self.port,
                keepalive=30,
                clean_start=False,
                properties=self._connect_properties(expiry=SESSION_EXPIRY),
            )
            client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        for client in self.clients:
            client.loop_stop()
            client.disconnect()

    def forget(self) -> None:
        """End the clients' sessions at the broker (their subscriptions and anything queued
        for them): for a subscriber that will not come back, such as a test's."""
        import paho.mqtt.client as mqtt

        for number in range(len(self.clients)):
            client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2,
                client_id=f"{self.client_id}-{number}",
                protocol=mqtt.MQTTv5,
            )
            client.connect(
                self.host,
                self.port,
                clean_start=True,
                properties=self._connect_properties(expiry=0),
            )
            client.loop_start()
            client.disconnect()
            client.loop_stop()

    def _batch(self) -> list:
        try:
            batch = [self.inbox.get(timeout=self.batch_wait)]
        except queue.Empty:
            return []
        # Whatever else has arrived, without waiting: the sooner a batch is stored and
        # acknowledged, the sooner the broker sends the next messages.
        while len(batch) < self.batch_size:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def drain(self) -> int:
        """Store what has arrived (one batch at most); the number of messages handled."""
        from dantoc.sensors import services

        batch = self._batch()
        if not batch:
            return 0
        messages = []
        for _number, topic, payload, _mid, _qos in batch:
            device = device_of(topic)
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError:
                body = None
            if device is None or body is None:
                log.warning("sensors: unreadable message on %s", topic)
                continue
            messages.append(services.parse_payload(device_id=device, payload=body))
        result = services.readings_ingest(messages=messages, announce_after=False)
        self.pending_touched |= result.touched
        for number, _topic, _payload, mid, qos in batch:
            if qos:
                self.clients[number].ack(mid, qos)
        self.stored_messages += len(batch)
        return len(batch)

    def run(self, *, until=None) -> None:
        """Store batches until stopped (or ``until()`` is true); announce the touched streams
        and months for their indicator values every ``announce_every`` seconds."""
        from django.db import close_old_connections

        from dantoc.sensors import services

        last_announce = time.monotonic()
        while not self.stopping.is_set() and not (until and until()):
            close_old_connections()
            self.drain()
            if self.pending_touched and time.monotonic() - last_announce >= self.announce_every:
                services.touched_announce(self.pending_touched)
                self.pending_touched = set()
                last_announce = time.monotonic()
        if self.pending_touched:
            services.touched_announce(self.pending_touched)
            self.pending_touched = set()


def _serve_one(number: int, client_id: str, group: str, options: dict, stop) -> None:
    """One subscriber process (a child of ``serve``): its own connection(s), its own database
    connection, the same shared subscription."""
    import signal

    from django.db import connections

    # Stopped by the parent through ``stop``; a SIGTERM of its own ends it too (what was not
    # acknowledged yet is delivered again). Not ``stop.set()`` in the handler: the main
    # thread may hold the event's lock when the signal comes.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its children
    connections.close_all()  # never the parent's connection, inherited by fork
    subscriber = Subscriber(client_id=f"{client_id}-p{number}", group=group, **options)
    while not stop.is_set():
        try:
            subscriber.start()
            break
        except OSError as exc:
            log.error("sensors: broker unreachable (%s); retrying in 5 s", exc)
            stop.wait(5)
    try:
        subscriber.run(until=stop.is_set)
    except KeyboardInterrupt:
        pass
    finally:
        subscriber.stop()


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def serve(
    *,
    processes: int,
    client_id: str = "dantoc-sensors",
    group: str = SHARE_GROUP,
    stop=None,
    **options,
) -> None:
    """Run ``processes`` subscriber processes on one shared subscription until ``stop`` (a
    ``multiprocessing`` event) is set or a child dies. Python handles one message at a time
    per process (paho's network thread, the batch's parsing and storing, the acknowledgements
    all hold the interpreter's lock): one process stores about 6,000 readings a second here,
    so the broker spreads the devices' messages over several (``$share/…``). Each process's
    client ids are fixed (``<client_id>-p<n>-<k>``): keep ``processes`` fixed between restarts,
    or the sessions of the processes no longer started keep their queued messages until they
    expire (``SESSION_EXPIRY``)."""
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    stop = stop or context.Event()
    connections.close_all()  # a fork must not share the parent's database connection
    children = [
        context.Process(
            target=_serve_one, args=(n, client_id, group, options, stop), name=f"sensors-{n}"
        )
        for n in range(processes)
    ]
    for child in children:
        child.start()
    try:
        while not stop.is_set() and all(child.is_alive() for child in children):
            stop.wait(0.5)
    finally:
        stop.set()
        for child in children:
            child.join(30)
            if child.is_alive():
                child.terminate()


def forget_sessions(*, processes: int, client_id: str, group: str = SHARE_GROUP, **options):
    """End the broker sessions of ``serve``'s processes (a test's or a benchmark's)."""
    for n in range(processes):
        Subscriber(client_id=f"{client_id}-p{n}", group=group, **options).forget()
