"""Devices, their credentials and readings over HTTP; thresholds; indicator values."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dantoc.alerts.models import Alert
from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.reporting.models import DataValue, DataValueChange
from dantoc.sensors import permissions, services
from dantoc.sensors.models import CrossingState, Device, Observation, ThresholdCrossing
from dantoc.sensors.tests.helpers import COMMUNE, hours_ago, reading, river_device

pytestmark = pytest.mark.django_db

URL = "/api/sensors/v1/readings"


def _post(client, device, secret, readings):
    return client.post(
        URL,
        {"readings": readings},
        content_type="application/json",
        headers={"Authorization": f"Device {device.uuid}:{secret}"},
    )


def test_province_officer_registers_a_device_whose_secret_is_kept_only_as_a_hash(people):
    device, secret = services.device_register(
        actor=people.province, name="Trạm mưa", kind="rain_gauge", unit=unit_get(code=COMMUNE)
    )
    assert secret not in device.secret_hash and len(secret) >= 24
    assert services.device_authenticate(device_id=str(device.uuid), secret=secret) == device
    assert services.device_authenticate(device_id=str(device.uuid), secret=secret + "x") is None
    assert AuditEntry.objects.filter(
        action="sensors.device_register", object_id=str(device.pk)
    ).exists()


@pytest.mark.parametrize(
    "persona", ["commune", "other_commune", "other_province", "ministry", "editor", "admin"]
)
def test_only_the_province_of_the_commune_registers_devices_there(people, persona):
    before = Device.objects.count()
    with pytest.raises(PermissionDenied):
        services.device_register(
            actor=getattr(people, persona), name="x", kind="rain_gauge", unit=unit_get(code=COMMUNE)
        )
    assert Device.objects.count() == before


def test_who_sees_a_device(people):
    device, _secret, _stream = river_device(people)
    seen = {
        name: permissions.can_view_device(getattr(people, name), device)
        for name in ["commune", "other_commune", "province", "other_province", "ministry", "editor"]
    }
    assert seen == {
        "commune": True, "other_commune": False, "province": True, "other_province": False,
        "ministry": True, "editor": False,
    }  # fmt: skip


def test_readings_are_stored_once_even_when_sent_again(client, people):
    device, secret, stream = river_device(people, threshold=None)
    readings = [reading("muc_nuoc", hours_ago(h), 100 + h) for h in range(5)]
    assert _post(client, device, secret, readings).json()["accepted"] == 5
    again = _post(client, device, secret, [*readings[:3], reading("muc_nuoc", hours_ago(9), 7)])
    assert again.status_code == 200
    assert Observation.objects.filter(datastream=stream).count() == 6


def test_unknown_revoked_or_wrongly_keyed_devices_are_refused(client, people):
    device, secret, stream = river_device(people, threshold=None)
    one = [reading("muc_nuoc", hours_ago(1), 120)]
    assert _post(client, device, secret + "x", one).status_code == 401
    stranger = Device(uuid="00000000-0000-4000-8000-000000000000")
    assert _post(client, stranger, secret, one).status_code == 401
    services.device_revoke(actor=people.province, device=device)
    answer = _post(client, device, secret, one)
    assert answer.status_code == 401
    assert not Observation.objects.filter(datastream=stream).exists()
    # Revoked through the MQTT path as well.
    outcome = services.readings_ingest(messages=[services.Message(str(device.uuid), secret, one)])
    assert outcome.refused_messages == 1 and not Observation.objects.exists()


def test_malformed_readings_are_counted_and_never_stored(client, people):
    device, secret, stream = river_device(people, threshold=None)
    answer = _post(
        client,
        device,
        secret,
        [
            reading("muc_nuoc", hours_ago(1), 120),
            reading("muc_nuoc", hours_ago(2), "cao"),
            reading("khong_co", hours_ago(3), 1),
            {"stream": "muc_nuoc", "phenomenonTime": "2026-12-01T08:00:00", "result": 1},
            {"stream": "muc_nuoc", "phenomenonTime": "hôm qua", "result": 1},
            reading("muc_nuoc", hours_ago(-48), 1),
            "not an object",
        ],
    )
    body = answer.json()
    assert (body["accepted"], body["malformed"]) == (1, 6)
    assert len(body["errors"]) == 6
    device.refresh_from_db()
    assert device.malformed_count == 6
    assert Observation.objects.filter(datastream=stream).count() == 1
    assert _post(client, device, secret, "x").status_code == 400


def test_a_crossing_raises_one_draft_warning_that_an_officer_issues(client, people):
    device, secret, stream = river_device(people)
    levels = [200, 240, 260, 300, 280, 230, 210]
    _post(
        client,
        device,
        secret,
        [reading("muc_nuoc", hours_ago(10 - i), v) for i, v in enumerate(levels)],
    )
    # Sent again, and more readings over the threshold later: still the same crossings.
    _post(
        client,
        device,
        secret,
        [reading("muc_nuoc", hours_ago(10 - i), v) for i, v in enumerate(levels)],
    )
    crossings = list(ThresholdCrossing.objects.filter(datastream=stream))
    assert [(c.peak, c.ended_at is not None, c.state) for c in crossings] == [
        (300, True, "pending")
    ]
    _post(
        client,
        device,
        secret,
        [reading("muc_nuoc", hours_ago(2), 255), reading("muc_nuoc", hours_ago(1), 270)],
    )
    assert ThresholdCrossing.objects.filter(datastream=stream).count() == 2
    open_one = ThresholdCrossing.objects.get(datastream=stream, ended_at__isnull=True)
    assert open_one.peak == 270

    with pytest.raises(PermissionDenied):
        services.crossing_issue_alert(
            actor=people.other_province, crossing=open_one, level=2, status="Test"
        )
    draft = services.crossing_draft(open_one)  # what the officer reads and may edit
    assert "270" in draft["description"] and draft["headline"] and draft["instruction"]
    with pytest.raises(ValidationError):
        services.crossing_issue_alert(
            actor=people.province, crossing=open_one, level=2, status="Test", headline="x" * 161
        )
    alert = services.crossing_issue_alert(
        actor=people.province, crossing=open_one, level=2, status="Test",
        headline="  Nước suối lên nhanh ở Lũng Cú ",
    )  # fmt: skip
    assert alert.infos.get(language="vi").headline == "Nước suối lên nhanh ở Lũng Cú"
    open_one.refresh_from_db()
    assert open_one.state == CrossingState.ISSUED and open_one.alert == alert
    assert [c.code for c in alert.communes.all()] == [COMMUNE]
    assert "270" in alert.infos.get(language="vi").description
    assert Alert.objects.count() == 1
    with pytest.raises(Exception, match="đã được xử lý"):
        services.crossing_issue_alert(
            actor=people.province, crossing=open_one, level=2, status="Test"
        )
    assert Alert.objects.count() == 1


def test_readings_become_monthly_indicator_values_marked_as_from_a_device(client, people):
    device, secret, _stream = river_device(people, threshold=None)
    # Days of last month, whatever today is (its period stays open for device values).
    first = timezone.localtime().replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    last_month = (first - datetime.timedelta(days=1)).replace(hour=9)
    moments = [last_month.replace(day=d) for d in (10, 11, 12)]
    outcome = services.readings_ingest(
        messages=[
            services.Message(
                str(device.uuid),
                secret,
                [
                    reading("muc_nuoc", m, v)
                    for m, v in zip(moments, (120, 180.5, 150), strict=True)
                ],
            )
        ]
    )
    result = services.indicator_values_compute(touched=outcome.touched)
    assert result["values"] >= 1
    values = DataValue.objects.filter(indicator__code="CB_MUC_NUOC_MAX", unit__code=COMMUNE)
    by_month = {v.period.code: v.value for v in values}
    month = last_month.strftime("%Y%m")
    assert float(by_month[month]) == 180.5
    assert values.get(period__code=month).created_by is None
    # A higher reading later that month: the value changes, its history says "device".
    later = services.readings_ingest(
        messages=[
            services.Message(
                str(device.uuid), secret, [reading("muc_nuoc", last_month.replace(day=13), 190)]
            )
        ]
    )
    services.indicator_values_compute(touched=later.touched)
    value = values.get(period__code=month)
    assert float(value.value) == 190
    assert [(c.new_value, c.source) for c in DataValueChange.objects.filter(data_value=value)] == [
        ("190", "device")
    ]


def test_the_broker_state_is_reported_and_off_when_none_is_configured(settings):
    from dantoc.sensors import mqtt

    assert mqtt.broker_health()["status"] == "ok"
    settings.DANTOC_MQTT_URL = "mqtt://127.0.0.1:9"
    assert mqtt.broker_health()["status"] == "error"
    settings.DANTOC_MQTT_URL = ""
    assert mqtt.broker_health()["status"] == "off"


def test_healthz_reports_the_broker_and_the_subscriber_says_when_there_is_none(client, settings):
    import io

    from django.core.management import call_command

    assert client.get("/healthz").json()["mqtt"]["status"] == "ok"
    settings.DANTOC_MQTT_URL = ""
    out = io.StringIO()
    call_command("sensors_mqtt", stdout=out)
    assert "no MQTT broker configured" in out.getvalue()
