"""``/api/dataValueSets``: DHIS2-compatible exchange of data values (POST to import, GET to
read), so that a DHIS2 client or script works against the platform unchanged (see
``dhis2.py`` for what was followed). Identifiers may be DHIS2 UIDs (``dhis2_ids``), codes
or names (``idScheme`` and the per-kind schemes); a payload without ``dataSet`` has its
form found from the data elements (``dhis2_import``).

Routes (``urlpatterns`` below, included by ``api_urls``): ``dataValueSets``,
``dataValueSets.json``, ``dataValueSets.csv``, ``dataValueSets.xml``, and the same under a DHIS2 API version
(``/api/40/dataValueSets``), which DHIS2 clients often put in their base URL.

Authentication: HTTP Basic (what DHIS2 clients send) and the session. Accounts whose roles
require a second factor (officers, administrators) cannot use Basic, which would let a
password alone do what the platform otherwise allows only after 2FA: they sign in on the
site (session, 2FA verified) or use an integration account.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import tempfile
from contextlib import contextmanager
from dataclasses import asdict
from http import HTTPStatus

import orjson
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import BasicScheme, SessionScheme
from drf_spectacular.drainage import set_override
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from dantoc.core.apis import OwnErrorBody
from dantoc.geo.models import Unit
from dantoc.geo.selectors import unit_get, valid_on_q
from dantoc.reporting import dhis2, dhis2_jobs, dhis2_xml, selectors
from dantoc.reporting.dhis2_ids import CATEGORY_OPTION_COMBO, DATA_ELEMENT, DATA_SET, ORG_UNIT
from dantoc.reporting.dhis2_import import datavalueset_import
from dantoc.reporting.dhis2_metadata import IdMaps, IdSchemes
from dantoc.reporting.models import Period
from dantoc.reporting.periods import PeriodError, parse_period
from dantoc.reporting.permissions import can_view_report
from dantoc.reporting.services.bulk import datavalues_export
from dantoc.reporting.tasks import datavalueset_import_task

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
JSON_TYPES = {"application/json"}
CSV_TYPES = {"application/csv", "text/csv"}
TRUE = {"true", "1", "yes"}


def max_body_bytes() -> int:
    """The largest payload accepted: ``settings.DATAVALUESETS_MAX_BYTES``, 200 MB by default.
    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply: the body is read from the stream."""
    return int(getattr(settings, "DATAVALUESETS_MAX_BYTES", DEFAULT_MAX_BYTES))


class DHIS2BasicAuthentication(BasicAuthentication):
    """Basic authentication, refused to accounts that must pass a second factor."""

    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password:
            # PostgreSQL cannot compare text holding NUL: such a name is simply wrong.
            raise exceptions.AuthenticationFailed(_("Tên đăng nhập hoặc mật khẩu không đúng."))
        # Django's request, not DRF's: django-axes reads the form of a failed sign-in, and
        # DRF's request would parse a CSV or JSON body for it (a 415 instead of the 401).
        django_request = getattr(request, "_request", request)
        user, auth = super().authenticate_credentials(userid, password, django_request)
        if getattr(user, "requires_2fa", False):
            raise exceptions.PermissionDenied(
                _(
                    "Tài khoản này cần xác thực hai lớp: hãy đăng nhập trên trang (đã qua 2FA) "
                    "hoặc dùng tài khoản tích hợp, không dùng mật khẩu qua HTTP Basic."
                )
            )
        return user, auth


class BodySafeSessionAuthentication(SessionAuthentication):
    """Session authentication whose CSRF check never parses the body.

    DRF's check hands its own request to Django's CSRF middleware, which looks for the token
    in ``request.POST``; on DRF's request that parses the body with the view's parsers, so a
    CSV body was answered 415 (no CSV parser) and a JSON body over
    DATA_UPLOAD_MAX_MEMORY_SIZE 400, before the view read the body from the stream. Checked
    on Django's own request, ``POST`` is empty for these content types without reading the
    body, and the token comes from the ``X-CSRFToken`` header, as for any script or page."""

    def enforce_csrf(self, request):
        return super().enforce_csrf(getattr(request, "_request", request))


# Documented as the same session cookie as every other API (the same definition, so the
# schema keeps one ``cookieAuth``).
set_override(BodySafeSessionAuthentication, "suppress_collision_warning", True)


class BodySafeSessionScheme(SessionScheme):
    target_class = "dantoc.reporting.apis_dhis2.BodySafeSessionAuthentication"


class DHIS2BasicScheme(BasicScheme):
    """Documents DHIS2BasicAuthentication as the plain HTTP Basic scheme it is."""

    target_class = "dantoc.reporting.apis_dhis2.DHIS2BasicAuthentication"


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):  # an error DRF raised before the view ran
            return str(data.get("detail", data)).encode()
        return data if isinstance(data, bytes) else str(data or "").encode()


class ApplicationCSVRenderer(CSVRenderer):
    media_type = "application/csv"


class XMLRenderer(CSVRenderer):
    media_type = "application/xml"
    format = "xml"


class TextXMLRenderer(XMLRenderer):
    media_type = "text/xml"


def _wants_xml(request) -> bool:
    """Whether the client's Accept header puts XML before JSON (DHIS2 answers an import in
    the format the client accepts)."""
    accept = request.META.get("HTTP_ACCEPT", "").lower()
    positions = [accept.find(t) for t in ("application/xml", "text/xml")]
    xml = min((p for p in positions if p >= 0), default=-1)
    json = accept.find("application/json")
    return xml >= 0 and (json < 0 or xml < json)


SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a body larger than this waits on disk, not in memory
_READ = 1024 * 1024


@contextmanager
def body_spool(request, limit: int):
    """The request body copied from the stream into a temporary file (in memory while small)
    and its size; (None, size) when it is larger than ``limit``. A large body is then read
    from the file a block at a time (``dhis2.read_json_file``), never held whole."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        size = 0
        while True:
            block = request.read(_READ)
            if not block:
                break
            size += len(block)
            if size > limit:
                yield None, size
                return
            spool.write(block)
        spool.seek(0)
        yield spool, size


def _json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


def _message(status: int, message: str, *, error_code: str | None = None) -> HttpResponse:
    """A DHIS2 web message without an import summary (400, 403, 409, 413, 415)."""
    # DHIS2 names 413 as RFC 9110 does; Python 3.11's table still has the older name.
    reason = "Payload Too Large" if status == 413 else HTTPStatus(status).phrase
    body = {"httpStatus": reason, "httpStatusCode": status, "status": "ERROR", "message": message}
    if error_code:
        body["errorCode"] = error_code
    return _json(body, status)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


_DURATION = re.compile(r"([0-9]+)([dhms])")
_DURATION_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def _moment(text: str) -> datetime.datetime:
    """An ISO date or date-time; without a zone, in the platform's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.datetime.combine(datetime.date.fromisoformat(text), datetime.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _dates(params):
    """(startDate, endDate, updated since, limit) from a dataValueSets read, or the 409."""
    start = end = since = limit = None
    try:
        if params.get("startDate") or params.get("endDate"):
            if not (params.get("startDate") and params.get("endDate")):
                raise ValueError
            start = datetime.date.fromisoformat(params["startDate"][:10])
            end = datetime.date.fromisoformat(params["endDate"][:10])
        if params.get("lastUpdated"):
            since = _moment(params["lastUpdated"].strip())
        if params.get("lastUpdatedDuration"):
            match = _DURATION.fullmatch(params["lastUpdatedDuration"].strip())
            if match is None:
                raise ValueError
            amount = datetime.timedelta(**{_DURATION_UNITS[match[2]]: int(match[1])})
            since = max(since, timezone.now() - amount) if since else timezone.now() - amount
        if params.get("limit"):
            limit = int(params["limit"])
            if limit < 1:
                raise ValueError
    except (ValueError, OverflowError):
        return _message(
            409,
            _(
                "startDate/endDate (cả hai, YYYY-MM-DD), lastUpdated (ngày hoặc ngày giờ ISO), "
                "lastUpdatedDuration (ví dụ 10d, 12h, 30m) hoặc limit (số nguyên dương) "
                "không hợp lệ."
            ),
        )
    return start, end, since, limit


def _schemes(params, *, default: str = "AUTO") -> IdSchemes | HttpResponse:
    """The identifier schemes a query asks for, or the 400 naming one not supported."""
    try:
        return IdSchemes.from_query(params, default=default)
    except ValueError as exc:
        name, value = exc.args
        return _message(
            400,
            _("%(name)s=%(value)s không được hỗ trợ: dùng UID, CODE hoặc NAME.")
            % {"name": name, "value": value},
        )


# --- schema (documentation only: the views read and write the bodies themselves) ----------


class DataValueSchema(serializers.Serializer):
    dataElement = serializers.CharField(help_text="Mã chỉ tiêu / indicator code")
    period = serializers.CharField(required=False, help_text="Kỳ, ví dụ / period, e.g. 2026Q3")
    orgUnit = serializers.CharField(required=False, help_text="Mã đơn vị / unit code")
    categoryOptionCombo = serializers.CharField(
        required=False,
        help_text="Phân tổ dạng / options as DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW (hoặc/or default)",
    )
    attributeOptionCombo = serializers.CharField(required=False)
    value = serializers.CharField(required=False)
    comment = serializers.CharField(required=False)
    deleted = serializers.BooleanField(required=False)


class DataValueSetSchema(serializers.Serializer):
    dataSet = serializers.CharField(required=False, help_text="Mã biểu mẫu / form code")
    completeDate = serializers.CharField(required=False)
    period = serializers.CharField(required=False)
    orgUnit = serializers.CharField(required=False)
    attributeOptionCombo = serializers.CharField(required=False)
    dataValues = DataValueSchema(many=True)


class ImportCountSchema(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    ignored = serializers.IntegerField()
    deleted = serializers.IntegerField()


class ImportConflictSchema(serializers.Serializer):
    object = serializers.CharField()
    objects = serializers.DictField(child=serializers.CharField(), required=False)
    value = serializers.CharField()
    errorCode = serializers.CharField(help_text="E7600…E7645 như DHIS2 / as in DHIS2")
    property = serializers.CharField(required=False)
    indexes = serializers.ListField(child=serializers.IntegerField())


class ImportSummarySchema(serializers.Serializer):
    responseType = serializers.CharField(default="ImportSummary")
    status = serializers.CharField(help_text="SUCCESS | WARNING | ERROR")
    importOptions = serializers.DictField()
    description = serializers.CharField(required=False)
    importCount = ImportCountSchema()
    conflicts = ImportConflictSchema(many=True)
    rejectedIndexes = serializers.ListField(child=serializers.IntegerField())
    dataSetComplete = serializers.CharField()


class ImportMessageSchema(serializers.Serializer):
    httpStatus = serializers.CharField()
    httpStatusCode = serializers.IntegerField()
    status = serializers.CharField(help_text="OK | WARNING | ERROR")
    message = serializers.CharField()
    response = ImportSummarySchema()


class JobResponseSchema(serializers.Serializer):
    responseType = serializers.CharField(default="JobConfigurationWebMessageResponse")
    name = serializers.CharField()
    id = serializers.CharField()
    created = serializers.CharField()
    jobType = serializers.CharField()
    relativeNotifierEndpoint = serializers.CharField()


class JobMessageSchema(serializers.Serializer):
    httpStatus = serializers.CharField()
    httpStatusCode = serializers.IntegerField()
    status = serializers.CharField()
    message = serializers.CharField()
    response = JobResponseSchema()


class NotificationSchema(serializers.Serializer):
    uid = serializers.CharField()
    level = serializers.CharField()
    category = serializers.CharField()
    time = serializers.CharField()
    message = serializers.CharField()
    completed = serializers.BooleanField()


class ErrorMessageSchema(serializers.Serializer):
    httpStatus = serializers.CharField()
    httpStatusCode = serializers.IntegerField()
    status = serializers.CharField()
    message = serializers.CharField()
    errorCode = serializers.CharField(required=False)


class ExportValueSchema(DataValueSchema):
    storedBy = serializers.CharField()
    created = serializers.CharField()
    lastUpdated = serializers.CharField()
    followup = serializers.BooleanField()


class ExportSetSchema(serializers.Serializer):
    dataSet = serializers.CharField()
    period = serializers.CharField(required=False)
    orgUnit = serializers.CharField(required=False)
    dataValues = ExportValueSchema(many=True)


SCHEME_PARAMETERS = [
    OpenApiParameter(
        name,
        str,
        enum=["UID", "CODE", "NAME"],
        description="Mặc định: UID đã biết hoặc mã; khi đọc, mã / default: a known UID or "
        "else a code; answers in codes unless asked",
    )
    for name in (
        "idScheme",
        "dataSetIdScheme",
        "dataElementIdScheme",
        "orgUnitIdScheme",
        "categoryOptionComboIdScheme",
        "attributeOptionComboIdScheme",
    )
]
IMPORT_PARAMETERS = [
    OpenApiParameter("dryRun", OpenApiTypes.BOOL, description="Chạy thử, không ghi / dry run"),
    OpenApiParameter(
        "async",
        OpenApiTypes.BOOL,
        description="Nhập nền, trả về tác vụ để theo dõi / run on the task worker and answer "
        "the job (relativeNotifierEndpoint)",
    ),
    OpenApiParameter(
        "importStrategy",
        str,
        enum=list(dhis2.STRATEGIES),
        description="Mặc định / default CREATE_AND_UPDATE",
    ),
    *SCHEME_PARAMETERS,
    OpenApiParameter("dataSet", str, description="Mặc định cho / default for dataSet"),
    OpenApiParameter("period", str, description="Mặc định cho / default for period"),
    OpenApiParameter("orgUnit", str, description="Mặc định cho / default for orgUnit"),
]
EXPORT_PARAMETERS = [
    OpenApiParameter("dataSet", str, required=True, many=True),
    OpenApiParameter(
        "period", str, many=True, description="Hoặc / or startDate+endDate, lastUpdated"
    ),
    OpenApiParameter("startDate", OpenApiTypes.DATE),
    OpenApiParameter("endDate", OpenApiTypes.DATE),
    OpenApiParameter("lastUpdated", OpenApiTypes.DATETIME),
    OpenApiParameter("lastUpdatedDuration", str, description="Ví dụ / e.g. 10d, 12h, 30m"),
    OpenApiParameter("limit", int),
    OpenApiParameter("orgUnit", str, required=True, many=True),
    OpenApiParameter(
        "children", OpenApiTypes.BOOL, description="Kèm đơn vị cấp dưới / descendants"
    ),
    OpenApiParameter("includeDeleted", OpenApiTypes.BOOL),
    *SCHEME_PARAMETERS,
]


class DHIS2Api(OwnErrorBody, APIView):
    """An endpoint of the DHIS2 Web API: every error, including those DRF raises before the
    view runs (not signed in, an unsupported media type), is a DHIS2 web message in JSON."""

    error_serializer = ErrorMessageSchema
    error_response = staticmethod(_message)


class DataValueSetsApi(DHIS2Api):
    """Nhập và đọc số liệu theo chuẩn DHIS2 dataValueSets (mã làm định danh) / Import and
    read data values in DHIS2's dataValueSets format (codes as identifiers).

    Also answered at ``dataValueSets.json`` and ``dataValueSets.csv`` (GET in that format)
    and under a DHIS2 API version (``/api/40/dataValueSets``)."""

    authentication_classes = [DHIS2BasicAuthentication, BodySafeSessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [
        JSONRenderer,
        CSVRenderer,
        ApplicationCSVRenderer,
        XMLRenderer,
        TextXMLRenderer,
    ]
    request_body_required = True  # an import without a body is a 415
    fmt: str = ""

    def perform_content_negotiation(self, request, force=False):
        # An Accept header we cannot honour (a browser's text/html) gets JSON, not a 406:
        # a POST always answers JSON, and GET picks CSV only when asked for it.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="dataValueSets_import",
        parameters=IMPORT_PARAMETERS,
        request={
            "application/json": DataValueSetSchema,
            "application/csv": OpenApiTypes.STR,
            "text/csv": OpenApiTypes.STR,
            "application/xml": OpenApiTypes.STR,
            "text/xml": OpenApiTypes.STR,
        },
        responses={
            200: PolymorphicProxySerializer(
                component_name="ImportOrJobMessage",
                serializers=[ImportMessageSchema, JobMessageSchema],
                resource_type_field_name=None,
            ),
            409: OpenApiResponse(
                ImportMessageSchema, description="Có giá trị bị từ chối / conflicts"
            ),
            400: ErrorMessageSchema,
            413: ErrorMessageSchema,
            415: ErrorMessageSchema,
        },
    )
    def post(self, request, *args, **kwargs):
        params = request.query_params
        strategy = (params.get("importStrategy") or "CREATE_AND_UPDATE").upper()
        if strategy == "NEW_AND_UPDATES":  # DHIS2's old name
            strategy = "CREATE_AND_UPDATE"
        if strategy not in dhis2.STRATEGIES:
            return _message(
                400,
                _("importStrategy phải là một trong %(values)s.")
                % {"values": ", ".join(dhis2.STRATEGIES)},
            )
        schemes = _schemes(params)
        if isinstance(schemes, HttpResponse):
            return schemes
        dry_run = _flag(params.get("dryRun"))
        media = (request.content_type or "").split(";")[0].strip().lower()
        if media not in JSON_TYPES | CSV_TYPES | dhis2_xml.XML_TYPES:
            return _message(
                415,
                _(
                    "Content-Type phải là application/json, application/csv, text/csv, "
                    "application/xml hoặc text/xml."
                ),
            )
        limit = max_body_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        too_big = _("Dữ liệu gửi lên lớn quá %(limit)d MB: hãy chia thành nhiều lần gửi.") % {
            "limit": limit // (1024 * 1024)
        }
        if declared > limit:
            return _message(413, too_big)
        defaults = {k: params.get(k, "").strip() for k in ("dataSet", "period", "orgUnit")}
        with body_spool(request._request, limit) as (body, size):
            if body is None:
                return _message(413, too_big)
            if _flag(params.get("async")):
                return _json(
                    _job_start(
                        actor=request.user, body=body, media=media, schemes=schemes,
                        dry_run=dry_run, strategy=strategy, defaults=defaults,
                    )
                )  # fmt: skip
            try:
                if media in JSON_TYPES:
                    payload = dhis2.read_json_file(body, size=size, defaults=defaults)
                elif media in dhis2_xml.XML_TYPES:
                    payload = dhis2_xml.read_xml_file(body, size=size, defaults=defaults)
                else:
                    payload = dhis2.read_csv_file(body, size=size, defaults=defaults)
                summary = datavalueset_import(
                    actor=request.user,
                    payload=payload,
                    schemes=schemes,
                    dry_run=dry_run,
                    strategy=strategy,
                )
            except dhis2.PayloadError as exc:
                # Found while reading a streamed body: the import's transaction was rolled
                # back whole, so nothing of it stays.
                summary = dhis2.failed_summary(str(exc), dry_run=dry_run, strategy=strategy)
        if _wants_xml(request):
            return HttpResponse(
                dhis2_xml.web_message_xml(summary.web_message()),
                status=summary.http_status(),
                content_type="application/xml; charset=utf-8",
            )
        return _json(summary.web_message(), summary.http_status())

    @extend_schema(
        operation_id="dataValueSets_read",
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "application/json"): ExportSetSchema,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/xml"): OpenApiTypes.STR,
            409: ErrorMessageSchema,
        },
    )
    def get(self, request, *args, **kwargs):
        params = request.query_params
        # What the query names is read as DHIS2 reads it (a UID, or a code); the answer is
        # written under the asked scheme, codes when none is asked for.
        asked = _schemes(params, default="AUTO")
        if isinstance(asked, HttpResponse):
            return asked
        output = IdSchemes.from_query(params, default="CODE")
        maps = IdMaps()
        codes = [
            maps.to_code(DATA_SET, asked.data_set, c.strip())
            for c in params.getlist("dataSet")
            if c.strip()
        ]
        period_codes = [c.strip() for c in params.getlist("period") if c.strip()]
        unit_codes = [
            maps.to_code(ORG_UNIT, asked.org_unit, c.strip())
            for c in params.getlist("orgUnit")
            if c.strip()
        ]
        if not codes:
            return _message(409, _("Cần ít nhất một biểu mẫu (dataSet)."), error_code="E2013")
        window = _dates(params)
        if isinstance(window, HttpResponse):
            return window
        start, end, since, limit = window
        if not period_codes and start is None and since is None:
            return _message(
                409,
                _(
                    "Cần ít nhất một kỳ (period), khoảng ngày (startDate và endDate), "
                    "lastUpdated hoặc lastUpdatedDuration."
                ),
                error_code="E2002",
            )
        if not unit_codes:
            return _message(409, _("Cần ít nhất một đơn vị (orgUnit)."), error_code="E2006")
        children = _flag(params.get("children"))
        include_deleted = _flag(params.get("includeDeleted"))
        values: list[dhis2.ExportValue] = []
        for code in codes:
            form = selectors.form_get(code=code)
            if form is None:
                return _message(
                    409, _("Không có biểu mẫu mã `%(code)s`.") % {"code": code}, error_code="E1105"
                )
            periods = []
            if not period_codes:
                # A date range (periods wholly inside it) or, with only lastUpdated, every
                # period of the form that has been reported.
                chosen_periods = Period.objects.filter(period_type=form.period_type)
                if start is not None:
                    chosen_periods = chosen_periods.filter(start_date__gte=start, end_date__lte=end)
                for period in chosen_periods.order_by("start_date"):
                    units = self._units(request.user, unit_codes, period.end_date, children)
                    if isinstance(units, HttpResponse):
                        return units
                    periods.append((period, units))
            for period_code in period_codes:
                try:
                    window = parse_period(period_code, form.period_type.rule())
                except PeriodError as exc:
                    return _message(409, str(exc), error_code="E1101")
                period = Period.objects.filter(
                    period_type=form.period_type, code=window.code
                ).first()
                day = period.end_date if period else window.end
                units = self._units(request.user, unit_codes, day, children)
                if isinstance(units, HttpResponse):
                    return units
                if period is not None:
                    periods.append((period, units))
            for period, units in periods:
                values += datavalues_export(
                    form=form, periods=[period], units=units, include_deleted=include_deleted
                )
        if since is not None:
            stamp = timezone.localtime(since).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            values = [v for v in values if v.last_updated >= stamp]
        values.sort(key=lambda v: (v.org_unit, v.period, v.data_element, v.category_option_combo))
        if limit is not None:
            values = values[:limit]
        if not output.all_codes:
            values = _written_as(values, output, maps)
            codes = [maps.from_code(DATA_SET, output.data_set, c) for c in codes]
            unit_codes = [maps.from_code(ORG_UNIT, output.org_unit, c) for c in unit_codes]
        chosen = getattr(request, "accepted_renderer", None)
        fmt = self.fmt or (chosen.format if chosen is not None else "json")
        csv = fmt == "csv"
        data_set_id = codes[0] if len(codes) == 1 else ""
        period_id = period_codes[0] if len(period_codes) == 1 else ""
        unit_id = unit_codes[0] if len(unit_codes) == 1 and not children else ""
        if fmt == "xml":
            return StreamingHttpResponse(
                dhis2_xml.render_xml(
                    data_set=data_set_id, period=period_id, org_unit=unit_id, values=values
                ),
                content_type="application/xml; charset=utf-8",
            )
        if csv:
            return HttpResponse(
                dhis2.render_csv(values), content_type="application/csv; charset=utf-8"
            )
        return HttpResponse(
            dhis2.render_json(
                data_set=data_set_id, period=period_id, org_unit=unit_id, values=values
            ),
            content_type="application/json",
        )

    @staticmethod
    def _units(user, unit_codes: list[str], day: datetime.date, children: bool):
        units: dict[int, Unit] = {}
        for code in unit_codes:
            unit = unit_get(code=code, as_of=day)
            if unit is None:
                return _message(
                    409, _("Không có đơn vị mã `%(code)s`.") % {"code": code}, error_code="E1102"
                )
            if not can_view_report(user, unit):
                return _message(
                    409,
                    _("Bạn không được xem số liệu của đơn vị `%(code)s`.") % {"code": code},
                    error_code="E2012",
                )
            units[unit.pk] = unit
            if children:
                for child in Unit.objects.filter(valid_on_q(day), path__startswith=unit.path):
                    units[child.pk] = child
        return list(units.values())


def _job_start(
    *, actor, body, media: str, schemes: IdSchemes, dry_run: bool, strategy: str,
    defaults: dict[str, str],
) -> dict:  # fmt: skip
    """Keep ``body`` (a file) in a background job and queue its import; DHIS2's answer to an
    async import."""
    job = dhis2_jobs.job_start(
        actor=actor, body=body, media=media, schemes=asdict(schemes), dry_run=dry_run,
        strategy=strategy, defaults=defaults, enqueue=datavalueset_import_task.enqueue,
    )  # fmt: skip
    return {
        "httpStatus": "OK",
        "httpStatusCode": 200,
        "status": "OK",
        "message": f"Initiated {dhis2_jobs.CATEGORY}",
        "response": {
            "responseType": "JobConfigurationWebMessageResponse",
            "name": dhis2_jobs.CATEGORY,
            "id": str(job.pk),
            "created": timezone.localtime(job.created_at).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "jobType": dhis2_jobs.CATEGORY,
            "relativeNotifierEndpoint": f"/api/system/tasks/{dhis2_jobs.CATEGORY}/{job.pk}",
        },
    }


def _written_as(values: list[dhis2.ExportValue], schemes: IdSchemes, maps: IdMaps):
    memo: dict[tuple[str, str], str] = {}

    def name(kind: str, scheme: str, code: str) -> str:
        found = memo.get((kind, code))
        if found is None:
            found = memo[(kind, code)] = maps.from_code(kind, scheme, code)
        return found

    return [
        dataclasses.replace(
            v,
            data_element=name(DATA_ELEMENT, schemes.data_element, v.data_element),
            org_unit=name(ORG_UNIT, schemes.org_unit, v.org_unit),
            category_option_combo=name(
                CATEGORY_OPTION_COMBO, schemes.category_option_combo, v.category_option_combo
            ),
        )
        for v in values
    ]


# The suffix routes answer the same operations as DataValueSetsApi; documented there once.
@extend_schema(exclude=True)
class DataValueSetsJsonApi(DataValueSetsApi):
    fmt = "json"


@extend_schema(exclude=True)
class DataValueSetsCsvApi(DataValueSetsApi):
    fmt = "csv"


@extend_schema(exclude=True)
class DataValueSetsXmlApi(DataValueSetsApi):
    fmt = "xml"


@extend_schema(exclude=True)
class DataValueSetsVersionedApi(DataValueSetsApi):
    """``/api/<version>/dataValueSets[.json|.csv]``: the same, for clients that pin a DHIS2
    API version in their base URL."""

    def dispatch(self, request, *args, **kwargs):
        self.fmt = (kwargs.get("suffix") or "").lstrip(".")
        return super().dispatch(request, *args, **kwargs)


class JobApi(DHIS2Api):
    """DHIS2 ``/api/system/tasks/<category>/<id>`` and ``/api/system/taskSummaries/…``: the
    progress and the import summary of an ``async=true`` import started by this account."""

    authentication_classes = [DHIS2BasicAuthentication, BodySafeSessionAuthentication]
    permission_classes = [IsAuthenticated]
    summary = False

    def get(self, request, category: str, job_id: str, *args, **kwargs):
        job = dhis2_jobs.job_get(actor=request.user, job_id=job_id)
        if category.upper() != dhis2_jobs.CATEGORY or job is None:
            return _message(404, _("Không có tác vụ `%(id)s` của tài khoản này.") % {"id": job_id})
        if self.summary:
            return _json(dhis2_jobs.job_summary(job))
        return _json(dhis2_jobs.job_notifications(job))


class JobNotificationsApi(JobApi):
    @extend_schema(
        operation_id="dhis2_system_tasks",
        responses={200: NotificationSchema(many=True), 404: ErrorMessageSchema},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class JobSummaryApi(JobApi):
    summary = True

    @extend_schema(
        operation_id="dhis2_system_task_summaries",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.ANY,
                description="ImportSummary khi xong, null khi đang chạy / the ImportSummary "
                "once the job has finished, null while it runs",
            ),
            404: ErrorMessageSchema,
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


urlpatterns = [
    path(
        "system/tasks/<str:category>/<str:job_id>",
        JobNotificationsApi.as_view(),
        name="dhis2-system-tasks",
    ),
    path(
        "system/taskSummaries/<str:category>/<str:job_id>",
        JobSummaryApi.as_view(),
        name="dhis2-system-task-summaries",
    ),
    path("dataValueSets", DataValueSetsApi.as_view(), name="datavaluesets"),
    path("dataValueSets.json", DataValueSetsJsonApi.as_view(), name="datavaluesets-json"),
    path("dataValueSets.csv", DataValueSetsCsvApi.as_view(), name="datavaluesets-csv"),
    path("dataValueSets.xml", DataValueSetsXmlApi.as_view(), name="datavaluesets-xml"),
    re_path(
        r"^(?P<version>[0-9]{2})/dataValueSets(?P<suffix>\.json|\.csv|\.xml)?$",
        DataValueSetsVersionedApi.as_view(),
        name="datavaluesets-versioned",
    ),
]
