"""Turning a data set's definition into release files: figures, suppression, CSV/JSON/XLSX.

Figures come from the analytics engine (``analytics_run``), approved values only, one
indicator × one period at a time so that memory stays bounded whatever the data set's size.
Rows are written to a CSV file on disk as they come; the JSON and XLSX files are then written
from that CSV, row by row. Nothing holds a whole release in memory.

Every count of an integer indicator disaggregated by a sensitive category (ethnic group:
sensitive personal data under the 2025 Personal Data Protection Law), whether a data set shows
it by group or in total, is protected by the cell key method (``protection``): a bounded
noise, the same wherever the same contributing records make a cell (any release, any data
set, any level), and a perturbed count below the threshold is not published (``flag`` =
``suppressed``). The records of a cell are read at the communes under the data set's units
(one extra analytics read per indicator × period of a protected indicator).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import orjson
from django.conf import settings
from django.utils import timezone, translation
from openpyxl import Workbook

from dantoc.analytics.models import ComputedIndicator
from dantoc.analytics.query import (
    AnalyticsRequest,
    analytics_run,
    nominal_window,
    plan_periods,
    units_resolve,
)
from dantoc.core.csvfiles import csv_writer, row_restore, xlsx_row
from dantoc.geo.models import UnitLevel
from dantoc.indicators.models import Indicator, ValueType
from dantoc.opendata import protection
from dantoc.opendata.protection import SUPPRESSED
from dantoc.reporting.models import Period

# Which method protects a release's counts (``Release.protection``); "" before it existed.
PROTECTION_METHOD = "cell-key-1"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included


@dataclass
class Figures:
    """What a release holds, before it is written to files."""

    columns: list[str]
    categories: list[str]
    row_count: int = 0
    suppressed_count: int = 0
    data_as_of: datetime.datetime | None = None


@dataclass
class BuiltFiles:
    figures: Figures
    paths: dict[str, str] = field(default_factory=dict)  # format → temporary file
    checksum: str = ""

    def remove(self) -> None:
        for path in self.paths.values():
            if os.path.exists(path):
                os.unlink(path)


def columns_for(categories: list[str]) -> list[str]:
    cols = ["indicator", "indicator_name", "period", "period_name", "unit_code", "unit_name"]
    for code in categories:
        cols += [code, f"{code}_name"]
    return [*cols, "value", "unit_of_measure", "flag"]


def sensitive_categories() -> set[str]:
    return set(settings.OPENDATA_SENSITIVE_CATEGORIES)


def _number_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def dataset_units(spec: list[str], as_of: datetime.date):
    """The units of a data set: the units named, then those that LEVEL-…/CHILDREN add under
    them. (Unlike an analytics query, where ``08;LEVEL-commune`` means the communes only, a
    data set of a province and its communes holds the province's own figures too.)"""
    named = [u for u in spec if not u.startswith("LEVEL-") and u != "CHILDREN"]
    units = units_resolve(named, as_of) if named else []
    if len(named) < len(spec):
        seen = {o.unit.pk for o in units}
        units += [o for o in units_resolve(list(spec), as_of) if o.unit.pk not in seen]
    return units


def figure_rows(dataset, figures: Figures) -> Iterator[list[str]]:
    """The data set's rows, as text, in a stable order (indicator, period, unit, options)."""
    today = timezone.localdate()
    units = dataset_units(list(dataset.units), today)
    unit_codes = [o.unit.code for o in units]
    unit_order = {o.unit.code: n for n, o in enumerate(units)}
    table = protection.current_table()
    leaves = None
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(code__in=dataset.indicators).prefetch_related(
            "categories"
        )
    }
    computed = {c.code: c for c in ComputedIndicator.objects.filter(code__in=dataset.indicators)}
    for code in dataset.indicators:
        indicator = indicators.get(code)
        own = {c.code for c in indicator.categories.all()} if indicator else set()
        cats = [c for c in figures.categories if c in own]
        uom = indicator.unit_of_measure if indicator else computed[code].unit_of_measure
        protect = protected_indicator(indicator)
        if protect and leaves is None:
            leaves = _leaf_units(units)
        for period in dataset.periods:
            result = analytics_run(
                AnalyticsRequest(
                    dx=[code],
                    pe=[period],
                    ou=unit_codes,
                    categories={c: [] for c in cats},
                    hierarchy_date=today,
                )
            )
            if result.data_as_of and (
                figures.data_as_of is None or result.data_as_of > figures.data_as_of
            ):
                figures.data_as_of = result.data_as_of
            option_order = {
                c: {o: n for n, o in enumerate(result.dimension_items[c])} for c in cats
            }
            rows = sorted(
                result.rows,
                key=lambda r: (
                    unit_order.get(r.keys["ou"], 0),
                    *(option_order[c][r.keys[c]] for c in cats),
                ),
            )
            keys = cell_keys(indicator, period, units, leaves, cats) if protect else {}
            names = result.items
            for row in rows:
                line = [code, names.get(code, code), period, names.get(period, period)]
                line += [row.keys["ou"], names.get(row.keys["ou"], "")]
                for c in figures.categories:
                    option = row.keys.get(c, "")
                    label = names.get(f"{c}={option}", names.get(option, "")) if option else ""
                    line += [option, label]
                if protect:
                    cell = (row.keys["ou"], *(row.keys[c] for c in cats))
                    key, explained = keys.get(cell, (0, Decimal(0)))
                    if explained != row.value:
                        key += protection.residual_key(
                            f"{code}|{period}|{'|'.join(cell)}", row.value - explained
                        )
                    shown = protection.protect(row.value, key, table)
                    line += [shown.text, uom, shown.flag]
                    figures.suppressed_count += shown.flag == SUPPRESSED
                else:
                    line += [_number_text(row.value), uom, ""]
                figures.row_count += 1
                yield line


def protected_indicator(indicator: Indicator | None) -> bool:
    """Whether every count of this indicator is protected: an integer indicator with a
    sensitive category (its totals add up its groups' counts, so they are protected too)."""
    if indicator is None or indicator.value_type != ValueType.INTEGER:
        return False
    return bool(sensitive_categories() & {c.code for c in indicator.categories.all()})


def _leaf_units(units) -> list:
    """The communes under the data set's units (and its communes): where records are read."""
    communes = [o for o in units if o.unit.level == UnitLevel.COMMUNE]
    above = [o.unit.code for o in units if o.unit.level != UnitLevel.COMMUNE]
    found = {o.unit.pk: o for o in communes}
    if above:
        for o in units_resolve([*above, "LEVEL-commune"], timezone.localdate()):
            found.setdefault(o.unit.pk, o)
    return list(found.values())


def _source_periods(indicator: Indicator, period: str) -> list[str]:
    """The reported periods the engine makes a figure over ``period`` of (records carry their
    reported period, so that a year's cell key is its semesters' keys added up)."""
    plans = plan_periods([nominal_window(period)], {indicator.pk: indicator})
    ids = list(plans[period].sources.get(indicator.pk, {}))
    return sorted(Period.objects.filter(pk__in=ids).values_list("code", flat=True)) or [period]


def cell_keys(indicator: Indicator, period: str, units, leaves, cats: list[str]):
    """(unit code, *options of ``cats``) → (cell key, value the records add up to), from the
    records of the communes under the data set's units."""
    all_cats = sorted(c.code for c in indicator.categories.all())
    result = analytics_run(
        AnalyticsRequest(
            dx=[indicator.code],
            pe=_source_periods(indicator, period),
            ou=[o.unit.code for o in leaves],
            categories={c: [] for c in all_cats},
            hierarchy_date=timezone.localdate(),
        )
    )
    by_path = {o.unit.path: o.unit.code for o in units}
    leaf_path = {o.unit.code: o.unit.path for o in leaves}
    covering: dict[str, list[str]] = {}
    keys: dict[tuple, int] = defaultdict(int)
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    record_key = protection.record_keyer()
    for row in result.rows:
        if row.value <= 0:
            continue  # a zero is not a contributor
        ou = row.keys["ou"]
        inside = covering.get(ou)
        if inside is None:
            path = leaf_path[ou]
            parts = path.strip("/").split("/")
            inside = covering[ou] = [
                by_path[p]
                for p in ("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
                if p in by_path
            ]
        options = ";".join(f"{c}={row.keys[c]}" for c in all_cats)
        key = record_key(indicator.code, row.keys["pe"], ou, options)
        shown = tuple(row.keys[c] for c in cats)
        for unit_code in inside:
            keys[(unit_code, *shown)] += key
            sums[(unit_code, *shown)] += row.value
    return {cell: (keys[cell], sums[cell]) for cell in keys}


def files_build(dataset, *, workdir: str | None = None) -> BuiltFiles:
    """Write the data set's current figures to temporary CSV, JSON and XLSX files."""
    categories = list(dataset.categories)
    figures = Figures(columns=columns_for(categories), categories=categories)
    built = BuiltFiles(figures=figures)
    try:
        with translation.override("vi"):
            lines = figure_rows(dataset, figures)
            built.paths["csv"], built.checksum = write_csv(figures.columns, lines, workdir)
        built.paths["json"] = write_json(dataset.name, figures.columns, built.paths["csv"], workdir)
        built.paths["xlsx"] = write_xlsx(figures.columns, built.paths["csv"], workdir)
    except BaseException:
        built.remove()
        raise
    return built


def _temp(suffix: str, workdir: str | None) -> tuple[int, str]:
    return tempfile.mkstemp(prefix="opendata-", suffix=suffix, dir=workdir)


def write_csv(columns: list[str], lines: Iterator[list[str]], workdir=None) -> tuple[str, str]:
    """Write rows to a temporary CSV file as they come; return its path and SHA-256."""
    fd, path = _temp(".csv", workdir)
    digest = hashlib.sha256()
    with os.fdopen(fd, "wb") as out:
        buffer = io.StringIO()
        writer = csv_writer(buffer, lineterminator="\r\n")

        def flush() -> None:
            data = buffer.getvalue().encode("utf-8")
            digest.update(data)
            out.write(data)
            buffer.seek(0)
            buffer.truncate()

        writer.writerow(columns)
        for n, line in enumerate(lines, start=1):
            writer.writerow(line)
            if n % 5000 == 0:
                flush()
        flush()
    return path, digest.hexdigest()


def _csv_lines(path: str) -> Iterator[list[str]]:
    """The CSV file's rows with the text as it was (without the formula-injection quote)."""
    with open(path, encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        for line in reader:
            yield row_restore(line)


def write_json(name: str, columns: list[str], csv_path: str, workdir=None) -> str:
    """A JSON document of fields and records, the shape of CKAN's DataStore answers."""
    fd, path = _temp(".json", workdir)
    with os.fdopen(fd, "wb") as out:
        fields = [{"id": c, "type": "numeric" if c == "value" else "text"} for c in columns]
        head = {"dataset": name, "fields": fields}
        out.write(orjson.dumps(head)[:-1] + b',"records":[')
        for n, line in enumerate(_csv_lines(csv_path)):
            record = dict(zip(columns, line, strict=True))
            number = record.pop("value")
            body = orjson.dumps(record)
            # The figure goes in as a JSON number written from its decimal text (no float).
            value = number.encode() if number else b"null"
            out.write(
                (b"," if n else b"") + body[:-1] + b',"value":' + value + b"}",
            )
        out.write(b"]}")
    return path


def write_xlsx(columns: list[str], csv_path: str, workdir=None) -> str:
    fd, path = _temp(".xlsx", workdir)
    os.close(fd)
    book = Workbook(write_only=True)
    value_at = columns.index("value")
    sheet = None
    count = 0
    for line in _csv_lines(csv_path):
        if sheet is None or count >= XLSX_MAX_ROWS - 1:
            sheet = book.create_sheet(f"data{len(book.worksheets) + 1}")
            sheet.append(columns)
            count = 0
        if line[value_at]:
            line[value_at] = Decimal(line[value_at])
        sheet.append(xlsx_row(sheet, line))
        count += 1
    if sheet is None:
        book.create_sheet("data1").append(columns)
    book.save(path)
    return path
