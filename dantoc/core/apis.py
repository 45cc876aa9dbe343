from __future__ import annotations

import datetime

from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import LimitOffsetPagination

from dantoc.core.dates import parse_date

# Paths answered by the APIs (and the OAuth2 endpoints): their errors are never HTML pages.
API_PREFIXES = ("/api/", "/token")


def exception_handler(exc, context):
    """DRF's handler; anything it does not know becomes a plain 500 without internals."""
    # Imported here: loading rest_framework.views reads DEFAULT_CONTENT_NEGOTIATION_CLASS,
    # which is this module's ContentNegotiation; imported at the top, whichever of the two
    # loads first (it depends on the order Django runs its system checks) found the other
    # half-made ("partially initialized module 'dantoc.core.apis'").
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


def _view_class(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)


def api_error(request, status: int, message: str) -> HttpResponse | None:
    """The error answer of the API that ``request`` addressed, for errors raised before (or
    outside) its view: a NUL in the request, an address no route matches, a server error.
    An API view with its own error body (DHIS2 web message, CKAN error, OAuth2 error, DCAT's
    plain text) gives it through ``error_response``; other API paths answer DRF's
    ``{"detail": …}``. None for a page: the caller renders HTML."""
    own = getattr(_view_class(request.path_info), "error_response", None)
    if own is not None:
        return own(status, message)
    if is_api_path(request.path_info):
        return JsonResponse(
            {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return None


class OwnErrorBody:
    """For an APIView whose errors have a shape of their own: what DRF raises (not signed in,
    no permission, a body that does not parse, an unsupported media type) is answered with
    ``error_response(status, message)``, with DRF's headers (WWW-Authenticate, Retry-After).
    ``error_serializer`` documents that body in the schema (see dantoc.core.schema)."""

    error_serializer: type[serializers.Serializer]

    @staticmethod
    def error_response(status: int, message: str) -> HttpResponse:  # pragma: no cover
        raise NotImplementedError

    def handle_exception(self, exc):
        response = super().handle_exception(exc)  # DRF's (Http404 and Django's too)
        data = getattr(response, "data", None)
        if data is None:
            return response
        message = data.get("detail", data) if isinstance(data, dict) else data
        if isinstance(message, (list, dict)):
            message = " ".join(str(m) for m in _flatten(message))
        own = self.error_response(response.status_code, str(message))
        for header in ("WWW-Authenticate", "Retry-After", "Allow"):
            if header in response:
                own[header] = response[header]
        return own


def _flatten(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def parse_as_of(value: str | None) -> datetime.date | None:
    """Parse the ``as_of`` query parameter (YYYY-MM-DD or dd/mm/yyyy); absent is None, an
    empty or wrong value a 400."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError:
        pass
    raise serializers.ValidationError(
        {"as_of": f"Ngày không hợp lệ {value!r}; dùng dạng YYYY-MM-DD (ví dụ 2025-06-30)."}
    )


class Pagination(LimitOffsetPagination):
    """limit/offset paging with bounds, so an absurd ``offset`` is a 400, not a database error
    (SQLite and PostgreSQL refuse integers past 64 bits)."""

    default_limit = 100
    max_limit = 1000
    max_offset = 10**9

    def get_limit(self, request):
        self._check_integer(request, self.limit_query_param, minimum=1)
        return super().get_limit(request)

    def get_offset(self, request):
        self._check_integer(request, self.offset_query_param, minimum=0)
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise serializers.ValidationError(
                {"offset": f"offset phải nhỏ hơn {self.max_offset:,}".replace(",", ".")}
            )
        return offset

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1},
            self.offset_query_param: {"minimum": 0, "maximum": self.max_offset},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters

    @staticmethod
    def _check_integer(request, name: str, *, minimum: int) -> None:
        """A 400 for ``limit=abc`` or ``offset=-1``, which DRF would quietly replace with the
        default: the client asked for something else than it gets."""
        values = request.query_params.getlist(name)
        for value in values:
            if not (value.isascii() and value.isdigit()) or int(value) < minimum:
                raise serializers.ValidationError(
                    {name: f"{name} phải là số nguyên ≥ {minimum} / must be an integer ≥ {minimum}"}
                )


TRUE_WORDS = {"1", "true", "yes"}
FALSE_WORDS = {"0", "false", "no"}


def query_flag(request, name: str) -> bool:
    """A boolean query parameter: absent is False; 1/true/yes or 0/false/no (any case);
    anything else a 400, so that ``unread=maybe`` is not read as "no"."""
    values = request.query_params.getlist(name)
    if not values:
        return False
    words = {value.strip().lower() for value in values}
    if len(words) == 1 and words <= TRUE_WORDS | FALSE_WORDS:
        return words <= TRUE_WORDS
    raise serializers.ValidationError({name: f"{name}: true hoặc false / true or false"})


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's, except that an unknown ``?format=`` is ignored (the view's formats are offered
    as if none was named) rather than being a 404: the query string names no resource. (No
    route here takes a format suffix.)"""

    def filter_renderers(self, renderers, format):
        return [r for r in renderers if r.format == format] or list(renderers)


class StrictCharField(serializers.CharField):
    """A text field of a request body that refuses a number or a boolean (DRF's CharField
    turns ``0`` into ``"0"``): the schema says string, and a client sending a number has
    made a mistake worth telling."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
