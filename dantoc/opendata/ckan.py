"""The catalogue in CKAN's words: parameters of the Action API read into the selectors'
``SearchQuery``, and data sets, downloads, publishers and themes written as CKAN's package,
resource, organization, group and tag dictionaries.

Only parsing and shaping lives here; every search goes through
``selectors.datasets_search`` so that the catalogue pages and the API always agree.

Parameters follow CKAN 2.10 (``ckan/logic/schema.py`` ``default_package_search_schema``):
``rows`` defaults to 10 and is cut to 1000, ``start`` is a natural number, ``facet.field`` a
JSON list (or a list), ``facet.limit`` an integer (negative: no limit, default 50).
``q`` and ``fq`` take the part of Solr's query syntax that CKAN clients and harvesters send:

- ``word`` and ``"several words"`` (free text, diacritics-insensitive), ``*:*`` (everything);
- ``field:value``, ``field:"quoted value"``, ``field:(a OR b)``;
- ``-field:value`` / ``NOT field:value`` (negation), ``+field:value`` (required);
- ``field:[2024-01-01T00:00:00Z TO *]``, ``[* TO NOW]``, ``{… TO …}`` (exclusive ends), with
  Solr date maths (``NOW-7DAYS``, ``NOW/DAY``) on ``metadata_modified``,
  ``metadata_created``, ``temporal_start`` and ``temporal_end``;
- clauses separated by spaces or ``AND`` (all of them must hold, as in CKAN's own pages).
"""

from __future__ import annotations

import calendar
import datetime
import functools
import json
import re
import uuid
from dataclasses import dataclass

import orjson
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dantoc.core.text import fold
from dantoc.geo.models import Unit
from dantoc.opendata import selectors
from dantoc.opendata.models import (
    LICENCE_URLS,
    THEME_NAMES_EN,
    Dataset,
    FileFormat,
    Licence,
    Release,
    ReleaseFile,
    Theme,
)
from dantoc.opendata.selectors import Condition, Organization, PackageDocument, SearchQuery

ROWS_DEFAULT = 10
ROWS_MAX = 1000
START_MAX = 10**9
FACET_LIMIT_DEFAULT = 50
DEFAULT_SORT = "score desc, metadata_modified desc"
# The CKAN release whose Action API this one answers like (status_show).
CKAN_VERSION = "2.10.0"

DATE_FIELDS = ("metadata_modified", "metadata_created", "temporal_start", "temporal_end")
# Every field a CKAN client or harvester sorts on: ``id asc`` is what ckanext-harvest's CKAN
# harvester always sends. ``views_recent`` and ``views_total`` (CKAN's page-view tracking,
# which this catalogue does not keep) order like ``score``: every data set ties.
SORT_FIELDS = {"score", "relevance", "rank", "name", "title", "title_string", "id"} | {
    "metadata_modified",
    "metadata_created",
    "views_recent",
    "views_total",
}
# Solr parameters CKAN passes on; those with no meaning here are accepted and ignored.
SEARCH_PARAMETERS = {
    "q", "fq", "fq_list", "rows", "start", "sort", "facet", "facet.field", "facet_field",
    "facet.limit", "facet_limit", "facet.mincount", "facet_mincount", "fl", "qf", "wt", "bf",
    "boost", "tie", "defType", "mm", "df", "q.op", "include_private", "include_drafts",
    "include_deleted", "use_default_schema", "extras", "callback",
}  # fmt: skip
# Fields CKAN's index always holds the same value for, here: a clause on them keeps every
# data set (or none, for another value).
CONSTANT_FIELDS = {
    "dataset_type": "dataset",
    "type": "dataset",
    "state": "active",
    "capacity": "public",
    "entity_type": "package",
    "private": "false",
}
TEXT_FIELDS = {"text", "title", "notes", "title_en", "notes_en", "title_string"}

MIMETYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.JSON: "application/json",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Stable ids for things that are not rows (publishers are units, groups are themes).
ID_NAMESPACE = uuid.UUID("6f1c3d2e-1719-4b5a-9c1e-0a11d7a7a0c0")


# --- errors -----------------------------------------------------------------------------------


class ActionError(Exception):
    """An error the Action API answers with CKAN's envelope (``ckan/views/api.py``)."""

    status = 500
    type = "Internal Server Error"

    def __init__(self, message: str = "", *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def error(self) -> dict:
        return {"__type": self.type, "message": self.message}


class NotFound(ActionError):
    status = 404
    type = "Not Found Error"

    def error(self) -> dict:
        # CKAN: "Not found" and, when the action said why, ": <why>".
        text = "Not found" + (f": {self.message}" if self.message else "")
        return {"__type": self.type, "message": text}


class ValidationFailed(ActionError):
    status = 409
    type = "Validation Error"

    def error(self) -> dict:
        return {**self.fields, "__type": self.type}


class NotAuthorized(ActionError):
    status = 403
    type = "Authorization Error"

    def error(self) -> dict:
        text = "Access denied" + (f": {self.message}" if self.message else "")
        return {"__type": self.type, "message": text}


class SearchQueryError(ActionError):
    status = 400
    type = "Search Query Error"

    def error(self) -> dict:
        return {"__type": self.type, "message": f"Search Query is invalid: {self.message}"}


class SearchFailed(ActionError):
    status = 409
    type = "Search Error"

    def error(self) -> dict:
        return {"__type": self.type, "message": f"Search error: {self.message}"}


# --- plain values -----------------------------------------------------------------------------


def iso(value: datetime.datetime | datetime.date | None) -> str | None:
    """CKAN's timestamps: ISO 8601 in UTC without a zone (``2026-07-05T03:10:00.123456``)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat()
    return value.isoformat()


def natural(params: dict, name: str, default: int | None = None) -> int | None:
    """A natural number parameter, with CKAN's messages (``natural_number_validator``)."""
    value = params.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValidationFailed(fields={name: ["Invalid integer"]})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={name: ["Invalid integer"]}) from None
    if number < 0:
        raise ValidationFailed(fields={name: ["Must be a natural number"]})
    return number


def integer(params: dict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(fields={name: ["Invalid integer"]}) from None


def boolean(value, default: bool = False) -> bool:
    """CKAN's ``asbool``: true/yes/on/y/t/1 (any case)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value)
    return str(value).strip().lower() in ("true", "yes", "on", "y", "t", "1")


def string_list(params: dict, name: str) -> list[str]:
    """``convert_to_json_if_string`` then ``list_of_strings``, as CKAN reads facet.field."""
    value = params.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            # One bare name, as a GET with a one-item list sends it (CKAN refuses this).
            if not re.fullmatch(r"[\w.]+", value):
                raise ValidationFailed(fields={name: ["Could not parse as valid JSON"]}) from None
            value = [value]
    if not isinstance(value, list):
        raise ValidationFailed(fields={name: ["Not a list"]})
    for item in value:
        if not isinstance(item, str):
            raise ValidationFailed(fields={name: [f"Not a string: {item}"]})
    return value


def required(params: dict, name: str) -> str:
    """CKAN's ``get_or_bust``: a missing value is a Validation Error on that field."""
    value = params.get(name)
    if value is None or value == "" or value == []:
        raise ValidationFailed(fields={name: ["Missing value"]})
    if isinstance(value, list):
        value = value[0]
    return str(value)


# --- q and fq ---------------------------------------------------------------------------------


@dataclass
class Token:
    text: str  # the clause as written, for messages
    sign: str  # "", "+", "-"
    field: str | None
    kind: str  # "word", "phrase", "group", "range", "all"
    value: str = ""
    values: tuple[str, ...] = ()
    low: str = "*"
    high: str = "*"
    low_inclusive: bool = True
    high_inclusive: bool = True


_FIELD_RE = re.compile(r"([A-Za-z_][\w.]*):")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def tokenize(text: str) -> list[Token]:
    """Split a Solr query into clauses (see the module's docstring for what is understood)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        begin = i
        sign = ""
        if text[i] in "+-" and i + 1 < n and not text[i + 1].isspace():
            sign = text[i]
            i += 1
        elif text.startswith("NOT ", i) or text.startswith("NOT\t", i):
            sign = "-"
            i += 4
            while i < n and text[i].isspace():
                i += 1
        elif text.startswith("!", i):
            sign = "-"
            i += 1
        field = None
        match = _FIELD_RE.match(text, i)
        if match:
            field = match.group(1)
            i = match.end()
        if text.startswith("*:*", begin + len(sign)) and field is None:
            tokens.append(Token("*:*", sign, None, "all"))
            i = begin + len(sign) + 3
            continue
        if i >= n or text[i].isspace():
            raise SearchFailed(_("Thiếu giá trị sau “%(clause)s”.") % {"clause": text[begin:i]})
        char = text[i]
        if char == '"':
            end = _closing_quote(text, i)
            value = _unescape(text[i + 1 : end])
            i = end + 1
            token = Token(text[begin:i], sign, field, "phrase", value=value)
        elif char == "(":
            end = text.find(")", i)
            if end < 0:
                raise SearchFailed(
                    _("Thiếu dấu “)” trong “%(clause)s”.") % {"clause": text[begin:]}
                )
            inner = text[i + 1 : end]
            i = end + 1
            values = _group_values(inner, text[begin:i])
            token = Token(text[begin:i], sign, field, "group", values=tuple(values))
        elif char in "[{":
            close = re.compile(r"[\]}]").search(text, i)
            if close is None:
                raise SearchFailed(
                    _("Thiếu dấu “]” trong “%(clause)s”.") % {"clause": text[begin:]}
                )
            end = close.start()
            inner = text[i + 1 : end].strip()
            parts = re.split(r"\s+TO\s+", inner)
            if len(parts) != 2:
                raise SearchFailed(
                    _("Khoảng giá trị phải viết [từ TO đến]: “%(clause)s”.")
                    % {"clause": text[begin : end + 1]}
                )
            token = Token(
                text[begin : end + 1], sign, field, "range",
                low=parts[0].strip(), high=parts[1].strip(),
                low_inclusive=char == "[", high_inclusive=text[end] == "]",
            )  # fmt: skip
            i = end + 1
        else:
            end = i
            while end < n and not text[end].isspace():
                end += 2 if text[end] == "\\" else 1
            value = _unescape(text[i:end])
            i = end
            token = Token(text[begin:i], sign, field, "word", value=value)
        if token.field is None and token.kind == "word" and token.value in ("AND", "&&"):
            continue
        if token.field is None and token.kind == "word" and token.value in ("OR", "||"):
            raise SearchFailed(
                _(
                    "Chưa hỗ trợ OR giữa các điều kiện; hãy viết trường:(a OR b) cho nhiều giá "
                    "trị của một trường."
                )
            )
        tokens.append(token)
    return tokens


def _closing_quote(text: str, start: int) -> int:
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    raise SearchFailed(_("Thiếu dấu ngoặc kép đóng trong “%(clause)s”.") % {"clause": text[start:]})


def _group_values(inner: str, clause: str) -> list[str]:
    values = []
    for part in re.findall(r'"(?:[^"\\]|\\.)*"|\S+', inner):
        if part in ("OR", "||"):
            continue
        if part in ("AND", "&&", "NOT"):
            raise SearchFailed(
                _("Trong ngoặc chỉ dùng được OR: “%(clause)s”.") % {"clause": clause}
            )
        values.append(_unescape(part[1:-1] if part.startswith('"') else part))
    if not values:
        raise SearchFailed(_("Ngoặc rỗng trong “%(clause)s”.") % {"clause": clause})
    return values


_MATH_RE = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")
_UNITS = {
    "YEAR": "years", "YEARS": "years", "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days", "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes", "SECOND": "seconds", "SECONDS": "seconds",
}  # fmt: skip


def parse_date(text: str, *, now: datetime.datetime) -> datetime.datetime | None:
    """A Solr date (``2024-01-01T00:00:00Z``, ``2024-01-01``, ``NOW``, with date maths such as
    ``NOW-7DAYS/DAY``) as an aware UTC datetime; ``*`` is None (open end)."""
    if text == "*":
        return None
    match = re.match(r"NOW|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)?", text)
    if not match:
        raise SearchFailed(_("Ngày giờ không hợp lệ: “%(value)s”.") % {"value": text})
    head = match.group(0)
    if head == "NOW":
        value = now
    else:
        try:
            value = datetime.datetime.fromisoformat(head.rstrip("Z"))
        except ValueError:
            raise SearchFailed(_("Ngày giờ không hợp lệ: “%(value)s”.") % {"value": text}) from None
        value = value.replace(tzinfo=datetime.UTC)
    rest = text[match.end() :]
    pos = 0
    while pos < len(rest):
        step = _MATH_RE.match(rest, pos)
        if not step or (step.group(3) or step.group(4)) not in _UNITS:
            raise SearchFailed(_("Phép tính ngày không hợp lệ: “%(value)s”.") % {"value": text})
        pos = step.end()
        if step.group(4):
            value = _round_down(value, _UNITS[step.group(4)])
        else:
            amount = int(step.group(2)) * (1 if step.group(1) == "+" else -1)
            value = _shift(value, _UNITS[step.group(3)], amount)
    return value


def _shift(value: datetime.datetime, unit: str, amount: int) -> datetime.datetime:
    if unit in ("years", "months"):
        months = value.month - 1 + amount * (12 if unit == "years" else 1)
        year, month = value.year + months // 12, months % 12 + 1
        day = min(value.day, calendar.monthrange(year, month)[1])
        return value.replace(year=year, month=month, day=day)
    return value + datetime.timedelta(**{unit: amount})


def _round_down(value: datetime.datetime, unit: str) -> datetime.datetime:
    parts = ["years", "months", "days", "hours", "minutes", "seconds"]
    keep = parts.index(unit)
    fields = {"month": 1, "day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}
    names = ["month", "day", "hour", "minute", "second", "microsecond"]
    return value.replace(**{name: fields[name] for name in names[keep:]})


def _date_bounds(token: Token, now: datetime.datetime) -> tuple:
    try:
        return _date_bounds_of(token, now)
    except (ValueError, OverflowError):
        # Date maths past year 1 or 9999.
        raise SearchFailed(
            _("Ngày giờ ngoài phạm vi: “%(clause)s”.") % {"clause": token.text}
        ) from None


def _date_bounds_of(token: Token, now: datetime.datetime) -> tuple:
    low = parse_date(token.low, now=now)
    high = parse_date(token.high, now=now)
    tiny = datetime.timedelta(microseconds=1)
    if token.field in ("temporal_start", "temporal_end"):
        # Dates, indexed as midnight UTC: day d is in [low, high] when low <= d <= high.
        day = datetime.timedelta(days=1)
        if low is not None:
            midnight = _round_down(low, "days")
            if midnight < low or not token.low_inclusive:
                midnight += day
            low = midnight
        if high is not None:
            midnight = _round_down(high, "days")
            if midnight == high and not token.high_inclusive:
                midnight -= day
            high = midnight
    else:
        if low is not None and not token.low_inclusive:
            low += tiny
        if high is not None and not token.high_inclusive:
            high -= tiny
    return low, high


def conditions_from(
    tokens: list[Token], *, now: datetime.datetime, allow_text: bool
) -> tuple[list[str], list[Condition]]:
    """The free-text words and the conditions of a parsed ``q`` or ``fq``."""
    words: list[str] = []
    conditions: list[Condition] = []
    for token in tokens:
        negate = token.sign == "-"
        if token.kind == "all":
            if negate:
                conditions.append(Condition("id", []))
            continue
        field = token.field
        values = list(token.values) if token.kind == "group" else [token.value]
        if token.kind == "range":
            if field not in DATE_FIELDS:
                raise SearchFailed(
                    _("Chỉ lọc được khoảng giá trị trên %(fields)s.")
                    % {"fields": ", ".join(DATE_FIELDS)}
                )
            low, high = _date_bounds(token, now)
            conditions.append(Condition(field, negate=negate, low=low, high=high, is_range=True))
            continue
        if field is None or field in TEXT_FIELDS:
            if values == ["*"]:
                if negate:
                    conditions.append(Condition("id", []))
                continue
            if len(values) > 1:
                raise SearchFailed(
                    _("Tìm văn bản chỉ nhận một cụm từ mỗi điều kiện: “%(clause)s”.")
                    % {"clause": token.text}
                )
            if field is None and allow_text and not negate:
                words.append(values[0])
            else:
                # Every word of the value must occur (diacritics-insensitive).
                conditions.append(Condition("text", values, negate=negate))
            continue
        if field in CONSTANT_FIELDS:
            holds = values == ["*"] or CONSTANT_FIELDS[field] in [v.lower() for v in values]
            if holds == negate:
                conditions.append(Condition("id", []))
            continue
        if values == ["*"]:
            # field:* — every data set has its publisher, theme, licence, name and id.
            if negate:
                conditions.append(Condition("id", []))
            continue
        if field == "year" and not all(v.isdigit() and 1 <= len(v) <= 4 for v in values):
            raise SearchFailed(_("Năm không hợp lệ: “%(clause)s”.") % {"clause": token.text})
        publisher_ids = None
        if field in ("organization", "owner_org"):
            # Unknown publishers are dropped here: the selector would look them up with a
            # NUL-prefixed code, which PostgreSQL refuses. The units found go with the
            # condition, so that the selector does not look them up again.
            known = [org for org in organizations_find(values) if org is not None]
            if not known:
                if not negate:
                    conditions.append(Condition("id", []))
                continue
            values, field = [org.name for org in known], "organization"
            publisher_ids = tuple(org.unit.pk for org in known)
        elif field == "res_format":
            values = [v.lower() for v in values]
        conditions.append(Condition(field, values, negate=negate, publisher_ids=publisher_ids))
    return words, conditions


def search_query(params: dict, *, now: datetime.datetime) -> tuple[SearchQuery, str]:
    """``package_search``'s parameters as a ``SearchQuery``, and the sort as CKAN reports it."""
    unknown = sorted(k for k in params if k not in SEARCH_PARAMETERS and not k.startswith("ext_"))
    if unknown:
        raise SearchQueryError(f"Invalid search parameters: {unknown}")
    for name in ("q", "fq", "sort"):
        if params.get(name) is not None and not isinstance(params.get(name), str):
            raise ValidationFailed(fields={name: ["Must be a string"]})
    rows = min(natural(params, "rows", ROWS_DEFAULT), ROWS_MAX)
    start = natural(params, "start", 0)
    if start > START_MAX:
        raise ValidationFailed(fields={"start": [f"Must be at most {START_MAX}"]})
    fields = string_list(params, "facet.field") or string_list(params, "facet_field")
    limit_name = "facet.limit" if "facet.limit" in params else "facet_limit"
    facet_limit = integer(params, limit_name, FACET_LIMIT_DEFAULT)
    if facet_limit < 0:
        facet_limit = 10**6
    if not boolean(params.get("facet"), default=True):
        fields = []
    for name in fields:
        if name not in selectors.FACET_FIELDS:
            raise SearchFailed(
                _("Không có nhóm “%(name)s”. Các nhóm dùng được: %(names)s.")
                % {"name": name, "names": ", ".join(selectors.FACET_FIELDS)}
            )

    q = (params.get("q") or "").strip()
    if q in ('""', "''"):
        q = ""
    words, conditions = conditions_from(tokenize(q), now=now, allow_text=True)
    filters = [params.get("fq") or ""]
    fq_list = params.get("fq_list")
    if isinstance(fq_list, str):
        try:
            fq_list = json.loads(fq_list) if fq_list.startswith("[") else [fq_list]
        except ValueError:
            raise ValidationFailed(fields={"fq_list": ["Could not parse as valid JSON"]}) from None
    if fq_list is not None:
        if not isinstance(fq_list, list) or not all(isinstance(f, str) for f in fq_list):
            raise ValidationFailed(fields={"fq_list": ["Not a list of strings"]})
        filters += fq_list
    for text in filters:
        conditions += conditions_from(tokenize(text), now=now, allow_text=False)[1]

    sort_text = params.get("sort") or DEFAULT_SORT
    if sort_text == "rank":
        sort_text = DEFAULT_SORT
    return (
        SearchQuery(
            text=" ".join(words),
            conditions=conditions,
            sort=parse_sort(sort_text),
            rows=rows,
            start=start,
            facet_fields=fields,
            facet_limit=facet_limit,
        ),
        sort_text,
    )


def parse_sort(text: str) -> list[tuple[str, bool]]:
    order = []
    for part in text.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or bits[0] not in SORT_FIELDS:
            raise SearchQueryError('Invalid "sort" parameter')
        direction = bits[1].lower() if len(bits) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise SearchQueryError('Invalid "sort" parameter')
        name = {
            "relevance": "score",
            "rank": "score",
            "views_recent": "score",
            "views_total": "score",
            "title_string": "title",
        }.get(bits[0], bits[0])
        order.append((name, direction == "desc"))
    return order


# --- addresses --------------------------------------------------------------------------------


def dataset_path(dataset: Dataset) -> str:
    """The data set's page (the catalogue's HTML view, served by the catalogue pages)."""
    return f"/du-lieu-mo/{dataset.name}/"


def release_file_path(release_file: ReleaseFile) -> str:
    release = release_file.release
    name = release.dataset.name
    version = release.version
    return f"/du-lieu-mo/{name}/phien-ban/{version}/{name}-v{version}.{release_file.format}"


def release_file_url(request, release_file: ReleaseFile) -> str:
    """The stable download address of one file of one release."""
    return request.build_absolute_uri(release_file_path(release_file))


def dataset_page_url(request, dataset: Dataset) -> str:
    return request.build_absolute_uri(dataset_path(dataset))


def api_url(request, action: str, **params: str) -> str:
    from urllib.parse import urlencode

    query = f"?{urlencode(params)}" if params else ""
    return request.build_absolute_uri(f"/api/3/action/{action}{query}")


# --- organisations, groups, tags --------------------------------------------------------------


def organization_id(org: Organization) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"organization:{org.unit.code}"))


def group_id(theme: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"group:{theme}"))


def tag_id(name: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"tag:{name}"))


def organization_find(id_or_name: str) -> Organization | None:
    """A publisher by its CKAN name, its unit code or its id."""
    return organizations_find([id_or_name])[0]


def organizations_find(ids_or_names: list[str]) -> list[Organization | None]:
    """``organization_find`` for several names, reading the publishers once."""
    found = selectors.organizations_get(ids_or_names)
    if all(org is not None for org in found):
        return found
    # Ids (uuid5 of the code) are worked out only when a value is neither a name nor a code.
    by_id = {organization_id(org): org for org in selectors.organizations()}
    return [org or by_id.get(value) for org, value in zip(found, ids_or_names, strict=True)]


def theme_find(id_or_name: str) -> str | None:
    for theme in Theme.values:
        if id_or_name in (selectors.group_name(theme), theme, group_id(theme)):
            return theme
    return None


def organization_dict(org: Organization, *, package_count: int | None = None) -> dict:
    unit = org.unit
    result = {
        "id": organization_id(org),
        "name": org.name,
        "title": org.title,
        "display_name": org.display_name,
        "description": org.title_en,
        "image_url": "",
        "image_display_url": "",
        "created": iso(getattr(unit, "created_at", None)),
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
        "num_followers": 0,
        "extras": [
            {"key": "title_en", "value": org.title_en},
            {"key": "unit_code", "value": unit.code},
        ],
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def group_dict(theme: str, *, package_count: int | None = None) -> dict:
    result = {
        "id": group_id(theme),
        "name": selectors.group_name(theme),
        "title": str(Theme(theme).label),
        "display_name": selectors.group_title(theme),
        "description": THEME_NAMES_EN[Theme(theme)],
        "image_url": "",
        "image_display_url": "",
        "created": None,
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "type": "group",
        "num_followers": 0,
        "extras": [
            {"key": "title_en", "value": THEME_NAMES_EN[Theme(theme)]},
            {
                "key": "uri",
                "value": f"http://publications.europa.eu/resource/authority/data-theme/{theme}",
            },
        ],
    }
    if package_count is not None:
        result["package_count"] = package_count
    return result


def tag_dict(name: str) -> dict:
    return {"id": tag_id(name), "name": name, "display_name": name, "vocabulary_id": None}


# --- packages and resources -------------------------------------------------------------------

FORMAT_ORDER = {fmt: n for n, fmt in enumerate(FileFormat.values)}


class _Writer:
    """What every package of one answer shares (the site's address, publishers, themes,
    licences, translated words), worked out once per request: a page of 100 packages has
    600 download addresses and 100 publishers, mostly the same few."""

    def __init__(self, base: str):
        self.base = base
        self.release_word = _("phiên bản")
        self.resource_note = _("Số liệu đã duyệt, phiên bản %(version)s.")
        self.orgs: dict[int, dict] = {}
        self.orgs_json: dict[int, tuple[str, str, str]] = {}
        self.groups: dict[str, list[dict]] = {}
        self.licences: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, request) -> _Writer:
        writer = getattr(request, "_ckan_writer", None)
        if writer is None:
            writer = cls(request.build_absolute_uri("/").rstrip("/"))
            request._ckan_writer = writer
        return writer

    def organization(self, unit) -> dict:
        if unit.pk not in self.orgs:
            self.orgs[unit.pk] = organization_dict(selectors.organization_of(unit))
        return self.orgs[unit.pk]

    def organization_json(self, unit) -> tuple[str, str, str]:
        """``"author":…``, ``"owner_org":…`` and ``"organization":…`` as JSON text."""
        if unit.pk not in self.orgs_json:
            self.orgs_json[unit.pk] = _organization_json(
                unit.pk, unit.code, unit.level, unit.name, unit.short_name,
                getattr(unit, "created_at", None), get_language(),
            )  # fmt: skip
        return self.orgs_json[unit.pk]

    def group(self, theme: str) -> list[dict]:
        if theme not in self.groups:
            self.groups[theme] = [
                {
                    "id": group_id(theme),
                    "name": selectors.group_name(theme),
                    "title": str(Theme(theme).label),
                    "display_name": selectors.group_title(theme),
                    "description": THEME_NAMES_EN[Theme(theme)],
                    "image_display_url": "",
                }
            ]
        return self.groups[theme]

    def licence(self, code: str) -> tuple[str, str]:
        if code not in self.licences:
            licence = Licence(code)
            self.licences[code] = (str(licence.label), LICENCE_URLS[licence])
        return self.licences[code]

    def file_url(self, release_file: ReleaseFile) -> str:
        return self.base + release_file_path(release_file)


@functools.lru_cache(maxsize=1024)
def _organization_json(
    pk, code, level, name, short_name, created, language
) -> tuple[str, str, str]:
    # Remembered from request to request (keyed on everything the organisation shows): a
    # page of 100 packages names up to 35 publishers.

    unit = Unit(pk=pk, code=code, level=level, name=name, short_name=short_name)
    unit.created_at = created
    org = organization_dict(selectors.organization_of(unit))
    return (
        '"author":' + orjson.dumps(org["title"]).decode(),
        '"owner_org":' + orjson.dumps(org["id"]).decode(),
        '"organization":' + orjson.dumps(org).decode(),
    )


def resource_dict(request, release_file: ReleaseFile, *, position: int | None = None) -> dict:
    return _resource_dict(_Writer.of(request), release_file, position=position)


def _resource_dict(
    writer: _Writer, release_file: ReleaseFile, *, position: int | None = None
) -> dict:
    release = release_file.release
    dataset = release.dataset
    label = release_file.format.upper()
    created = iso(release.created_at)
    return {
        "id": str(release_file.uuid),
        "package_id": str(dataset.uuid),
        "name": f"{dataset.title} — {writer.release_word} {release.version} ({label})",
        "description": writer.resource_note % {"version": release.version},
        "format": label,
        "mimetype": MIMETYPES[release_file.format],
        "url": writer.file_url(release_file),
        "size": release_file.size,
        "hash": f"sha256:{release_file.sha256}",
        "created": created,
        "last_modified": created,
        "metadata_modified": created,
        "position": FORMAT_ORDER[release_file.format] if position is None else position,
        "state": "active",
        "url_type": None,
        "resource_type": None,
        "cache_url": None,
        "datastore_active": False,
        "version": str(release.version),
        "data_as_of": iso(release.data_as_of),
        "rows": release.row_count,
        "suppressed_rows": release.suppressed_count,
    }


# --- licences, autocomplete, resource search -------------------------------------------------

# Facts about each licence as CKAN's licence register gives them (``ckan/model/license.py``):
# all three are Open Definition conformant licences for data and content.
LICENCE_FAMILIES = {
    Licence.CC_BY: "Creative Commons",
    Licence.CC_ZERO: "Creative Commons",
    Licence.ODC_BY: "Open Data Commons",
}


def licence_dict(code: str) -> dict:
    licence = Licence(code)
    return {
        "id": licence.value,
        "title": str(licence.label),
        "url": LICENCE_URLS[licence],
        "status": "active",
        "maintainer": "",
        "family": LICENCE_FAMILIES[licence],
        "od_conformance": "approved",
        "osd_conformance": "not reviewed",
        "domain_content": True,
        "domain_data": True,
        "domain_software": False,
        "is_generic": False,
        "is_okd_compliant": True,
        "is_osi_compliant": False,
    }


def autocomplete_dict(dataset: Dataset, q: str) -> dict:
    """One suggestion as CKAN's ``package_autocomplete`` gives it."""
    if dataset.name.startswith(q.lower()):
        field, shown = "name", dataset.name
    else:
        field, shown = "title", f"{dataset.title} ({dataset.name})"
    return {
        "name": dataset.name,
        "title": dataset.title,
        "match_field": field,
        "match_displayed": shown,
    }


# The resource fields ``resource_search`` matches on and orders by (CKAN's resource columns
# that resources here have).
RESOURCE_SEARCH_FIELDS = (
    "id", "package_id", "name", "description", "format", "mimetype", "url", "hash", "size",
    "created", "last_modified", "metadata_modified", "position", "state", "version",
)  # fmt: skip


def resource_terms(query) -> list[tuple[str, str]]:
    """``resource_search``'s ``query``: one ``field:term`` string or a list of them."""
    if query is None or query == "":
        return []
    items = [query] if isinstance(query, str) else query
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationFailed(fields={"query": ["Must be a string or a list of strings"]})
    terms = []
    for item in items:
        field, colon, term = item.partition(":")
        if not colon:
            raise ValidationFailed(
                fields={"query": [f'Search query "{item}" must be of the form field:term']}
            )
        if field not in RESOURCE_SEARCH_FIELDS:
            raise ValidationFailed(
                fields={"query": [f'Field "{field}" not recognised in resource_search.']}
            )
        terms.append((field, term))
    return terms


def resource_matches(resource: dict, terms: list[tuple[str, str]]) -> bool:
    """CKAN's rule: case is ignored, a term matches a substring of the field's value, except
    for ``hash`` where it matches the beginning. Here diacritics are ignored too."""
    for field, term in terms:
        value = resource.get(field)
        text = fold(str(value)) if value is not None else ""
        wanted = fold(term)
        if field == "hash":
            # "sha256:…" is how the hash is shown; the bare digest matches too.
            if not (text.startswith(wanted) or text.removeprefix("sha256:").startswith(wanted)):
                return False
        elif wanted not in text:
            return False
    return True


def _release_files(release: Release) -> list[ReleaseFile]:
    return sorted(release.files.all(), key=lambda f: FORMAT_ORDER[f.format])


def package_dict(request, dataset: Dataset) -> dict:
    """A data set as CKAN's ``package_show`` gives it. ``dataset`` comes from the selectors
    (``with_details``), so this makes no query."""
    writer = _Writer.of(request)
    package = _package_dict(writer, dataset)
    return _with_organization(package, writer.organization(dataset.publisher))


def _package_dict(writer: _Writer, dataset: Dataset) -> dict:
    """The package without its publisher (``author``, ``owner_org`` and ``organization`` are
    None): see ``_with_organization``."""
    releases = list(dataset.releases.all())  # newest first
    latest = releases[0] if releases else None
    resources = []
    if latest is not None:
        resources = [
            _resource_dict(writer, f, position=n) for n, f in enumerate(_release_files(latest))
        ]
    keywords = sorted(k.name for k in dataset.keywords.all())
    earlier = [
        {
            "version": r.version,
            "created": iso(r.created_at),
            "data_as_of": iso(r.data_as_of),
            "rows": r.row_count,
            "suppressed_rows": r.suppressed_count,
            "resources": {f.format.upper(): writer.file_url(f) for f in _release_files(r)},
        }
        for r in releases[1:]
    ]
    extras = {
        "title_en": dataset.title_en,
        "notes_en": dataset.description_en,
        "frequency": dataset.frequency,
        "frequency_uri": (
            f"http://publications.europa.eu/resource/authority/frequency/{dataset.frequency}"
        ),
        "theme": dataset.theme,
        "theme_uri": (
            f"http://publications.europa.eu/resource/authority/data-theme/{dataset.theme}"
        ),
        "temporal_start": iso(dataset.temporal_start) or "",
        "temporal_end": iso(dataset.temporal_end) or "",
        "spatial_text": dataset.spatial,
        "provinces": ", ".join(p.code for p in dataset.provinces.all()),
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "issued": iso(dataset.published_at) or "",
        "data_as_of": iso(latest.data_as_of) if latest and latest.data_as_of else "",
        "rows": str(latest.row_count) if latest else "0",
        "suppressed_rows": str(latest.suppressed_count) if latest else "0",
        "earlier_releases": json.dumps(earlier, ensure_ascii=False) if earlier else "[]",
    }
    licence_title, licence_url = writer.licence(dataset.licence)
    return {
        "id": str(dataset.uuid),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.description,
        "url": f"{writer.base}{dataset_path(dataset)}",
        "version": str(latest.version) if latest else None,
        "author": None,
        "author_email": None,
        "maintainer": dataset.contact_name,
        "maintainer_email": dataset.contact_email,
        "license_id": dataset.licence,
        "license_title": licence_title,
        "license_url": licence_url,
        "isopen": True,
        "metadata_created": iso(dataset.created_at),
        "metadata_modified": iso(dataset.updated_at),
        "state": "active",
        "type": "dataset",
        "private": False,
        "creator_user_id": None,
        "owner_org": None,
        "organization": None,
        "groups": writer.group(dataset.theme),
        "tags": [{**tag_dict(k), "state": "active"} for k in keywords],
        "num_tags": len(keywords),
        "resources": resources,
        "num_resources": len(resources),
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# --- stored packages --------------------------------------------------------------------------
# ``package_search`` and ``package_show`` serve packages written in advance (see
# ``services.packages_write``): the package is stored as JSON text per language, with a mark
# standing for the site's address (which comes from the request) and without its publisher
# (a unit, renamed by the reference-data services, not by this app). Serving one is a few
# text replacements, and the text goes into the answer as it is (``orjson.Fragment``).

# Stands for the site's address in a stored package. JSON text holds it escaped: as
# ``\u0001`` in the package's strings, as ``\\u0001`` in ``earlier_releases`` (JSON in a
# string). A package whose own text (a title…) holds the same characters is served decoded.
SITE_MARK = "\x01"
_MARK_TEXT = "\\u0001"
_MARK_TEXT_NESTED = "\\\\u0001"
_PUBLISHER_KEYS = ('"author":null', '"owner_org":null', '"organization":null')


def _with_organization(package: dict, organization: dict) -> dict:
    package["author"] = organization["title"]
    package["owner_org"] = organization["id"]
    package["organization"] = organization
    return package


def package_document(dataset: Dataset) -> PackageDocument:
    """The package to store for the active language; ``dataset`` as ``with_details`` reads
    it. Served, it is exactly what ``package_dict`` gives."""
    package = _package_dict(_Writer(SITE_MARK), dataset)
    body = orjson.dumps(package).decode()
    earlier = json.loads(
        next(e["value"] for e in package["extras"] if e["key"] == "earlier_releases")
    )
    addresses = 1 + len(package["resources"]) + sum(len(r["resources"]) for r in earlier)
    spliceable = body.count(_MARK_TEXT) == addresses and all(
        body.count(key) == 1 for key in _PUBLISHER_KEYS
    )
    return PackageDocument(body, spliceable)


def package_fragment(request, document: PackageDocument, publisher) -> orjson.Fragment | dict:
    """A stored package as the answer holds it: its JSON text with the site's address and
    the publisher put in, or (a package whose text the replacements could touch) a dict."""
    if not document.spliceable:
        return package_from_document(request, document, publisher)
    writer = _Writer.of(request)
    text = document.body.replace(_MARK_TEXT_NESTED, writer.base).replace(_MARK_TEXT, writer.base)
    author, owner, organization = writer.organization_json(publisher)
    text = (
        text.replace(_PUBLISHER_KEYS[0], author, 1)
        .replace(_PUBLISHER_KEYS[1], owner, 1)
        .replace(_PUBLISHER_KEYS[2], organization, 1)
    )
    return orjson.Fragment(text)


def package_from_document(request, document: PackageDocument, publisher) -> dict:
    """A stored package as a dict (for ``fl``, which picks keys, and unspliceable bodies)."""
    writer = _Writer.of(request)
    package = orjson.loads(document.body)
    base = writer.base

    def address(value: str) -> str:
        return base + value.removeprefix(SITE_MARK)

    package["url"] = address(package["url"])
    for resource in package["resources"]:
        resource["url"] = address(resource["url"])
    for extra in package["extras"]:
        if extra["key"] == "earlier_releases" and extra["value"] != "[]":
            earlier = json.loads(extra["value"])
            for release in earlier:
                release["resources"] = {k: address(v) for k, v in release["resources"].items()}
            extra["value"] = json.dumps(earlier, ensure_ascii=False)
    return _with_organization(package, writer.organization(publisher))
