from __future__ import annotations

import datetime

from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import exception_handler as drf_exception_handler

from dantoc.core.dates import parse_date


def exception_handler(exc, context):
    """DRF's handler; anything it does not know becomes a plain 500 without internals."""
    return drf_exception_handler(exc, context)


def parse_as_of(value: str | None) -> datetime.date | None:
    """Parse the ``as_of`` query parameter (YYYY-MM-DD or dd/mm/yyyy)."""
    if value in (None, ""):
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

    def get_offset(self, request):
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise serializers.ValidationError(
                {"offset": f"offset phải nhỏ hơn {self.max_offset:,}".replace(",", ".")}
            )
        return offset
