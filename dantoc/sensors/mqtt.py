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

import contextlib
import logging
import selectors
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


# --- the MQTT 5 wire (subscriber side) ---------------------------------------------------
#
# The subscriber speaks MQTT 5 itself (OASIS MQTT Version 5.0, 2019) over a plain socket
# instead of through paho-mqtt: paho reads each packet with several small reads, builds a
# message object and calls back per message, and writes each PUBACK on its own; reading what
# has arrived in one read, packet after packet from a buffer, and answering a whole batch with
# one write costs a few µs a message. In benchmarks/sensors_ingest.py (2 processes, SQLite,
# 6 December 2026) the same batches were stored at 13,975 readings a second through paho and
# 32,584 this way. Only what a subscriber needs: CONNECT/CONNACK, SUBSCRIBE/SUBACK,
# PUBLISH at QoS 0 and 1 from the broker, PUBACK, PINGREQ/PINGRESP, DISCONNECT. Devices and
# the tests publish with paho-mqtt.

CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK = 0x10, 0x20, 0x30, 0x40, 0x82, 0x90
PINGREQ, PINGRESP, DISCONNECT = b"\xc0\x00", 0xD0, 0xE0
# CONNECT properties (MQTT 5 §3.1.2.11)
SESSION_EXPIRY_INTERVAL, RECEIVE_MAXIMUM, MAXIMUM_PACKET_SIZE = 0x11, 0x21, 0x27
# The largest packet this subscriber takes; the broker does not send it a larger one (§3.1.2.11.4)
MAX_PACKET = 1 << 20


class ProtocolError(ConnectionError):
    """The broker refused, or sent what an MQTT 5 broker may not send a subscriber."""


def _varint(n: int) -> bytes:
    """Variable Byte Integer (§1.5.5)."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data, pos: int) -> tuple[int, int] | None:
    """(value, position after it), or None when ``data`` ends inside it."""
    value = shift = 0
    for _ in range(4):
        if pos >= len(data):
            return None
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ProtocolError("malformed Variable Byte Integer")


def _text(value: str) -> bytes:
    raw = value.encode()
    return len(raw).to_bytes(2, "big") + raw


def _packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + _varint(len(body)) + body


def connect_packet(
    client_id: str, *, clean_start: bool, keepalive: int, expiry: int, receive_maximum: int
) -> bytes:
    properties = (
        bytes([SESSION_EXPIRY_INTERVAL]) + expiry.to_bytes(4, "big")
        + bytes([RECEIVE_MAXIMUM]) + receive_maximum.to_bytes(2, "big")
        + bytes([MAXIMUM_PACKET_SIZE]) + MAX_PACKET.to_bytes(4, "big")
    )  # fmt: skip
    flags = 0x02 if clean_start else 0x00
    variable = _text("MQTT") + bytes([5, flags]) + keepalive.to_bytes(2, "big")
    return _packet(CONNECT, variable + _varint(len(properties)) + properties + _text(client_id))


def subscribe_packet(packet_id: int, topic_filter: str, qos: int = 1) -> bytes:
    body = packet_id.to_bytes(2, "big") + b"\x00" + _text(topic_filter) + bytes([qos])
    return _packet(SUBSCRIBE, body)


def parse(buffer: bytearray, into: list) -> int:
    """Read the complete packets at the start of ``buffer``: each PUBLISH is appended to
    ``into`` as (topic bytes, payload bytes, packet id bytes or None); any other packet as
    (first byte, body). The number of bytes read (the rest is an incomplete packet)."""
    pos, end = 0, len(buffer)
    view = memoryview(buffer)
    try:
        while pos < end:
            first = buffer[pos]
            header = _read_varint(buffer, pos + 1)
            if header is None:
                break
            length, start = header
            stop = start + length
            if stop > end:
                break
            if first & 0xF0 == PUBLISH:
                qos = (first >> 1) & 0x03
                size = int.from_bytes(view[start : start + 2], "big")
                topic = bytes(view[start + 2 : start + 2 + size])
                cursor = start + 2 + size
                if qos == 1:
                    packet_id = bytes(view[cursor : cursor + 2])
                    cursor += 2
                elif qos == 0:
                    packet_id = None
                else:  # QoS 2 is never granted to this subscriber (it subscribes at QoS 1)
                    raise ProtocolError("PUBLISH at QoS 2 on a QoS 1 subscription")
                if cursor >= stop:
                    raise ProtocolError("PUBLISH shorter than its topic")
                if buffer[cursor] < 0x80:  # properties (§3.3.2.3), nearly always none
                    cursor += 1 + buffer[cursor]
                else:
                    props, cursor = _read_varint(buffer[:stop], cursor) or (stop, stop)
                    cursor += props
                if cursor > stop:
                    raise ProtocolError("PUBLISH shorter than its topic and properties")
                into.append((topic, bytes(view[cursor:stop]), packet_id))
            else:
                into.append((first, bytes(view[start:stop])))
            pos = stop
    finally:
        view.release()
    return pos


# Seconds the broker keeps a subscriber's session (its subscription and the messages queued
# for it) while the subscriber is away: a restart, a deployment, a night.
SESSION_EXPIRY = 7 * 24 * 3600


class Connection:
    """One subscriber connection to the broker (a persistent MQTT 5 session under a fixed
    client id). Blocking socket with a time-out; the caller reads it when it is ready."""

    def __init__(
        self,
        host: str,
        port: int,
        client_id: str,
        *,
        keepalive: int = 30,
        receive_maximum: int = 20000,
        expiry: int = SESSION_EXPIRY,
    ) -> None:
        self.host, self.port, self.client_id = host, port, client_id
        self.keepalive = keepalive
        self.receive_maximum = receive_maximum
        self.expiry = expiry
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.generation = 0  # which connection a received message's packet id belongs to
        self.received: list[tuple[bytes, bytes, bytes | None]] = []
        self.last_sent = 0.0
        self.ping_since: float | None = None
        self.retry_at = 0.0
        self.backoff = 1.0

    def open(self, *, clean_start: bool = False, timeout: float = 10.0) -> bool:
        """CONNECT and wait for CONNACK; whether the broker still had the session."""
        self.close(disconnect=False)  # a socket left from an attempt that failed half-way
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(
                connect_packet(
                    self.client_id,
                    clean_start=clean_start,
                    keepalive=self.keepalive,
                    expiry=self.expiry,
                    receive_maximum=self.receive_maximum,
                )
            )
            self.sock, self.buffer = sock, bytearray()
            body = self._await(CONNACK, timeout)
        except BaseException:
            sock.close()
            self.sock = None
            raise
        if len(body) < 2 or body[1] >= 0x80:
            self.close(disconnect=False)
            code = body[1] if len(body) > 1 else None
            raise ProtocolError(f"the broker refused the connection (reason code {code})")
        self.generation += 1
        self.last_sent, self.ping_since, self.backoff = time.monotonic(), None, 1.0
        return bool(body[0] & 0x01)

    def subscribe(self, topic_filter: str, *, timeout: float = 10.0) -> None:
        self._send(subscribe_packet(1, topic_filter))
        body = self._await(SUBACK, timeout)
        properties, cursor = _read_varint(body, 2) or (0, len(body))
        codes = body[cursor + properties :]
        if not codes or codes[0] >= 0x80:
            raise ProtocolError(f"the broker refused the subscription to {topic_filter}")

    def _await(self, kind: int, timeout: float) -> bytes:
        """Read until a packet of ``kind`` arrives (messages arriving first are kept)."""
        deadline = time.monotonic() + timeout
        while True:
            for first, body in self.read():
                if first & 0xF0 == kind:
                    return body
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the broker {self.host}:{self.port}")

    def read(self) -> list[tuple[int, bytes]]:
        """Read what has arrived (blocking up to the socket's time-out when nothing has):
        messages go to ``received``; the other packets are returned, after PINGRESP and
        DISCONNECT are dealt with."""
        chunk = self.sock.recv(1 << 18)
        if not chunk:
            raise ConnectionResetError("the broker closed the connection")
        self.buffer += chunk
        items: list = []
        used = parse(self.buffer, items)
        del self.buffer[:used]
        others = []
        for item in items:
            if len(item) == 3:
                self.received.append(item)
            elif item[0] == PINGRESP:
                self.ping_since = None
            elif item[0] & 0xF0 == DISCONNECT:
                code = item[1][0] if item[1] else 0
                raise ConnectionResetError(f"the broker ended the connection (reason {code})")
            else:
                others.append(item)
        return others

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.last_sent = time.monotonic()

    def ack(self, packet_ids: list[bytes]) -> None:
        """PUBACK each message, in the order received (§4.6), in one write."""
        if packet_ids:
            self._send(b"".join([b"\x40\x02" + packet_id for packet_id in packet_ids]))

    def keep_alive(self) -> None:
        """PINGREQ when nothing was sent for half the keep-alive; a connection whose
        PINGRESP has not come within the keep-alive is dead."""
        now = time.monotonic()
        if self.ping_since is not None and now - self.ping_since > self.keepalive:
            raise TimeoutError("no PINGRESP from the broker")
        if self.ping_since is None and now - self.last_sent >= self.keepalive / 2:
            self._send(PINGREQ)
            self.ping_since = now

    def close(self, *, disconnect: bool = True) -> None:
        if self.sock is None:
            return
        with contextlib.suppress(OSError):
            if disconnect:
                self.sock.sendall(b"\xe0\x00")  # DISCONNECT, normal (the session stays)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.sock = None


class Subscriber:
    """``connections`` connections sharing one subscription (``$share/…``: the broker spreads
    the messages over them), read on the caller's thread: messages are stored in batches and
    each batch acknowledged once stored. Persistent MQTT 5 sessions (clean start off,
    ``Session Expiry Interval`` a week) with ``Receive Maximum`` set: an MQTT 3.1.1 client
    gets only the broker's ``max_inflight_messages`` unacknowledged messages (20 on
    Mosquitto), so a batch acknowledged after storing could hold no more than 20. A
    connection lost is opened again (after 1, 2, 4 … 30 s); what it had received and not
    acknowledged comes again from the broker."""

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
        keepalive: int = 30,
    ) -> None:
        address = broker_address()
        if address is None:
            raise RuntimeError("no MQTT broker configured (DANTOC_MQTT_URL is empty)")
        self.host, self.port = address
        self.topic_filter = f"$share/{group}/{SUBSCRIPTION}"
        self.client_id = client_id
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.announce_every = announce_every
        self.connections = [
            Connection(
                self.host,
                self.port,
                f"{client_id}-{number}",
                keepalive=keepalive,
                receive_maximum=receive_maximum,
            )
            for number in range(connections)
        ]
        # (connection, its generation, topic, payload, packet id) in the order received
        self.pending: list[tuple[Connection, int, bytes, bytes, bytes | None]] = []
        self.stored_messages = 0
        self.pending_touched: set = set()
        self.stopping = threading.Event()
        self.devices: dict[bytes, str | None] = {}  # topic -> device id, read once

    def start(self) -> None:
        """Connect and subscribe every connection (OSError when the broker is unreachable)."""
        for connection in self.connections:
            self._open(connection)

    def _open(self, connection: Connection) -> None:
        connection.open(clean_start=False)
        connection.subscribe(self.topic_filter)
        connection.sock.settimeout(10)

    def _lost(self, connection: Connection, exc: BaseException) -> None:
        log.error("sensors: connection %s to the broker lost: %s", connection.client_id, exc)
        connection.close(disconnect=False)
        connection.received.clear()
        connection.retry_at = time.monotonic() + connection.backoff
        connection.backoff = min(30.0, connection.backoff * 2)

    def receive(self, timeout: float) -> int:
        """Read what the broker has sent, waiting up to ``timeout`` seconds when nothing has
        come; the number of messages received. Opens lost connections again when due."""
        now = time.monotonic()
        for connection in self.connections:
            if connection.sock is None and now >= connection.retry_at:
                try:
                    self._open(connection)
                except OSError as exc:
                    self._lost(connection, exc)
        live = [c for c in self.connections if c.sock is not None]
        if not live:
            self.stopping.wait(timeout)
            return 0
        with selectors.DefaultSelector() as selector:
            for connection in live:
                selector.register(connection.sock, selectors.EVENT_READ, connection)
            ready = selector.select(timeout)
        for key, _events in ready:
            connection = key.data
            try:
                others = connection.read()
                if others:
                    raise ProtocolError(f"unexpected packet {others[0][0]:#x} from the broker")
            except OSError as exc:
                self._lost(connection, exc)
        count = 0
        for connection in live:
            if connection.sock is None:
                continue
            # Messages read here and while (re)subscribing, in the order they came.
            generation = connection.generation
            self.pending.extend(
                (connection, generation, topic, payload, packet_id)
                for topic, payload, packet_id in connection.received
            )
            count += len(connection.received)
            connection.received.clear()
            try:
                connection.keep_alive()
            except OSError as exc:
                self._lost(connection, exc)
        return count

    def _batch(self) -> list:
        if not self.pending:
            self.receive(self.batch_wait)
        # Whatever else has arrived, without waiting: the sooner a batch is stored and
        # acknowledged, the sooner the broker sends the next messages.
        while self.pending and len(self.pending) < self.batch_size:
            if not self.receive(0):
                break
        batch = self.pending[: self.batch_size]
        del self.pending[: self.batch_size]
        return batch

    def _device(self, topic: bytes) -> str | None:
        try:
            return self.devices[topic]
        except KeyError:
            try:
                device = device_of(topic.decode())
            except UnicodeDecodeError:
                device = None
            if len(self.devices) < 100_000:
                self.devices[topic] = device
            return device

    def drain(self) -> int:
        """Store what has arrived (one batch at most); the number of messages handled."""
        from dantoc.sensors import services

        batch = self._batch()
        if not batch:
            return 0
        messages = []
        for _connection, _generation, topic, payload, _packet_id in batch:
            device = self._device(topic)
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError:
                body = None
            if device is None or body is None:
                log.warning("sensors: unreadable message on %r", topic)
                continue
            messages.append(services.parse_payload(device_id=device, payload=body))
        result = services.readings_ingest(messages=messages, announce_after=False)
        self.pending_touched |= result.touched
        acks: dict[Connection, list[bytes]] = {}
        for connection, generation, _topic, _payload, packet_id in batch:
            # A packet id of a connection since lost means nothing on the new one: the
            # broker sends that message again (stored once).
            if packet_id is not None and generation == connection.generation:
                acks.setdefault(connection, []).append(packet_id)
        for connection, packet_ids in acks.items():
            if connection.sock is not None:
                try:
                    connection.ack(packet_ids)
                except OSError as exc:
                    self._lost(connection, exc)
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

    def stop(self) -> None:
        """Disconnect; what was received and not stored is delivered again later."""
        self.stopping.set()
        self.pending.clear()
        for connection in self.connections:
            connection.close()

    def forget(self) -> None:
        """End the connections' sessions at the broker (their subscriptions and anything
        queued for them): for a subscriber that will not come back, such as a test's."""
        for connection in self.connections:
            session_end(self.host, self.port, connection.client_id)


def session_end(host: str, port: int, client_id: str) -> None:
    """End the broker's session of ``client_id``: CONNECT with clean start and no expiry, then
    DISCONNECT."""
    connection = Connection(host, port, client_id, expiry=0)
    connection.open(clean_start=True)
    connection.close()


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
    ``multiprocessing`` event) is set or a child dies. Python runs one thing at a time per
    process, reading, parsing, storing and acknowledging included, so with PostgreSQL (whose
    statements cost more Python than SQLite's) the broker spreads the messages over several
    (``$share/…``). Each process's client ids are fixed (``<client_id>-p<n>-<k>``): keep ``processes`` fixed between restarts,
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
