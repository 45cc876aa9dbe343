"""``/api/analytics/rawData.json`` and ``.csv``: the stored values an analytics request
selects, one row each (DHIS2 2.40 Web API, "Analytics" → "Raw data format"; what is read is
described in ``dantoc.analytics.raw``).

The request is parsed and checked by the aggregated analytics API's own code
(``AnalyticsApi.parse``: dimensions, filters, relative periods, ``USER_ORGUNIT``, UIDs,
``hierarchyDate``, ``includeUnapproved`` and who may ask for what), so the same request is
refused the same way by both. The answer has DHIS2's analytics shape — ``headers``,
``metaData``, ``rows`` (strings), ``height``, ``width`` — with DHIS2's raw data columns: the
dimensions, ``pestartdate``, ``peenddate``, ``value`` (and ``unapproved`` when unapproved
data are included, as in aggregated analytics). It is written as a stream while the values
are read, so a national request holds a few thousand rows in memory, not millions.

Identifiers in the answer: ``outputIdScheme`` (``CODE``, the default as in the other
analytics answers; ``UID``; ``NAME``), ``outputDataElementIdScheme`` and
``outputOrgUnitIdScheme`` for data elements and org units alone. ``skipMeta`` and
``skipData`` leave out ``metaData`` or the rows, as in DHIS2.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import orjson
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from dantoc.analytics.apis import (
    COLUMN_NAMES,
    PARAMETERS,
    AnalyticsApi,
    HeaderSchema,
    number_text,
)
from dantoc.analytics.query import AnalyticsRequest, QueryError
from dantoc.analytics.raw import RawPlan, raw_plan, raw_run
from dantoc.core.csvfiles import csv_writer
from dantoc.core.dates import parse_date
from dantoc.reporting.apis_dhis2 import ErrorMessageSchema, _flag, _message
from dantoc.reporting.dhis2_ids import CATEGORY_OPTION_COMBO, DATA_ELEMENT, DEFAULT, ORG_UNIT
from dantoc.reporting.dhis2_metadata import SCHEME_ALIASES, IdMaps

# Rows written to the stream at a time.
CHUNK = 2000


def _header(name: str, column: str, value_type: str, java: str, *, meta: bool) -> dict:
    return {
        "name": name,
        "column": column,
        "valueType": value_type,
        "type": java,
        "hidden": False,
        "meta": meta,
    }


class _Ids:
    """How codes are written under the output schemes; each distinct code looked up once."""

    def __init__(self, *, data_element: str, org_unit: str, combo: str) -> None:
        self._maps = IdMaps()
        self._schemes = {
            DATA_ELEMENT: data_element,
            ORG_UNIT: org_unit,
            CATEGORY_OPTION_COMBO: combo,
        }
        self._memo: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, code: str) -> str:
        found = self._memo.get((kind, code))
        if found is None:
            scheme = self._schemes[kind]
            found = code if scheme == "CODE" else self._maps.from_code(kind, scheme, code)
            self._memo[(kind, code)] = found
        return found


def _headers(plan: RawPlan) -> list[dict]:
    headers = [
        _header(
            column,
            "Category option combo" if column == "co" else COLUMN_NAMES.get(column, column),
            "TEXT",
            "java.lang.String",
            meta=True,
        )
        for column in plan.columns
    ]
    headers += [
        _header("pestartdate", "Start date", "DATETIME", "java.util.Date", meta=False),
        _header("peenddate", "End date", "DATETIME", "java.util.Date", meta=False),
        _header("value", "Value", "NUMBER", "java.lang.Double", meta=False),
    ]
    if plan.request.include_unapproved:
        headers.append(
            _header(
                "unapproved",
                "Unapproved data included",
                "BOOLEAN",
                "java.lang.Boolean",
                meta=False,
            )
        )
    return headers


def _meta_data(plan: RawPlan, ids: _Ids) -> dict:
    """Names of the items asked for and the items of each dimension (as DHIS2 gives them for
    raw data: the org units named, not every unit below them)."""
    items: dict[str, dict[str, str]] = {}
    dimensions: dict[str, list[str]] = {}
    dx = [ids(DATA_ELEMENT, item.code) for item in plan.items]
    for ident, item in zip(dx, plan.items, strict=True):
        items[ident] = {"name": item.name}
    ou = [ids(ORG_UNIT, o.unit.code) for o in plan.ou_items]
    for ident, o in zip(ou, plan.ou_items, strict=True):
        items[ident] = {"name": o.unit.name}
    windows = sorted(plan.periods.values(), key=lambda w: (w.start, w.end, w.code))
    for window in windows:
        items[window.code] = {"name": window.label}
    dimensions["dx"] = dx
    dimensions["pe"] = list(dict.fromkeys(w.code for w in windows))
    dimensions["ou"] = ou
    if "co" in plan.columns:
        dimensions["co"] = []
    for code in plan.columns:
        if code in plan.option_names:
            names = plan.option_names[code]
            chosen = plan.request.categories.get(code) or list(names)
            dimensions[code] = chosen
            for option in chosen:
                items.setdefault(option, {"name": names[option]})
    return {
        "items": items,
        "dimensions": dimensions,
        "approvedOnly": plan.approved_only,
        "hierarchyDate": (plan.request.hierarchy_date or timezone.localdate()).isoformat(),
        "startDate": plan.start.isoformat(),
        "endDate": plan.end.isoformat(),
    }


def raw_rows(plan: RawPlan, ids: _Ids) -> Iterator[list]:
    """The answer's rows: the dimension columns, the period's start and end, the value."""
    unapproved = plan.request.include_unapproved
    getters = []
    for column in plan.columns:
        if column == "dx":
            getters.append(lambda v: ids(DATA_ELEMENT, v.indicator))
        elif column == "pe":
            getters.append(lambda v: v.period)
        elif column == "ou":
            getters.append(lambda v: ids(ORG_UNIT, v.unit))
        elif column == "co":
            getters.append(lambda v: ids(CATEGORY_OPTION_COMBO, v.options_key or DEFAULT))
        else:
            getters.append(lambda v, c=column: v.options.get(c))
    # DHIS2 reads the dates as timestamps (JDBC's text form).
    dates: dict[str, tuple[str, str]] = {}
    for value in raw_run(plan):
        window = value.window
        span = dates.get(window.code)
        if span is None:
            span = dates[window.code] = (
                f"{window.start:%Y-%m-%d} 00:00:00",
                f"{window.end:%Y-%m-%d} 00:00:00",
            )
        row = [get(value) for get in getters]
        row += [*span, number_text(value.number)]
        if unapproved:
            row.append("false" if value.approved else "true")
        yield row


def _json_stream(plan: RawPlan, ids: _Ids, *, skip_meta: bool, skip_data: bool):
    headers = _headers(plan)
    start = {"headers": headers}
    if not skip_meta:
        start["metaData"] = _meta_data(plan, ids)
    yield orjson.dumps(start)[:-1] + b',"rows":['
    height = 0
    chunk: list[bytes] = []
    for row in () if skip_data else raw_rows(plan, ids):
        chunk.append(orjson.dumps(row))
        if len(chunk) == CHUNK:
            yield (b"," if height else b"") + b",".join(chunk)
            height += len(chunk)
            chunk = []
    if chunk:
        yield (b"," if height else b"") + b",".join(chunk)
        height += len(chunk)
    width = len(headers)
    yield b'],"height":%d,"width":%d,"headerWidth":%d}' % (height, width, width)


def _csv_stream(plan: RawPlan, ids: _Ids, *, skip_data: bool):
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow([h["name"] for h in _headers(plan)])
    for count, row in enumerate(() if skip_data else raw_rows(plan, ids), start=1):
        writer.writerow(row)
        if count % CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


class RawDataMetaSchema(serializers.Serializer):
    items = serializers.DictField(child=serializers.DictField(), help_text="id → {name}")
    dimensions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    approvedOnly = serializers.BooleanField()
    hierarchyDate = serializers.DateField()
    startDate = serializers.DateField(help_text="Đầu khoảng thời gian đọc / start of the range")
    endDate = serializers.DateField(help_text="Cuối khoảng thời gian đọc / end of the range")


class RawDataResponseSchema(serializers.Serializer):
    headers = HeaderSchema(many=True)
    metaData = RawDataMetaSchema(required=False)
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(allow_null=True)),
        help_text="Một dòng mỗi giá trị đã lưu / one row per stored value",
    )
    height = serializers.IntegerField()
    width = serializers.IntegerField()
    headerWidth = serializers.IntegerField()


_SCHEME = OpenApiParameter(
    "outputIdScheme",
    OpenApiTypes.STR,
    enum=["CODE", "UID", "NAME"],
    description="Mã định danh trong câu trả lời (mặc định CODE) / identifiers in the answer.",
)
RAW_PARAMETERS = [
    *PARAMETERS,
    OpenApiParameter(
        "startDate",
        OpenApiTypes.DATE,
        description="Đầu khoảng thời gian, thay cho pe / start of a date range instead of pe.",
    ),
    OpenApiParameter(
        "endDate",
        OpenApiTypes.DATE,
        description="Cuối khoảng thời gian, thay cho pe / end of a date range instead of pe.",
    ),
    _SCHEME,
    OpenApiParameter(
        "outputDataElementIdScheme",
        OpenApiTypes.STR,
        enum=["CODE", "UID", "NAME"],
        description="Như outputIdScheme, cho chỉ tiêu / for data elements.",
    ),
    OpenApiParameter(
        "outputOrgUnitIdScheme",
        OpenApiTypes.STR,
        enum=["CODE", "UID", "NAME"],
        description="Như outputIdScheme, cho đơn vị / for org units.",
    ),
    OpenApiParameter("skipMeta", OpenApiTypes.BOOL, description="Bỏ metaData / no metaData."),
    OpenApiParameter("skipData", OpenApiTypes.BOOL, description="Bỏ các dòng / no rows."),
]


class AnalyticsRawDataApi(AnalyticsApi):
    """Số liệu thô (từng giá trị đã lưu, không cộng dồn) / Raw data: each stored value an
    analytics request selects, not aggregated (DHIS2 ``/api/analytics/rawData``)."""

    co_as_dimension = True
    fmt = "json"

    @extend_schema(
        operation_id="analytics_raw_data",
        parameters=RAW_PARAMETERS,
        responses={
            (200, "application/json"): RawDataResponseSchema,
            403: ErrorMessageSchema,
            409: ErrorMessageSchema,
        },
        tags=["analytics"],
    )
    def get(self, request, *args, **kwargs):
        params = request.query_params
        parsed = self.parse(request, periods_required=False)
        if not isinstance(parsed, AnalyticsRequest):
            return parsed
        dates = {}
        for name in ("startDate", "endDate"):
            text = (params.get(name) or "").strip()
            if text:
                try:
                    dates[name] = parse_date(text)
                except ValueError:
                    return _message(
                        409,
                        _("%(name)s không hợp lệ: “%(value)s” (viết yyyy-mm-dd hoặc dd/mm/yyyy).")
                        % {"name": name, "value": text},
                        error_code="E7100",
                    )
        schemes = {}
        for name in ("outputIdScheme", "outputDataElementIdScheme", "outputOrgUnitIdScheme"):
            text = (params.get(name) or "").strip()
            if text and SCHEME_ALIASES.get(text.upper()) is None:
                return _message(
                    409,
                    _("%(name)s không hỗ trợ “%(value)s” (dùng UID, CODE hoặc NAME).")
                    % {"name": name, "value": text},
                    error_code="E7100",
                )
            schemes[name] = SCHEME_ALIASES.get(text.upper()) if text else None
        general = schemes["outputIdScheme"] or "CODE"
        ids = _Ids(
            data_element=schemes["outputDataElementIdScheme"] or general,
            org_unit=schemes["outputOrgUnitIdScheme"] or general,
            combo=general,
        )
        try:
            plan = raw_plan(
                parsed,
                columns=self.columns,
                start=dates.get("startDate"),
                end=dates.get("endDate"),
            )
        except QueryError as exc:
            return _message(409, str(exc), error_code="E7100")
        skip_data = _flag(params.get("skipData"))
        if (self.fmt or kwargs.get("format")) == "csv":
            return StreamingHttpResponse(
                _csv_stream(plan, ids, skip_data=skip_data),
                content_type="application/csv; charset=utf-8",
            )
        return StreamingHttpResponse(
            _json_stream(plan, ids, skip_meta=_flag(params.get("skipMeta")), skip_data=skip_data),
            content_type="application/json",
        )


@extend_schema(exclude=True)
class AnalyticsRawDataCsvApi(AnalyticsRawDataApi):
    fmt = "csv"


urlpatterns = [
    path("analytics/rawData.json", AnalyticsRawDataApi.as_view(), name="analytics-raw"),
    path("analytics/rawData.csv", AnalyticsRawDataCsvApi.as_view(), name="analytics-raw-csv"),
]
