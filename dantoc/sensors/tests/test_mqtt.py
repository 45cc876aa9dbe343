"""Readings over the real Mosquitto broker at 127.0.0.1:1883 (settings.DANTOC_MQTT_URL):
stored in batches, refused from unknown devices, and never lost when the subscriber stops
before storing (the broker delivers them again)."""

from __future__ import annotations

import json
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from dantoc.sensors import mqtt as sensors_mqtt
from dantoc.sensors.models import Observation
from dantoc.sensors.tests.helpers import hours_ago, reading, river_device

pytestmark = pytest.mark.django_db


def _publish(device_id, bodies) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4()}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    infos = [
        client.publish(f"dantoc/v1/devices/{device_id}/readings", body, qos=1) for body in bodies
    ]
    for info in infos:
        info.wait_for_publish(timeout=10)
    client.loop_stop()
    client.disconnect()


def _drain_until(subscriber, count, seconds=15.0) -> None:
    deadline = time.monotonic() + seconds
    while subscriber.stored_messages < count and time.monotonic() < deadline:
        subscriber.drain()


def test_readings_published_over_mqtt_are_stored_once(people):
    device, secret, stream = river_device(people, threshold=None)
    client_id = f"test-sensors-{uuid.uuid4()}"
    subscriber = sensors_mqtt.Subscriber(client_id=client_id, group=client_id, batch_wait=0.05)
    subscriber.start()
    assert subscriber.connected.wait(5)
    try:
        bodies = [
            json.dumps({"secret": secret, **reading("muc_nuoc", hours_ago(h), h)})
            for h in range(20)
        ]
        bodies.append(
            json.dumps({"secret": secret, "readings": [reading("muc_nuoc", hours_ago(3), 3)]})
        )
        bodies.append(json.dumps({"secret": "wrong", **reading("muc_nuoc", hours_ago(40), 1)}))
        bodies.append("{not json")
        _publish(device.uuid, bodies)
        _publish(
            uuid.uuid4(), [json.dumps({"secret": secret, **reading("muc_nuoc", hours_ago(50), 1)})]
        )
        _drain_until(subscriber, len(bodies) + 1)
    finally:
        subscriber.stop()
        subscriber.forget()
    assert subscriber.stored_messages == len(bodies) + 1
    assert sorted(
        Observation.objects.filter(datastream=stream).values_list("result", flat=True)
    ) == list(range(20))


def test_messages_not_yet_stored_are_delivered_again_after_a_stop(people):
    device, secret, stream = river_device(people, threshold=None)
    client_id = f"test-sensors-{uuid.uuid4()}"
    first = sensors_mqtt.Subscriber(client_id=client_id, group=client_id, connections=2)
    first.start()
    assert first.connected.wait(5)
    _publish(
        device.uuid,
        [json.dumps({"secret": secret, **reading("muc_nuoc", hours_ago(h), h)}) for h in range(10)],
    )
    deadline = time.monotonic() + 10
    while first.inbox.qsize() < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.stop()  # received, never stored nor acknowledged
    assert not Observation.objects.filter(datastream=stream).exists()

    second = sensors_mqtt.Subscriber(
        client_id=client_id, group=client_id, connections=2, batch_wait=0.05
    )
    second.start()
    try:
        deadline = time.monotonic() + 15
        while (
            Observation.objects.filter(datastream=stream).count() < 10
            and time.monotonic() < deadline
        ):
            second.drain()
    finally:
        second.stop()
        second.forget()
    assert Observation.objects.filter(datastream=stream).count() == 10
