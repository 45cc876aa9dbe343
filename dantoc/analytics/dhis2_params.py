"""DHIS2 analytics parameters the query engine does not read itself, turned into what it
does read before the query is parsed (DHIS2 2.40 Web API, "Analytics": relative periods,
user org units, UIDs):

- relative periods in ``pe`` become period ids counted from today: ``THIS_YEAR``,
  ``LAST_YEAR``, ``LAST_5_YEARS``, ``THIS_SIX_MONTH``, ``LAST_SIX_MONTH``,
  ``LAST_2_SIXMONTHS``, ``THIS_QUARTER``, ``LAST_QUARTER``, ``LAST_4_QUARTERS``,
  ``QUARTERS_THIS_YEAR``, ``QUARTERS_LAST_YEAR``, ``THIS_MONTH``, ``LAST_MONTH``,
  ``LAST_3_MONTHS``, ``LAST_6_MONTHS``, ``LAST_12_MONTHS``, ``MONTHS_THIS_YEAR``,
  ``MONTHS_LAST_YEAR``. As in DHIS2, ``LAST_n`` counts back from the period before the
  current one and never includes it;
- ``USER_ORGUNIT`` becomes the caller's unit, ``USER_ORGUNIT_CHILDREN`` its children and
  ``USER_ORGUNIT_GRANDCHILDREN`` the units two levels below it;
- a data element's or org unit's UID (``dhis2_ids``) becomes its code;
- ``dimension=co`` (category option combinations) becomes one dimension per category of
  the data elements asked for (``co_categories``); ``co_merge`` writes the answer's
  category columns back as one ``co`` column whose items are option combination codes
  (``DU_AN=DA1;NGUON_VON=TW``, the codes ``/api/categoryOptionCombos`` lists).
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from dantoc.analytics.query import LEVEL_NAMES, QueryError
from dantoc.geo.models import LEVEL_DEPTH
from dantoc.indicators.models import Indicator
from dantoc.reporting.dhis2_ids import DATA_ELEMENT, ORG_UNIT
from dantoc.reporting.dhis2_metadata import IdMaps


def _quarter(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def _months_back(today: datetime.date, count: int, *, skip: int = 1) -> list[str]:
    """``count`` months ending ``skip`` months before this one, oldest first."""
    index = today.year * 12 + today.month - 1 - skip
    return [f"{i // 12}{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _quarters_back(today: datetime.date, count: int, *, skip: int = 1) -> list[str]:
    index = today.year * 4 + (today.month - 1) // 3 - skip
    return [_quarter(i // 4, i % 4 + 1) for i in range(index - count + 1, index + 1)]


def _halves_back(today: datetime.date, count: int, *, skip: int = 1) -> list[str]:
    index = today.year * 2 + (today.month - 1) // 6 - skip
    return [f"{i // 2}S{i % 2 + 1}" for i in range(index - count + 1, index + 1)]


def relative_periods(name: str, today: datetime.date) -> list[str] | None:
    """The period ids a DHIS2 relative period stands for on ``today`` (None: not one)."""
    year = today.year
    table = {
        "THIS_YEAR": lambda: [str(year)],
        "LAST_YEAR": lambda: [str(year - 1)],
        "LAST_5_YEARS": lambda: [str(y) for y in range(year - 5, year)],
        "THIS_SIX_MONTH": lambda: _halves_back(today, 1, skip=0),
        "LAST_SIX_MONTH": lambda: _halves_back(today, 1),
        "LAST_2_SIXMONTHS": lambda: _halves_back(today, 2),
        "THIS_QUARTER": lambda: _quarters_back(today, 1, skip=0),
        "LAST_QUARTER": lambda: _quarters_back(today, 1),
        "LAST_4_QUARTERS": lambda: _quarters_back(today, 4),
        "QUARTERS_THIS_YEAR": lambda: [_quarter(year, q) for q in range(1, 5)],
        "QUARTERS_LAST_YEAR": lambda: [_quarter(year - 1, q) for q in range(1, 5)],
        "THIS_MONTH": lambda: _months_back(today, 1, skip=0),
        "LAST_MONTH": lambda: _months_back(today, 1),
        "LAST_3_MONTHS": lambda: _months_back(today, 3),
        "LAST_6_MONTHS": lambda: _months_back(today, 6),
        "LAST_12_MONTHS": lambda: _months_back(today, 12),
        "MONTHS_THIS_YEAR": lambda: [f"{year}{m:02d}" for m in range(1, 13)],
        "MONTHS_LAST_YEAR": lambda: [f"{year - 1}{m:02d}" for m in range(1, 13)],
    }
    found = table.get(name.upper())
    return found() if found else None


def _user_units(name: str, user) -> list[str] | None:
    if name not in ("USER_ORGUNIT", "USER_ORGUNIT_CHILDREN", "USER_ORGUNIT_GRANDCHILDREN"):
        return None
    unit = getattr(user, "unit", None)
    if unit is None:
        raise QueryError(_("Tài khoản này không gắn với đơn vị nào (%(name)s).") % {"name": name})
    if name == "USER_ORGUNIT":
        return [unit.code]
    if name == "USER_ORGUNIT_CHILDREN":
        return [unit.code, "CHILDREN"]
    depth = LEVEL_DEPTH.get(unit.level, 0) + 2
    level = next(
        (k for k, v in LEVEL_NAMES.items() if k.isdigit() and LEVEL_DEPTH[v] == depth), None
    )
    if level is None:
        raise QueryError(_("Đơn vị của tài khoản không có cấp cháu."))
    return [unit.code, f"LEVEL-{level}"]


def expand(texts: list[str], *, user, today: datetime.date, maps: IdMaps) -> list[str]:
    """``dimension`` or ``filter`` parameters with DHIS2's shorthands written out."""
    result = []
    for text in texts:
        name, sep, rest = (text or "").partition(":")
        if name.strip() not in ("dx", "pe", "ou") or not sep:
            result.append(text)
            continue
        items: list[str] = []
        for item in (i.strip() for i in rest.split(";")):
            if not item:
                continue
            if name.strip() == "pe":
                items += relative_periods(item, today) or [item]
            elif name.strip() == "ou":
                items += _user_units(item, user) or [maps.to_code(ORG_UNIT, "AUTO", item)]
            else:
                items.append(maps.to_code(DATA_ELEMENT, "AUTO", item))
        result.append(f"{name}:{';'.join(dict.fromkeys(items))}")
    return result


def co_categories(dimensions: list[str]) -> tuple[list[str], list[str]]:
    """``dimensions`` with ``co`` replaced by the categories of the ``dx`` items, and
    those categories (none when ``co`` is not asked for)."""
    if not any(d.strip() == "co" or d.strip().startswith("co:") for d in dimensions):
        return dimensions, []
    codes = [
        item.strip()
        for d in dimensions
        if d.strip().startswith("dx:")
        for item in d.split(":", 1)[1].split(";")
    ]
    categories = sorted(
        {
            c
            for c in Indicator.objects.filter(code__in=codes).values_list(
                "categories__code", flat=True
            )
            if c
        }
    )
    rest = [d for d in dimensions if not (d.strip() == "co" or d.strip().startswith("co:"))]
    return rest + categories, categories


def co_merge(body: dict, categories: list[str]) -> dict:
    """An analytics answer (``result_json``) with the category columns in ``categories``
    written as one ``co`` column."""
    if not categories:
        return body
    names = [h["name"] for h in body["headers"]]
    positions = [names.index(c) for c in categories if c in names]
    if not positions:
        return body
    first = min(positions)
    headers = [h for n, h in enumerate(body["headers"]) if n not in positions]
    headers.insert(
        first, {**body["headers"][first], "name": "co", "column": "Category option combo"}
    )
    rows, combos = [], {}
    for row in body["rows"]:
        key = ";".join(f"{names[p]}={row[p]}" for p in sorted(positions, key=lambda p: names[p]))
        combos.setdefault(key, None)
        kept = [cell for n, cell in enumerate(row) if n not in positions]
        kept.insert(first, key)
        rows.append(kept)
    meta = body["metaData"]
    items = meta["items"]
    for key in combos:
        items[key] = {
            "name": ", ".join(
                items.get(part.split("=", 1)[1], {}).get("name", part) for part in key.split(";")
            )
        }
    dimensions = {k: v for k, v in meta["dimensions"].items() if k not in categories}
    dimensions["co"] = list(combos)
    meta["dimensions"] = dimensions
    return {
        **body,
        "headers": headers,
        "rows": rows,
        "width": len(headers),
        "headerWidth": len(headers),
    }
