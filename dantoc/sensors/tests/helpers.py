"""Devices and streams for the sensors tests, made through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dantoc.geo.selectors import unit_get
from dantoc.indicators.models import Indicator
from dantoc.sensors import services

COMMUNE = "00715"  # Lũng Cú, in the province persona's province (Tuyên Quang)


def river_device(people, *, threshold: float | None = 250.0):
    device, secret = services.device_register(
        actor=people.province, name="Trạm mực nước Lũng Cú", kind="river_level",
        unit=unit_get(code=COMMUNE),
    )  # fmt: skip
    stream = services.datastream_create(
        actor=people.province, device=device, code="muc_nuoc", name="Mực nước suối",
        observed_property="Mực nước", unit_of_measurement="cm",
        indicator=Indicator.objects.get(code="CB_MUC_NUOC_MAX"), aggregation="max",
        threshold=threshold, hazard="lu_quet" if threshold is not None else "",
    )  # fmt: skip
    return device, secret, stream


def hours_ago(hours: float) -> datetime.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0) - datetime.timedelta(
        hours=hours
    )


def reading(stream_code: str, moment: datetime.datetime, result) -> dict:
    return {"stream": stream_code, "phenomenonTime": moment.isoformat(), "result": result}
