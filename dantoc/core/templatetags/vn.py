"""Vietnamese formatting: dates dd/mm/yyyy, numbers 1.234.567,5."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def vndate(value) -> str:
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return ""


def format_number_vi(number: Decimal) -> str:
    """1234567.5 → "1.234.567,5": grouping points, decimal comma, no trailing zeros."""
    normalized = Decimal(number).normalize()
    sign, _digits, exponent = normalized.as_tuple()
    decimals = max(0, -exponent)
    text = f"{abs(normalized):,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"-{text}" if sign else text


@register.filter
def vnnumber(value, decimals: int = 0) -> str:
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    text = f"{number:,.{int(decimals)}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@register.filter
def vnfigure(value, decimals=None) -> str:
    """A figure the Vietnamese way: with ``decimals`` rounded to that many places, without
    it as exact as stored but with no trailing zeros (1234567.5 → "1.234.567,5")."""
    if value in (None, ""):
        return ""
    if decimals not in (None, ""):
        return vnnumber(value, decimals)
    return format_number_vi(Decimal(str(value)))


@register.filter
def language_dir(code: str) -> str:
    """``ltr`` or ``rtl`` for a content language code (dantoc.core.languages)."""
    from dantoc.core.languages import BY_CODE

    language = BY_CODE.get(str(code))
    return language.direction if language else "ltr"
