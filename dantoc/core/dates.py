"""Dates as people and machines write them here: ISO (2025-06-30) or Vietnamese (30/06/2025)."""

from __future__ import annotations

import datetime

FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def parse_date(value: str) -> datetime.date:
    """The date written in ``value``; ValueError (naming it) when it is neither form."""
    for fmt in FORMATS:
        try:
            return datetime.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(value)
