"""The MQTT side: where devices publish, the broker's health, and the subscriber that stores
what they send (``manage.py sensors_mqtt``, started by scripts/serve.sh).

A device publishes JSON to ``dantoc/v1/devices/<device uuid>/readings``:
``{"secret": "…", "readings": [{"stream": "muc_nuoc", "phenomenonTime": "2026-12-05T08:00:00+07:00",
"result": 182.5}, …]}`` (or one reading with the secret beside it), at QoS 1. The subscriber
keeps a persistent session (a fixed client id, clean session off) and acknowledges a message
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


class Subscriber:
    """Receives messages on the network thread, stores them in batches on the caller's
    thread (``run``), and acknowledges each batch's messages once stored."""

    def __init__(
        self,
        *,
        client_id: str = "dantoc-sensors",
        batch_size: int = 5000,
        batch_wait: float = 0.2,
        announce_every: float = 30.0,
    ) -> None:
        import paho.mqtt.client as mqtt

        address = broker_address()
        if address is None:
            raise RuntimeError("no MQTT broker configured (DANTOC_MQTT_URL is empty)")
        self.host, self.port = address
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.announce_every = announce_every
        self.inbox: queue.Queue = queue.Queue()
        self.stored_messages = 0
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("sensors: broker refused the connection: %s", reason_code)
            return
        client.subscribe(SUBSCRIPTION, qos=1)
        self.connected.set()

    def _on_message(self, _client, _userdata, message) -> None:
        self.inbox.put((message.topic, message.payload, message.mid, message.qos))

    def start(self) -> None:
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        self.client.loop_stop()
        self.client.disconnect()

    def drain(self) -> int:
        """Store what has arrived (one batch at most); the number of messages handled."""
        from dantoc.sensors import services

        batch = []
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < self.batch_size:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=timeout))
            except queue.Empty:
                break
        if not batch:
            return 0
        messages = []
        malformed = 0
        for topic, payload, _mid, _qos in batch:
            device = device_of(topic)
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError:
                body = None
            if device is None or body is None:
                malformed += 1
                log.warning("sensors: unreadable message on %s", topic)
                continue
            messages.append(services.parse_payload(device_id=device, payload=body))
        result = services.readings_ingest(messages=messages, announce_after=False)
        self.pending_touched |= result.touched
        for _topic, _payload, mid, qos in batch:
            if qos:
                self.client.ack(mid, qos)
        self.stored_messages += len(batch)
        return len(batch)

    pending_touched: set = set()

    def run(self, *, until=None) -> None:
        """Store batches until stopped (or ``until()`` is true); announce the touched streams
        and months for their indicator values every ``announce_every`` seconds."""
        from django.db import close_old_connections

        from dantoc.sensors import services

        self.pending_touched = set()
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
