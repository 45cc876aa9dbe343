"""Template words for reporting values: ``{{ period|period_label }}``."""

from __future__ import annotations

from django import template

from dantoc.reporting.periods import period_label as _period_label

register = template.Library()


@register.filter
def period_label(period) -> str:
    return _period_label(period) if period else ""
