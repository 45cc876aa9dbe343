"""Demo devices (load_demo_data; never in production): four devices in highland communes of
Lào Cai, registered by the province's demo officer, with ten days of synthetic hourly
readings, their monthly indicator values and one river-level crossing waiting for a
decision. Idempotent: devices are found by name; readings are stored once per (stream, time)."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.alerts.models import Hazard
from dantoc.geo.models import Unit
from dantoc.indicators.models import Indicator
from dantoc.sensors import services
from dantoc.sensors.models import Device, DeviceKind

DAYS = 10
# (name, kind, commune code, lat, lon, [(code, name, property, unit, indicator, threshold)])
DEVICES = [
    ("Trạm đo mưa Y Tý (demo)", DeviceKind.RAIN_GAUGE, "02701", 22.6231, 103.6197,
     [("mua", "Lượng mưa mỗi giờ", "Lượng mưa", "mm", "CB_LUONG_MUA", None)]),
    ("Trạm mực nước suối Bát Xát (demo)", DeviceKind.RIVER_LEVEL, "02683", 22.5377, 103.8887,
     [("muc_nuoc", "Mực nước suối", "Mực nước", "cm", "CB_MUC_NUOC_MAX", 250.0)]),
    ("Trạm không khí Mường Hum (demo)", DeviceKind.AIR_QUALITY, "02728", 22.5602, 103.6794,
     [("pm25", "Bụi PM2.5", "Nồng độ PM2.5", "µg/m³", "CB_PM25_TB", None)]),
    ("Điểm đếm lượt người chợ phiên Y Tý (demo)", DeviceKind.PEOPLE_COUNTER, "02701", 22.6203, 103.6251,
     [("luot_nguoi", "Lượt người mỗi giờ", "Lượt người qua cổng chợ", "lượt", "CB_LUOT_NGUOI", None)]),
]  # fmt: skip


def _value(code: str, moment: datetime.datetime, rng: random.Random) -> float:
    hour = timezone.localtime(moment).hour
    day = (timezone.localtime(moment).date() - timezone.localdate()).days
    if code == "mua":
        return round(max(0.0, rng.gauss(0.6, 1.5)) * (3 if 14 <= hour <= 18 else 1), 1)
    if code == "muc_nuoc":
        # A flood wave two days ago that crossed the 250 cm threshold for a few hours.
        wave = 120 * math.exp(-(((day + 2) * 24 + hour - 12) ** 2) / 40)
        return round(140 + 10 * math.sin(hour / 24 * 2 * math.pi) + wave + rng.uniform(-2, 2), 1)
    if code == "pm25":
        return round(18 + 10 * (hour in (6, 7, 18, 19, 20)) + rng.uniform(0, 6), 1)
    return float(rng.randrange(0, 40) + (400 if 7 <= hour <= 11 else 0) * (day % 7 == 0))


def demo_sensors_load() -> str:
    """Loader ``sensors.demo``."""
    officer = User.objects.get(username="tinh.laocai")
    rng = random.Random(1719)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    moments = [now - datetime.timedelta(hours=h) for h in range(DAYS * 24, -1, -1)]
    created = 0
    messages = []
    for name, kind, commune, lat, lon, streams in DEVICES:
        device = Device.objects.filter(name=name).first()
        if device is None:
            unit = Unit.objects.get(code=commune, valid_to__isnull=True)
            device, _secret = services.device_register(
                actor=officer, name=name, kind=kind, unit=unit, latitude=Decimal(str(lat)), longitude=Decimal(str(lon)),
                description="Thiết bị mẫu để thử nền tảng; số đo là số liệu giả lập.",
            )  # fmt: skip
            created += 1
        for code, label, prop, uom, indicator, threshold in streams:
            if not device.datastreams.filter(code=code).exists():
                services.datastream_create(
                    actor=officer, device=device, code=code, name=label, observed_property=prop,
                    unit_of_measurement=uom, indicator=Indicator.objects.get(code=indicator),
                    aggregation={"muc_nuoc": "max", "mua": "sum"}.get(code, ""), threshold=threshold,
                    hazard=Hazard.FLASH_FLOOD if threshold else "",
                )  # fmt: skip
        # The demo writes through the ingest service with a fresh secret of its own.
        secret = services.device_secret_renew(actor=officer, device=device)
        for code, *_rest in streams:
            readings = [
                {"stream": code, "phenomenonTime": m.isoformat(), "result": _value(code, m, rng)}
                for m in moments
            ]
            messages.append(services.Message(str(device.uuid), secret, readings))
    result = services.readings_ingest(messages=messages, announce_after=False)
    computed = services.indicator_values_compute(touched=result.touched)
    return f"{created} devices, {result.accepted} readings, {computed.get('values', 0)} indicator values"
