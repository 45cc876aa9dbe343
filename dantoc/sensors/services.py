"""Writes of the sensors app: devices and their credentials, datastreams, readings (from MQTT
and HTTP), the readings' monthly indicator values and threshold crossings."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import logging
import math
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dantoc.alerts import services as alert_services
from dantoc.alerts.models import AlertStatus, Hazard
from dantoc.audit.services import audit_record, snapshot
from dantoc.core.events import announce
from dantoc.core.loading import DATA_DIR, LoadResult
from dantoc.geo.models import UnitLevel
from dantoc.indicators.models import AggregationType, Indicator
from dantoc.indicators.services import indicator_catalogue_load
from dantoc.reporting import dhis2
from dantoc.reporting.services import form_define
from dantoc.reporting.services.bulk import datavalues_import
from dantoc.sensors import permissions
from dantoc.sensors.models import (
    Aggregation,
    CrossingState,
    Datastream,
    Device,
    Observation,
    ThresholdCrossing,
)

log = logging.getLogger("dantoc.sensors")

FORM_CODE = "TB-CAMBIEN"
READINGS_STORED = "sensors.readings_stored"
DEVICE_FIELDS = ["name", "kind", "unit_id", "description", "latitude", "longitude", "revoked_at"]
STREAM_FIELDS = [
    "device_id", "code", "name", "observed_property", "unit_of_measurement", "indicator_id",
    "aggregation", "threshold", "hazard",
]  # fmt: skip
# Readings further in the future than this are refused (a device's clock gone wrong).
FUTURE_SLACK = datetime.timedelta(minutes=10)
CHUNK = 2000


# --- reference data ---------------------------------------------------------------------


def sensors_reference_load() -> LoadResult:
    """Loader ``sensors.reference``: the device indicators and the form their values go in."""
    import json

    result = indicator_catalogue_load(path=DATA_DIR / "sensors" / "indicators.json")
    definition = json.loads((DATA_DIR / "sensors" / "form.json").read_text(encoding="utf-8"))
    _form, created = form_define(definition=definition, actor=None)
    result.tally("reporting.reportform", "created" if created else "unchanged")
    return result


# --- devices and streams ----------------------------------------------------------------


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def device_register(
    *,
    actor,
    name: str,
    kind: str,
    unit,
    description: str = "",
    latitude=None,
    longitude=None,
) -> tuple[Device, str]:
    """Register a device at a commune; return it and its secret, which is shown only now."""
    if not permissions.can_manage_devices_at(actor, unit):
        raise PermissionDenied
    if unit.level != UnitLevel.COMMUNE or unit.valid_to is not None:
        raise ValidationError({"unit": _("Thiết bị phải đặt tại một xã đang có hiệu lực.")})
    secret = _new_secret()
    device = Device(
        name=name.strip(),
        kind=kind,
        unit=unit,
        description=description.strip(),
        latitude=latitude,
        longitude=longitude,
        secret_hash=_secret_hash(secret),
        registered_by=actor,
    )
    device.full_clean()
    device.save()
    audit_record(
        actor=actor,
        action="sensors.device_register",
        obj=device,
        unit=unit,
        after=snapshot(device, DEVICE_FIELDS),
    )
    return device, secret


@transaction.atomic
def device_secret_renew(*, actor, device: Device) -> str:
    """A new secret for a device (the old one stops working now)."""
    if not permissions.can_manage_device(actor, device):
        raise PermissionDenied
    secret = _new_secret()
    device.secret_hash = _secret_hash(secret)
    device.save(update_fields=["secret_hash"])
    audit_record(actor=actor, action="sensors.device_secret_renew", obj=device, unit=device.unit)
    return secret


@transaction.atomic
def device_revoke(*, actor, device: Device) -> Device:
    """Refuse the device's readings from now on (those stored stay)."""
    if not permissions.can_manage_device(actor, device):
        raise PermissionDenied
    before = snapshot(device, DEVICE_FIELDS)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="sensors.device_revoke",
            obj=device,
            unit=device.unit,
            before=before,
            after=snapshot(device, DEVICE_FIELDS),
        )
    return device


def default_aggregation(indicator) -> str:
    """The period rule an indicator implies: sums add up, averages average, a "last" value
    is the period's last reading."""
    if indicator is None:
        return Aggregation.MEAN
    return {
        AggregationType.SUM: Aggregation.SUM,
        AggregationType.AVERAGE: Aggregation.MEAN,
        AggregationType.LAST: Aggregation.LAST,
    }.get(indicator.aggregation, Aggregation.MEAN)


@transaction.atomic
def datastream_create(
    *,
    actor,
    device: Device,
    code: str,
    name: str,
    observed_property: str,
    unit_of_measurement: str,
    unit_symbol: str = "",
    indicator=None,
    aggregation: str = "",
    threshold: float | None = None,
    hazard: str = "",
) -> Datastream:
    if not permissions.can_manage_device(actor, device):
        raise PermissionDenied
    if threshold is not None and hazard not in Hazard.values:
        raise ValidationError({"hazard": _("Chọn loại thiên tai cảnh báo khi vượt ngưỡng.")})
    if indicator is not None and not indicator.is_numeric:
        raise ValidationError({"indicator": _("Chỉ tiêu phải là số.")})
    stream = Datastream(
        device=device,
        code=code,
        name=name.strip(),
        observed_property=observed_property.strip(),
        unit_of_measurement=unit_of_measurement.strip(),
        unit_symbol=unit_symbol.strip(),
        indicator=indicator,
        aggregation=aggregation or default_aggregation(indicator),
        threshold=threshold,
        hazard=hazard if threshold is not None else "",
    )
    stream.full_clean()
    stream.save()
    audit_record(
        actor=actor,
        action="sensors.datastream_create",
        obj=stream,
        unit=device.unit,
        after=snapshot(stream, STREAM_FIELDS),
    )
    return stream


# --- authentication ---------------------------------------------------------------------

# A device secret is 24 random bytes (192 bits) made by the platform, not a password a person
# chose: a slow password hash adds nothing against guessing it and would cost tens of
# milliseconds per message, so its SHA-256 is kept (as for API tokens) and compared in
# constant time.
SECRET_SCHEME = "sha256$"


def _secret_hash(secret: str) -> str:
    return SECRET_SCHEME + hashlib.sha256(secret.encode()).hexdigest()


def _secret_ok(device: Device, secret: Any) -> bool:
    if not isinstance(secret, str) or not secret:
        return False
    return hmac.compare_digest(device.secret_hash, _secret_hash(secret))


def device_authenticate(*, device_id: str, secret: str) -> Device | None:
    """The active device with this id and secret, or None (unknown, revoked, wrong secret)."""
    try:
        key = uuid.UUID(str(device_id))
    except ValueError:
        return None
    device = Device.objects.filter(uuid=key, revoked_at__isnull=True).first()
    if device is None or not _secret_ok(device, secret):
        return None
    return device


# --- readings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message from a device: its id and secret, and one or more readings
    (``{"stream": code, "phenomenonTime": ISO 8601, "result": number}``)."""

    device_id: str
    secret: Any
    readings: Sequence[Any]


@dataclass
class IngestResult:
    accepted: int = 0  # readings valid and stored (or already stored: a reading sent again)
    malformed: int = 0
    refused_messages: int = 0  # unknown or revoked device, wrong secret
    errors: list[str] = field(default_factory=list)
    touched: set[tuple[int, str]] = field(default_factory=set)  # (stream id, month)

    def merge(self, other: IngestResult) -> None:
        self.accepted += other.accepted
        self.malformed += other.malformed
        self.refused_messages += other.refused_messages
        self.errors.extend(other.errors[: max(0, 50 - len(self.errors))])
        self.touched |= other.touched


def parse_payload(*, device_id: str, payload: Any) -> Message:
    """A message from its JSON body: ``{"secret": …, "readings": [...]}`` or one reading
    with the secret beside it."""
    if not isinstance(payload, dict):
        return Message(device_id, None, [])
    readings = payload.get("readings")
    if readings is None:
        readings = [payload]
    elif not isinstance(readings, list):
        readings = [readings]
    return Message(device_id, payload.get("secret"), readings)


def _moment(raw: Any) -> datetime.datetime | None:
    """An ISO 8601 time: ``datetime.fromisoformat`` (C, Python 3.11 reads the forms devices
    send, "Z" included), else Django's parser for the rest."""
    if not isinstance(raw, str):
        return None
    try:
        return datetime.datetime.fromisoformat(raw)
    except ValueError:
        try:
            return parse_datetime(raw)
        except ValueError:
            return None


def _reading_problem(item: Any, streams: dict[str, Datastream], now) -> tuple[str | None, Any]:
    if not isinstance(item, dict):
        return _("số đo không phải một đối tượng JSON"), None
    stream = streams.get(str(item.get("stream", "")))
    if stream is None:
        return _("luồng số liệu %(s)r không có ở thiết bị") % {"s": item.get("stream")}, None
    moment = _moment(item.get("phenomenonTime"))
    if moment is None or moment.tzinfo is None:
        return _("phenomenonTime phải là thời điểm ISO 8601 có múi giờ"), None
    if moment > now + FUTURE_SLACK:
        return _("phenomenonTime ở tương lai"), None
    result = item.get("result")
    if isinstance(result, bool) or not isinstance(result, int | float) or not math.isfinite(result):
        return _("result phải là một số"), None
    return None, (stream, moment, float(result))


def readings_ingest(*, messages: Iterable[Message], announce_after: bool = True) -> IngestResult:
    """Store the readings of ``messages`` once each; refuse messages of unknown or revoked
    devices and readings that are malformed (counted on the device and logged, never
    stored). A reading sent again (same stream and time) is not stored twice."""
    outcome = IngestResult()
    messages = list(messages)
    keys = set()
    for m in messages:
        with contextlib.suppress(ValueError):
            keys.add(uuid.UUID(str(m.device_id)))
    devices = {
        str(d.uuid): d
        for d in Device.objects.filter(uuid__in=keys, revoked_at__isnull=True).prefetch_related(
            "datastreams"
        )
    }
    now = timezone.now()
    zone = timezone.get_current_timezone()  # once: localtime() per reading asks for it again
    rows: list[tuple[Datastream, datetime.datetime, float]] = []
    malformed_by_device: dict[int, int] = defaultdict(int)
    seen_devices: set[int] = set()
    # A batch holds many messages of each device: its secret is checked and its streams
    # listed once per (device, secret) and device.
    passed: dict[tuple[str, Any], bool] = {}
    streams_of: dict[int, dict[str, Datastream]] = {}
    for m in messages:
        device = devices.get(str(m.device_id))
        key = (str(m.device_id), m.secret if isinstance(m.secret, str) else None)
        if device is not None and key not in passed:
            passed[key] = _secret_ok(device, m.secret)
        if device is None or not passed[key]:
            outcome.refused_messages += 1
            log.warning(
                "sensors: message refused (unknown, revoked or wrong secret): %s", m.device_id
            )
            continue
        streams = streams_of.get(device.pk)
        if streams is None:
            streams = streams_of[device.pk] = {s.code: s for s in device.datastreams.all()}
        seen_devices.add(device.pk)
        if not m.readings:
            malformed_by_device[device.pk] += 1
            outcome.malformed += 1
            continue
        for item in m.readings:
            problem, value = _reading_problem(item, streams, now)
            if problem:
                malformed_by_device[device.pk] += 1
                outcome.malformed += 1
                if len(outcome.errors) < 50:
                    outcome.errors.append(problem)
                log.warning("sensors: malformed reading from %s: %s", device.uuid, problem)
                continue
            rows.append(value)
            stream, moment, _result = value
            local = moment.astimezone(zone)
            outcome.touched.add((stream.pk, f"{local.year:04d}{local.month:02d}"))
    outcome.accepted = len(rows)
    with transaction.atomic():
        _observations_insert(rows, result_time=now)
        for device_id, count in malformed_by_device.items():
            Device.objects.filter(pk=device_id).update(malformed_count=F("malformed_count") + count)
        if seen_devices:
            Device.objects.filter(pk__in=seen_devices).update(last_seen_at=now)
        # Stored readings are their own record (with resultTime, the time they arrived);
        # what was refused is audited, once per batch.
        if outcome.malformed or outcome.refused_messages:
            audit_record(
                actor=None,
                action="sensors.readings_ingest",
                object_type="sensors.observation",
                object_repr=f"{len(messages)} messages",
                after={
                    "accepted": outcome.accepted,
                    "malformed": outcome.malformed,
                    "refused_messages": outcome.refused_messages,
                },
            )
        earliest: dict[int, datetime.datetime] = {}
        for stream, moment, _result in rows:
            if stream.threshold is not None:
                known = earliest.get(stream.pk)
                earliest[stream.pk] = min(known, moment) if known else moment
        for stream_id, since in earliest.items():
            thresholds_check(datastream=Datastream.objects.get(pk=stream_id), since=since)
    if announce_after and outcome.touched:
        touched_announce(outcome.touched)
    return outcome


def _observations_insert(rows, *, result_time: datetime.datetime) -> None:
    """Insert (stream, time, result) rows; a reading sent again (same stream and time) is
    skipped by the unique constraint (``ON CONFLICT DO NOTHING``). What
    ``bulk_create(ignore_conflicts=True)`` does, without building a model instance per
    reading (two thirds of the time at 10,000 readings a second). PostgreSQL: one statement
    per chunk, the columns passed as three arrays (``unnest``), instead of a statement per row
    (with ``executemany`` the whole ingest took 45 µs a reading here, with arrays 28). SQLite: ``executemany`` (in-process,
    cheap per statement), times passed as naive UTC text, as Django's own adaptation writes
    them, so the ORM reads and compares them alike."""
    if not rows:
        return
    table = connection.ops.quote_name(Observation._meta.db_table)
    columns = "(datastream_id, phenomenon_time, result, result_time)"
    conflict = "ON CONFLICT (datastream_id, phenomenon_time) DO NOTHING"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"INSERT INTO {table} {columns} SELECT s, t, r, %s FROM "
                    "unnest(%s::bigint[], %s::timestamptz[], %s::double precision[]) AS u(s, t, r) "
                    + conflict,
                    [
                        result_time,
                        [stream.pk for stream, _moment, _result in chunk],
                        [moment for _stream, moment, _result in chunk],
                        [result for _stream, _moment, result in chunk],
                    ],
                )
            else:
                arrived = str(result_time.astimezone(datetime.UTC).replace(tzinfo=None))
                cursor.executemany(
                    f"INSERT INTO {table} {columns} VALUES (%s, %s, %s, %s) " + conflict,
                    [
                        (stream.pk, str(moment.astimezone(datetime.UTC).replace(tzinfo=None)),
                         result, arrived)
                        for stream, moment, result in chunk
                    ],
                )  # fmt: skip


def touched_announce(touched: set[tuple[int, str]]) -> None:
    """Say, after commit, which streams and months have new readings (the task worker then
    recomputes their indicator values)."""
    announce(READINGS_STORED, touched=sorted([list(t) for t in touched]))


# --- thresholds -------------------------------------------------------------------------


def thresholds_check(
    *, datastream: Datastream, since: datetime.datetime | None = None
) -> ThresholdCrossing | None:
    """Open, extend or close the stream's crossing from its readings since ``since`` (the
    new readings' earliest time; the open crossing's start if earlier): one draft warning
    per crossing, never one per reading, and none again for readings already judged."""
    if datastream.threshold is None:
        return None
    since = since or timezone.now() - datetime.timedelta(days=1)
    with transaction.atomic():
        open_crossing = (
            ThresholdCrossing.objects.select_for_update()
            .filter(datastream=datastream, ended_at__isnull=True)
            .first()
        )
        if open_crossing is not None:
            since = min(since, open_crossing.started_at)
        last_closed = (
            ThresholdCrossing.objects.filter(datastream=datastream, ended_at__isnull=False)
            .order_by("-ended_at")
            .values_list("ended_at", flat=True)
            .first()
        )
        if open_crossing is None and last_closed is not None and last_closed > since:
            since = last_closed
        readings = Observation.objects.filter(
            datastream=datastream, phenomenon_time__gte=since
        ).order_by("phenomenon_time")
        crossing = open_crossing
        for moment, result in readings.values_list("phenomenon_time", "result"):
            over = result >= datastream.threshold
            if crossing is None and over and (last_closed is None or moment > last_closed):
                crossing = ThresholdCrossing.objects.create(
                    datastream=datastream, started_at=moment, peak=result
                )
                audit_record(
                    actor=None,
                    action="sensors.crossing_open",
                    obj=crossing,
                    unit=datastream.device.unit,
                    after={"peak": result, "threshold": datastream.threshold},
                )
            elif crossing is not None and crossing.ended_at is None:
                if over and result > crossing.peak:
                    crossing.peak = result
                    crossing.save(update_fields=["peak"])
                elif not over:
                    crossing.ended_at = moment
                    crossing.save(update_fields=["ended_at"])
                    last_closed = moment
                    crossing = None
        return crossing


def crossing_draft(crossing: ThresholdCrossing) -> dict[str, str]:
    """The draft warning of a crossing, in Vietnamese: what the officer reads, edits and
    confirms (``crossing_issue_alert``)."""
    stream = crossing.datastream
    device = stream.device
    headline = _("Nguy cơ %(hazard)s tại %(place)s") % {
        "hazard": Hazard(stream.hazard).label.lower(),
        "place": device.unit.name,
    }
    description = _(
        "%(stream)s tại %(device)s đạt %(peak)s %(unit)s lúc %(time)s, vượt ngưỡng cảnh báo "
        "%(threshold)s %(unit)s."
    ) % {
        "stream": stream.name,
        "device": device.name,
        "peak": f"{crossing.peak:g}",
        "unit": stream.unit_symbol or stream.unit_of_measurement,
        "time": timezone.localtime(crossing.started_at).strftime("%H:%M %d/%m/%Y"),
        "threshold": f"{stream.threshold:g}",
    }
    instruction = _(
        "Theo dõi thông báo của chính quyền xã; không qua ngầm, tràn, suối khi nước lên; "
        "chuẩn bị di dời khi được yêu cầu."
    )
    return {"headline": headline, "description": description, "instruction": instruction}


@transaction.atomic
def crossing_issue_alert(
    *,
    actor,
    crossing: ThresholdCrossing,
    level: int,
    status: str,
    headline: str = "",
    description: str = "",
    instruction: str = "",
):
    """An officer confirms a crossing's draft warning (its words as they edited them, or the
    draft's): the warning is issued through the alerts service."""
    crossing = ThresholdCrossing.objects.select_for_update().get(pk=crossing.pk)
    if not permissions.can_decide_crossing(actor, crossing):
        raise PermissionDenied
    if crossing.state != CrossingState.PENDING:
        raise ValidationError(_("Lần vượt ngưỡng này đã được xử lý."))
    stream = crossing.datastream
    device = stream.device
    now = timezone.now()
    draft = crossing_draft(crossing)
    headline = " ".join(headline.split()) or draft["headline"]
    description = description.strip() or draft["description"]
    instruction = instruction.strip() or draft["instruction"]
    if len(headline) > 160:
        raise ValidationError(_("Tiêu đề cảnh báo dài quá 160 ký tự."))
    alert = alert_services.alert_issue(
        actor=actor,
        content=alert_services.AlertContent(
            hazard=stream.hazard,
            level=level,
            status=status if status in AlertStatus.values else AlertStatus.ACTUAL,
            onset=now,
            expires=now + datetime.timedelta(hours=24),
            communes=[device.unit],
            infos=[alert_services.InfoText("vi", headline, description, instruction)],
        ),
        request_token=uuid.uuid5(uuid.NAMESPACE_URL, f"dantoc:sensors:crossing:{crossing.pk}"),
    )
    crossing.state = CrossingState.ISSUED
    crossing.alert = alert
    crossing.decided_by = actor
    crossing.decided_at = now
    crossing.save(update_fields=["state", "alert", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="sensors.crossing_issue",
        obj=crossing,
        unit=device.unit,
        after={"alert": str(alert.uuid)},
    )
    return alert


@transaction.atomic
def crossing_dismiss(*, actor, crossing: ThresholdCrossing) -> ThresholdCrossing:
    crossing = ThresholdCrossing.objects.select_for_update().get(pk=crossing.pk)
    if not permissions.can_decide_crossing(actor, crossing):
        raise PermissionDenied
    if crossing.state != CrossingState.PENDING:
        raise ValidationError(_("Lần vượt ngưỡng này đã được xử lý."))
    crossing.state = CrossingState.DISMISSED
    crossing.decided_by = actor
    crossing.decided_at = timezone.now()
    crossing.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="sensors.crossing_dismiss",
        obj=crossing,
        unit=crossing.datastream.device.unit,
    )
    return crossing


# --- indicator values -------------------------------------------------------------------

_AGGREGATES = {Aggregation.SUM: Sum, Aggregation.MEAN: Avg, Aggregation.MAX: Max}


def _month_bounds(month: str) -> tuple[datetime.datetime, datetime.datetime]:
    year, number = int(month[:4]), int(month[4:])
    start = datetime.datetime(year, number, 1, tzinfo=timezone.get_current_timezone())
    end = datetime.datetime(
        year + (number == 12), number % 12 + 1, 1, tzinfo=timezone.get_current_timezone()
    )
    return start, end


def indicator_values_compute(*, touched: Iterable[Sequence]) -> dict:
    """Write the monthly indicator values of the streams and months in ``touched`` through
    the reporting import (source ``device``): each commune's value is its streams' readings
    of the month aggregated by the streams' rule."""
    months: dict[str, set[int]] = defaultdict(set)
    for stream_id, month in touched:
        months[str(month)].add(int(stream_id))
    rows: list[dict] = []
    for month, stream_ids in sorted(months.items()):
        start, end = _month_bounds(month)
        streams = Datastream.objects.filter(
            pk__in=stream_ids, indicator__isnull=False
        ).select_related("device__unit", "indicator")
        groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for s in streams:
            groups[(s.device.unit.code, s.indicator.code, s.aggregation)].append(s.pk)
        # Every stream of the same commune and indicator counts, not only those touched.
        for (unit_code, indicator_code, rule), _ids in groups.items():
            same = Datastream.objects.filter(
                device__unit__code=unit_code, indicator__code=indicator_code, aggregation=rule
            ).values_list("pk", flat=True)
            readings = Observation.objects.filter(
                datastream_id__in=list(same), phenomenon_time__gte=start, phenomenon_time__lt=end
            )
            if rule == Aggregation.LAST:
                value = (
                    readings.order_by("-phenomenon_time").values_list("result", flat=True).first()
                )
            else:
                value = readings.aggregate(v=_AGGREGATES[rule]("result"))["v"]
            if value is None:
                continue
            rows.append(
                {
                    "dataElement": indicator_code,
                    "period": month,
                    "orgUnit": unit_code,
                    "value": _number(value, indicator_code),
                }
            )
    if not rows:
        return {"values": 0}
    payload = dhis2.parse_json(orjson.dumps({"dataSet": FORM_CODE, "dataValues": rows}))
    summary = datavalues_import(
        actor=None, rows=payload.rows, dataset_code=FORM_CODE, source="device"
    )
    counts = summary.import_count
    if summary.conflicts:
        log.warning("sensors: indicator values refused: %s", summary.conflicts[:5])
    return {
        "values": len(rows),
        "imported": counts.imported,
        "updated": counts.updated,
        "ignored": counts.ignored,
    }


def _number(value: float, indicator_code: str) -> str:
    if Indicator.objects.filter(code=indicator_code, value_type="integer").exists():
        return str(round(value))
    return f"{round(value, 2):g}"


def readings_summary(*, datastream: Datastream) -> dict:
    return Observation.objects.filter(datastream=datastream).aggregate(
        count=Count("pk"), last=Max("phenomenon_time")
    )
