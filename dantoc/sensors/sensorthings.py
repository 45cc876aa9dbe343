"""The read side of the OGC SensorThings API v1.1 (OGC 18-088, Part 1: Sensing): entity
representations, addresses and the query options ``$filter``, ``$orderby``, ``$top``,
``$skip``, ``$count`` (section 9.3 of the standard).

Our devices map onto its entities as follows: a ``Device`` is a Thing and has one Location
(its coordinates, or its commune); a ``Datastream`` is a Datastream, and also names its
Sensor (the device's instrument) and ObservedProperty, which therefore share its id; an
``Observation`` is an Observation.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.dateparse import parse_datetime

from dantoc.sensors.models import Datastream, Device, Observation

VERSION = "v1.1"
MAX_TOP = 1000
DEFAULT_TOP = 100
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


class QueryError(ValueError):
    """A malformed query option or address (answered with 400)."""


@dataclass(frozen=True)
class Entity:
    name: str  # the collection's name: Things, Datastreams…
    queryset: Callable[[], QuerySet]
    # property name in a $filter/$orderby → model field (and how a literal is read)
    fields: dict[str, tuple[str, str]]
    # navigation property → (entity set, how to filter it by this entity's id, single?)
    links: dict[str, tuple[str, str, bool]]


def _things():
    return Device.objects.select_related("unit")


def _streams():
    return Datastream.objects.select_related("device", "indicator")


def _observations():
    return Observation.objects.all()


ENTITIES: dict[str, Entity] = {
    "Things": Entity(
        "Things",
        _things,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int"), "name": ("name", "str"),
         "description": ("description", "str")},
        {"Locations": ("Locations", "pk", False), "Datastreams": ("Datastreams", "device_id", False)},
    ),
    "Locations": Entity(
        "Locations",
        _things,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int"), "name": ("name", "str")},
        {"Things": ("Things", "pk", False)},
    ),
    "Datastreams": Entity(
        "Datastreams",
        _streams,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int"), "name": ("name", "str"),
         "description": ("observed_property", "str")},
        {
            "Thing": ("Things", "device_id", True),
            "Sensor": ("Sensors", "pk", True),
            "ObservedProperty": ("ObservedProperties", "pk", True),
            "Observations": ("Observations", "datastream_id", False),
        },
    ),
    "Sensors": Entity(
        "Sensors",
        _streams,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int")},
        {"Datastreams": ("Datastreams", "pk", False)},
    ),
    "ObservedProperties": Entity(
        "ObservedProperties",
        _streams,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int"), "name": ("observed_property", "str")},
        {"Datastreams": ("Datastreams", "pk", False)},
    ),
    "Observations": Entity(
        "Observations",
        _observations,
        {"@iot.id": ("pk", "int"), "id": ("pk", "int"),
         "phenomenonTime": ("phenomenon_time", "time"), "resultTime": ("result_time", "time"),
         "result": ("result", "number")},
        {"Datastream": ("Datastreams", "datastream_id", True)},
    ),
}  # fmt: skip


# --- representations --------------------------------------------------------------------


def _time(moment: datetime.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


class Writer:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    def self_link(self, collection: str, pk: int) -> str:
        return f"{self.base}/{collection}({pk})"

    def _common(self, collection: str, pk: int, links: list[str]) -> dict[str, Any]:
        here = self.self_link(collection, pk)
        doc = {"@iot.id": pk, "@iot.selfLink": here}
        for link in links:
            doc[f"{link}@iot.navigationLink"] = f"{here}/{link}"
        return doc

    def Things(self, d: Device) -> dict:
        return {
            **self._common("Things", d.pk, ["Locations", "Datastreams"]),
            "name": d.name,
            "description": d.description or d.get_kind_display(),
            "properties": {
                "kind": d.kind,
                "commune": d.unit.code,
                "communeName": d.unit.name,
                "active": d.revoked_at is None,
            },
        }

    def Locations(self, d: Device) -> dict:
        if d.latitude is not None and d.longitude is not None:
            point = {"type": "Point", "coordinates": [float(d.longitude), float(d.latitude)]}
        else:
            point = None
        return {
            **self._common("Locations", d.pk, ["Things"]),
            "name": f"{d.name} — {d.unit.name}",
            "description": d.unit.name,
            "encodingType": "application/geo+json",
            "location": point,
            "properties": {"commune": d.unit.code},
        }

    def Datastreams(self, s: Datastream) -> dict:
        return {
            **self._common(
                "Datastreams", s.pk, ["Thing", "Sensor", "ObservedProperty", "Observations"]
            ),
            "name": s.name,
            "description": f"{s.observed_property} — {s.device.name}",
            "unitOfMeasurement": {
                "name": s.unit_of_measurement,
                "symbol": s.unit_symbol or s.unit_of_measurement,
                "definition": "",
            },
            "observationType": MEASUREMENT,
            "properties": {
                "code": s.code,
                "indicator": s.indicator.code if s.indicator_id else None,
                "aggregation": s.aggregation,
                "threshold": s.threshold,
            },
        }

    def Sensors(self, s: Datastream) -> dict:
        return {
            **self._common("Sensors", s.pk, ["Datastreams"]),
            "name": f"{s.device.get_kind_display()} — {s.device.name}",
            "description": s.device.get_kind_display(),
            "encodingType": "text/plain",
            "metadata": s.device.kind,
        }

    def ObservedProperties(self, s: Datastream) -> dict:
        return {
            **self._common("ObservedProperties", s.pk, ["Datastreams"]),
            "name": s.observed_property,
            "definition": f"urn:dantoc:observedProperty:{s.code}",
            "description": s.name,
        }

    def Observations(self, o: Observation) -> dict:
        return {
            **self._common("Observations", o.pk, ["Datastream"]),
            "phenomenonTime": _time(o.phenomenon_time),
            "resultTime": _time(o.result_time),
            "result": o.result,
        }


# --- addresses --------------------------------------------------------------------------

_SEGMENT = re.compile(r"^(?P<name>[A-Za-z]+)(?:\((?P<id>[0-9]+)\))?$")


@dataclass
class Target:
    entity: Entity
    queryset: QuerySet
    single: bool  # an entity (Things(1), Datastreams(1)/Thing) rather than a collection


def resolve(path: str) -> Target:
    """``Things``, ``Things(1)``, ``Things(1)/Datastreams``, ``Datastreams(3)/Observations``…"""
    segments = [s for s in path.strip("/").split("/") if s]
    if not segments or len(segments) > 2:
        raise LookupError(path)
    first = _SEGMENT.match(segments[0])
    if not first or first["name"] not in ENTITIES:
        raise LookupError(path)
    entity = ENTITIES[first["name"]]
    queryset = entity.queryset()
    if first["id"] is None:
        if len(segments) > 1:
            raise LookupError(path)
        return Target(entity, queryset, False)
    pk = int(first["id"])
    if not queryset.filter(pk=pk).exists():
        raise LookupError(path)
    if len(segments) == 1:
        return Target(entity, queryset.filter(pk=pk), True)
    link = entity.links.get(segments[1])
    if link is None:
        raise LookupError(path)
    target_name, via, single = link
    target = ENTITIES[target_name]
    if via == "pk" or not single:
        # Through our shared ids, or "those whose <via> is this id".
        if via == "pk":
            return Target(target, target.queryset().filter(pk=pk), single)
        return Target(target, target.queryset().filter(**{via: pk}), False)
    # One entity this one points to (Datastreams(1)/Thing: the device of stream 1).
    owner = entity.queryset().filter(pk=pk).values_list(via, flat=True).first()
    return Target(target, target.queryset().filter(pk=owner), True)


# --- $filter ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<str>'(?:[^']|'')*')"
    r"|(?P<time>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9]{2}:[0-9]{2}))"
    r"|(?P<num>-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>[@A-Za-z_][A-Za-z0-9_.@/]*))"
)
_COMPARISONS = {"eq": "exact", "ne": "ne", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}
_MIRROR = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge", "eq": "eq", "ne": "ne"}


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"$filter: cannot read {text[pos : pos + 20]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, entity: Entity, text: str) -> None:
        self.entity = entity
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("$filter ends too early")
        self.i += 1
        return token

    def parse(self) -> Q:
        q = self.expression()
        if self.peek() is not None:
            raise QueryError(f"$filter: unexpected {self.peek()[1]!r}")
        return q

    def expression(self) -> Q:
        q = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            q = q | self.conjunction()
        return q

    def conjunction(self) -> Q:
        q = self.factor()
        while self.peek() == ("word", "and"):
            self.take()
            q = q & self.factor()
        return q

    def factor(self) -> Q:
        token = self.peek()
        if token == ("word", "not"):
            self.take()
            return ~self.factor()
        if token is not None and token[0] == "lp":
            self.take()
            q = self.expression()
            if self.take()[0] != "rp":
                raise QueryError("$filter: missing )")
            return q
        return self.comparison()

    def operand(self) -> tuple[str, Any]:
        kind, text = self.take()
        if kind == "word" and text in self.entity.fields:
            return "field", self.entity.fields[text]
        if kind == "word":
            raise QueryError(f"$filter: {self.entity.name} has no property {text!r}")
        return kind, text

    def comparison(self) -> Q:
        left = self.operand()
        kind, op = self.take()
        if kind != "word" or op not in _COMPARISONS:
            raise QueryError(f"$filter: expected a comparison (eq, ne, gt, ge, lt, le), got {op!r}")
        right = self.operand()
        if left[0] != "field" and right[0] == "field":
            left, right, op = right, left, _MIRROR[op]
        if left[0] != "field" or right[0] == "field":
            raise QueryError("$filter: compare a property with a value")
        (column, literal_type), (kind, text) = left[1], right
        value = _literal(literal_type, kind, text)
        if op == "ne":
            return ~Q(**{column: value})
        return Q(**{f"{column}__{_COMPARISONS[op]}": value})


def _literal(literal_type: str, kind: str, text: str) -> Any:
    if literal_type == "time":
        moment = parse_datetime(text) if kind in ("time", "str") else None
        if kind == "str":
            moment = parse_datetime(text[1:-1].replace("''", "'"))
        if moment is None or moment.tzinfo is None:
            raise QueryError(f"$filter: {text!r} is not a time with a time zone")
        return moment
    if literal_type in ("int", "number"):
        if kind != "num":
            raise QueryError(f"$filter: {text!r} is not a number")
        number = float(text)
        if literal_type == "int":
            if not number.is_integer():
                raise QueryError(f"$filter: {text!r} is not an id")
            return int(number)
        return number
    if kind != "str":
        raise QueryError(f"$filter: {text!r} is not a quoted string")
    return text[1:-1].replace("''", "'")


# --- the query options ------------------------------------------------------------------

KNOWN_OPTIONS = {
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$select",
    "$expand",
    "$resultFormat",
}


def _non_negative(params, name: str, default: int, limit: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise QueryError(f"{name} must be a whole number ≥ 0")
    value = int(raw)
    return min(value, limit) if limit is not None else value


def apply(entity: Entity, queryset: QuerySet, params) -> tuple[QuerySet, int, int, bool]:
    """The queryset filtered and ordered by the options, with $top, $skip and $count."""
    for name in params:
        if name.startswith("$") and name not in KNOWN_OPTIONS:
            raise QueryError(f"unknown query option {name}")
    for unsupported in ("$select", "$expand", "$resultFormat"):
        if params.get(unsupported):
            raise QueryError(f"{unsupported} is not supported by this server")
    if params.get("$filter"):
        queryset = queryset.filter(_Parser(entity, params["$filter"]).parse())
    order = []
    for part in [p.strip() for p in params.get("$orderby", "").split(",") if p.strip()]:
        words = part.split()
        if (
            words[0] not in entity.fields
            or len(words) > 2
            or (len(words) == 2 and words[1] not in ("asc", "desc"))
        ):
            raise QueryError(f"$orderby: cannot order {entity.name} by {part!r}")
        column = entity.fields[words[0]][0]
        order.append(
            F(column).desc() if words[-1] == "desc" and len(words) == 2 else F(column).asc()
        )
    queryset = queryset.order_by(*order, "pk")
    top = _non_negative(params, "$top", DEFAULT_TOP, MAX_TOP)
    skip = _non_negative(params, "$skip", 0)
    count = params.get("$count", "false")
    if count not in ("true", "false"):
        raise QueryError("$count is true or false")
    return queryset, top, skip, count == "true"
