"""Readings over the real Mosquitto broker at 127.0.0.1:1883 (settings.DANTOC_MQTT_URL),
published by paho-mqtt as devices do, received by the platform's own MQTT 5 subscriber:
stored in batches, refused from unknown devices, never lost when the subscriber stops before
storing or its connection drops (the broker delivers them again), and read right whatever the
broker puts in a message (properties, long lengths, packets split across reads)."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from dantoc.sensors import mqtt as sensors_mqtt
from dantoc.sensors.models import Observation
from dantoc.sensors.tests.helpers import hours_ago, reading, river_device

pytestmark = pytest.mark.django_db


def _publish(device_id, bodies, *, protocol=mqtt.MQTTv311, properties=None) -> None:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4()}", protocol=protocol
    )
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    infos = [
        client.publish(
            f"dantoc/v1/devices/{device_id}/readings", body, qos=1, properties=properties
        )
        for body in bodies
    ]
    for info in infos:
        info.wait_for_publish(timeout=10)
    client.loop_stop()
    client.disconnect()


def _subscriber(**options) -> sensors_mqtt.Subscriber:
    client_id = f"test-sensors-{uuid.uuid4()}"
    options.setdefault("batch_wait", 0.05)
    subscriber = sensors_mqtt.Subscriber(client_id=client_id, group=client_id, **options)
    subscriber.start()
    return subscriber


def _drain_until(subscriber, done, seconds=15.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        subscriber.drain()


def _mine(subscriber, device) -> int:
    """Messages received for ``device`` (the subscription takes every device's messages,
    those of tests running beside this one included)."""
    topic = f"dantoc/v1/devices/{device.uuid}/readings".encode()
    return sum(1 for item in subscriber.pending if item[2] == topic)


def _bodies(secret, hours) -> list[str]:
    return [json.dumps({"secret": secret, **reading("muc_nuoc", hours_ago(h), h)}) for h in hours]


def _results(stream) -> list[float]:
    return sorted(Observation.objects.filter(datastream=stream).values_list("result", flat=True))


def test_readings_published_over_mqtt_are_stored_once(people):
    device, secret, stream = river_device(people, threshold=None)
    subscriber = _subscriber()
    try:
        bodies = _bodies(secret, range(20))
        bodies.append(
            json.dumps({"secret": secret, "readings": [reading("muc_nuoc", hours_ago(3), 3)]})
        )
        bodies.append(json.dumps({"secret": "wrong", **reading("muc_nuoc", hours_ago(40), 1)}))
        bodies.append("{not json")
        _publish(device.uuid, bodies)
        _publish(uuid.uuid4(), _bodies(secret, [50]))
        _drain_until(
            subscriber,
            lambda: len(_results(stream)) >= 20 and subscriber.stored_messages > len(bodies),
        )
    finally:
        subscriber.stop()
        subscriber.forget()
    assert subscriber.stored_messages >= len(bodies) + 1
    assert _results(stream) == list(range(20))


def test_messages_not_yet_stored_are_delivered_again_after_a_stop(people):
    device, secret, stream = river_device(people, threshold=None)
    first = _subscriber(connections=2)
    _publish(device.uuid, _bodies(secret, range(10)))
    deadline = time.monotonic() + 10
    while _mine(first, device) < 10 and time.monotonic() < deadline:
        first.receive(0.05)
    assert _mine(first, device) == 10
    first.stop()  # received, never stored nor acknowledged
    assert not Observation.objects.filter(datastream=stream).exists()

    second = sensors_mqtt.Subscriber(
        client_id=first.client_id, group=first.client_id, connections=2, batch_wait=0.05
    )
    second.start()
    try:
        _drain_until(second, lambda: len(_results(stream)) >= 10)
    finally:
        second.stop()
        second.forget()
    assert _results(stream) == list(range(10))


def test_a_dropped_connection_is_opened_again_and_nothing_is_lost(people, caplog):
    device, secret, stream = river_device(people, threshold=None)
    subscriber = _subscriber()
    connection = subscriber.connections[0]
    try:
        _publish(device.uuid, _bodies(secret, range(10)))
        deadline = time.monotonic() + 10
        while _mine(subscriber, device) < 10 and time.monotonic() < deadline:
            subscriber.receive(0.05)
        # The network goes: received, not stored, not acknowledged.
        connection.sock.shutdown(socket.SHUT_RDWR)
        subscriber.receive(1)
        assert connection.sock is None
        assert f"connection {connection.client_id} to the broker lost" in caplog.text
        _publish(device.uuid, _bodies(secret, range(10, 20)))
        connection.retry_at = 0  # not the back-off's second
        _drain_until(subscriber, lambda: len(_results(stream)) >= 20)
        assert connection.sock is not None
        assert connection.generation == 2
    finally:
        subscriber.stop()
        subscriber.forget()
    # The first ten came twice (before the drop, unacknowledged, and from the broker after)
    # and are stored once.
    assert _results(stream) == list(range(20))


def test_message_properties_and_long_messages_from_an_mqtt5_device(people):
    device, secret, stream = river_device(people, threshold=None)
    properties = Properties(PacketTypes.PUBLISH)
    properties.UserProperty = [("firmware", "2.4.1"), ("tram", "Lũng Cú")]
    properties.MessageExpiryInterval = 3600
    properties.ContentType = "application/json"
    many = {
        "secret": secret,
        "readings": [reading("muc_nuoc", hours_ago(h), h) for h in range(300)],
    }
    body = json.dumps(many)
    assert len(body) > 16_384  # a Remaining Length of three bytes
    subscriber = _subscriber()
    try:
        _publish(device.uuid, [body], protocol=mqtt.MQTTv5, properties=properties)
        _drain_until(subscriber, lambda: len(_results(stream)) >= 300)
    finally:
        subscriber.stop()
        subscriber.forget()
    assert _results(stream) == list(range(300))


def test_packets_are_read_the_same_however_the_bytes_arrive():
    topic = b"dantoc/v1/devices/abc/readings"
    payloads = [b"{}", b"x" * 200, b"y" * 20_000]
    stream = b""
    expected, ends = [], []
    for number, payload in enumerate(payloads, start=1):
        properties = b"\x03" + b"\x01\x01" + b"\x02" if number == 2 else b"\x00"
        packet_id = number.to_bytes(2, "big")
        body = len(topic).to_bytes(2, "big") + topic + packet_id + properties + payload
        stream += sensors_mqtt._packet(0x32, body)
        ends.append(len(stream))
        expected.append((topic, payload, packet_id))
    stream += b"\xd0\x00"  # PINGRESP
    ends.append(len(stream))
    expected.append((0xD0, b""))
    stream += sensors_mqtt._packet(0x30, len(topic).to_bytes(2, "big") + topic + b"\x00" + b"q0")
    expected.append((topic, b"q0", None))
    # Every cut in the first packets and around each packet's end; every 101st in the long one.
    cuts = set(range(600)) | set(range(0, len(stream) + 1, 101))
    cuts |= {end + d for end in ends for d in range(-40, 41) if 0 <= end + d <= len(stream)}
    for cut in sorted(cuts):
        buffer, got = bytearray(), []
        for piece in (stream[:cut], stream[cut:]):
            buffer += piece
            del buffer[: sensors_mqtt.parse(buffer, got)]
        assert got == expected, cut
        assert not buffer


def test_a_subscriber_refused_by_the_broker_says_so():
    with pytest.raises(OSError):
        sensors_mqtt.Connection("127.0.0.1", 9, "test-nobody").open()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def refuse() -> None:
            peer, _ = server.accept()
            with peer:
                peer.recv(1024)
                peer.sendall(b"\x20\x03\x00\x87\x00")  # CONNACK: Not authorized
                peer.recv(1024)

        helper = threading.Thread(target=refuse, daemon=True)
        helper.start()
        with pytest.raises(sensors_mqtt.ProtocolError, match="reason code 135"):
            sensors_mqtt.Connection("127.0.0.1", port, "test-refused").open()
        helper.join(5)


@pytest.mark.parametrize(
    "packet",
    [
        sensors_mqtt._packet(0x32, b"\x00\x40dantoc/v1"),  # the topic longer than the packet
        sensors_mqtt._packet(0x34, b"\x00\x01t\x00\x01\x00{}"),  # QoS 2, never subscribed to
        b"\x30\xff\xff\xff\xff\x01",  # a length of five bytes
    ],
)
def test_a_malformed_packet_is_a_protocol_error(packet):
    with pytest.raises(sensors_mqtt.ProtocolError):
        sensors_mqtt.parse(bytearray(packet), [])
