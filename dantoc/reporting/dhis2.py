"""DHIS2 ``dataValueSets`` formats: reading JSON and CSV payloads, writing them back, and the
import summary DHIS2 clients expect.

What was followed, so that a DHIS2 client works against us unchanged:

- DHIS2 developer manual, Web API, "Data values" (``dhis2-docs``
  ``src/developer/web-api/data.md``): the JSON data value set (``dataSet``, ``completeDate``,
  ``period``, ``orgUnit``, ``attributeOptionCombo``, ``dataValues[]`` with ``dataElement``,
  ``period``, ``orgUnit``, ``categoryOptionCombo``, ``attributeOptionCombo``, ``value``,
  ``comment``), the "sending bulks of data values" variant where period and org unit sit on
  each value, the CSV column order (data element, period, org unit, category option combo,
  attribute option combo, value, stored by, last updated, comment, follow-up, deleted) and
  the import parameters ``dryRun``, ``importStrategy`` and ``idScheme``.
- ``dhis2-core`` ``ImportSummary``/``ImportCount``/``ImportConflict``: the JSON field names
  (``responseType``, ``status``, ``importOptions``, ``description``, ``importCount{imported,
  updated, ignored, deleted}``, ``conflicts[{object, objects, value, errorCode, property,
  indexes}]``, ``rejectedIndexes``, ``dataSetComplete`` as the string ``"false"``), with
  conflicts of the same kind about the same object merged into one conflict listing every
  row index it concerns.
- ``dhis2-core`` ``DataValueImportConflict``/``DataValueSetImportConflict`` and ``ErrorCode``:
  the E76xx codes and the property each one names (E7610 dataElement, E7611 period, E7612
  orgUnit, E7613 categoryOptionCombo, E7617 orgUnit outside the user's hierarchy, E7619
  value, E7633 data element not in the data set, E7640/E7643 period closed, E7642 already
  approved, E7600/E7603 for the payload's data set and org unit, which abort the import).
- ``dhis2-core`` ``WebMessageUtils.importSummary``: the answer wraps the summary in a web
  message; HTTP 409 with status ``WARNING`` when there are conflicts, 409 with ``ERROR`` when
  the import was aborted, 200 ``OK`` otherwise.

Identifiers are codes (DHIS2's ``idScheme=CODE``): data set = form code, org unit = unit
code, data element = indicator code. A category option combo is our canonical options key
("DU_AN=DA1;LOAI_VON=DTPT;NGUON_VON=TW", any order accepted, empty or ``default`` for none);
a value's options are the union of its category and attribute option combos.
"""

from __future__ import annotations

import csv
import gc
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.utils.translation import gettext as _

from dantoc.core.csvfiles import cell_restore, csv_writer

# One raw value of a payload, in the order the fields appear in DHIS2's CSV:
# (index, dataElement, period, orgUnit, categoryOptionCombo, attributeOptionCombo, value,
#  comment, deleted). ``index`` is the value's position in the payload (0-based, the header
# row of a CSV file not counted), which conflicts report in ``indexes``. Plain tuples: a
# payload may hold a million of them.
RawRow = tuple[int, str, str, str, str, str, Any, "str | None", bool]

CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
]
# First cells that say a CSV row is a header (DHIS2 has used several spellings).
_CSV_HEADER_FIRST = {"dataelement", "data_element", "de", "dataelementid"}
_TRUE = {"true", "1", "t", "yes"}

# ImportSummary statuses and import strategies, as DHIS2 spells them.
SUCCESS, WARNING, ERROR = "SUCCESS", "WARNING", "ERROR"
STRATEGIES = ("CREATE_AND_UPDATE", "CREATE", "UPDATE", "DELETE")


@contextmanager
def gc_paused():
    """The cyclic garbage collector held off: reading and importing a million values makes
    millions of tuples, none in a cycle, and each collection would walk all of them (10 to
    50 % of the reading time). Reference counting frees them as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class PayloadError(ValueError):
    """A payload that cannot be read at all; the message says why, for the sender."""


@dataclass
class DataValueSet:
    data_set: str = ""
    complete_date: str = ""
    period: str = ""
    org_unit: str = ""
    attribute_option_combo: str = ""
    rows: list[RawRow] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (dict, list)):
        raise PayloadError(
            _("Mã phải là chuỗi, không phải %(type)s.") % {"type": type(value).__name__}
        )
    return str(value).strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in _TRUE


def parse_json(body: bytes | str, *, defaults: dict[str, str] | None = None) -> DataValueSet:
    """Read a JSON data value set. ``defaults`` (from query parameters: dataSet, period,
    orgUnit, attributeOptionCombo) fill what the payload's header leaves out; a value's own
    period, orgUnit and attributeOptionCombo win over the header."""
    with gc_paused():
        return _parse_json(body, defaults or {})


def _parse_json(body: bytes | str, defaults: dict[str, str]) -> DataValueSet:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(_("JSON không hợp lệ: %(error)s") % {"error": exc}) from None
    if not isinstance(document, dict):
        raise PayloadError(_('JSON phải là một đối tượng có khoá "dataValues".'))
    values = document.get("dataValues", [])
    if not isinstance(values, list):
        raise PayloadError(_('"dataValues" phải là một mảng.'))
    result = DataValueSet(
        data_set=_text(document.get("dataSet")) or defaults.get("dataSet", ""),
        complete_date=_text(document.get("completeDate")),
        period=_text(document.get("period")) or defaults.get("period", ""),
        org_unit=_text(document.get("orgUnit")) or defaults.get("orgUnit", ""),
        attribute_option_combo=_text(document.get("attributeOptionCombo"))
        or defaults.get("attributeOptionCombo", ""),
    )
    period, org_unit, aoc = result.period, result.org_unit, result.attribute_option_combo
    # The same loop as a streamed body's blocks (``_item_rows``).
    result.rows = list(_item_rows(values, 0, period, org_unit, aoc))
    return result


# --- streamed reading of large payloads ----------------------------------------------------

STREAM_THRESHOLD = 50 * 1024 * 1024  # bodies above this are read as a stream
_BLOCK = 4 * 1024 * 1024  # bytes read at a time
_TAIL = 64 * 1024  # where header keys after "dataValues" are looked for
_WS = b" \t\r\n"
_DATA_VALUES = re.compile(rb'"dataValues"\s*:\s*\[')


class StreamedRows:
    """The rows of a payload kept in a file, read again at each iteration (a retried import
    reads them once more) in blocks, so that memory holds one block of values at a time, not
    the body. Iterating raises ``PayloadError`` where the file stops being readable."""

    def __init__(self, reader, file) -> None:
        self._reader = reader
        self._file = file

    def __iter__(self):
        self._file.seek(0)
        return self._reader(self._file)


def _item_rows(items: list, start: int, period: str, org_unit: str, aoc: str):
    """Rows of a batch of ``dataValues`` items (the loop of ``parse_json``)."""
    str_ = str
    for offset, item in enumerate(items):
        index = start + offset
        if type(item) is not dict:
            raise PayloadError(
                _('Phần tử %(index)d của "dataValues" không phải là một đối tượng.')
                % {"index": index}
            )
        get = item.get
        # Fast path for the common shape (strings everywhere); anything else goes through
        # _text so that numbers used as codes ("period": 2026) are read as text.
        de, pe, ou, coc = (
            get("dataElement"),
            get("period"),
            get("orgUnit"),
            get("categoryOptionCombo"),
        )
        row_aoc, comment, deleted = get("attributeOptionCombo"), get("comment"), get("deleted")
        yield (
            index,
            de.strip() if type(de) is str_ else _text(de),
            (pe.strip() if type(pe) is str_ else _text(pe)) or period,
            (ou.strip() if type(ou) is str_ else _text(ou)) or org_unit,
            coc.strip() if type(coc) is str_ else _text(coc),
            (row_aoc.strip() if type(row_aoc) is str_ else _text(row_aoc)) or aoc,
            get("value"),
            comment if comment is None or type(comment) is str_ else str_(comment),
            deleted is True or (deleted is not None and _flag(deleted)),
        )


def _header_object(fragment: bytes) -> dict | None:
    """``fragment`` (header keys, with a comma at one end) as a JSON object, or None."""
    fragment = fragment.strip(_WS).strip(b",")
    try:
        document = orjson.loads(b"{" + fragment + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict) or "dataValues" in document:
        return None
    return document


def _json_layout(file, size: int):
    """Where the ``dataValues`` array starts and ends and the header around it, for a body
    shaped as DHIS2 sends it (an object with one ``dataValues`` array of flat objects); None
    when the body is not recognisably so (it is then read whole, which finds the error)."""
    file.seek(0)
    head = file.read(min(size, _TAIL))
    match = _DATA_VALUES.search(head)
    if match is None or not head.lstrip(_WS).startswith(b"{"):
        return None
    opening = len(head) - len(head.lstrip(_WS))  # the "{"
    before = _header_object(head[opening + 1 : match.start()])
    if before is None:
        return None
    tail_start = max(0, size - _TAIL)
    file.seek(tail_start)
    tail = file.read()
    end = tail.rstrip(_WS)
    if not end.endswith(b"}"):
        return None
    end = end[:-1]
    # The array's closing bracket: the last "]" after which the rest is header keys.
    position = len(end)
    while True:
        position = end.rfind(b"]", 0, position)
        if position < 0:
            return None
        rest = end[position + 1 :]
        after = _header_object(rest)
        if after is not None and (not rest.strip(_WS) or rest.lstrip(_WS).startswith(b",")):
            break
    array_end = tail_start + position  # offset of "]"
    if array_end < match.end():
        return None
    return match.end(), array_end, {**before, **after}


def _json_batches(file, start: int, stop: int):
    """The items of the array between byte offsets ``start`` and ``stop``, a list per block:
    a block is cut after a "}" followed by "," and parsed with the items before it; a cut
    that fell inside a string makes the block unparsable and it is joined with the next."""
    file.seek(start)
    remaining = stop - start
    pending = b""
    while remaining > 0 or pending:
        block = file.read(min(_BLOCK, remaining)) if remaining > 0 else b""
        remaining -= len(block)
        data = pending + block
        if remaining > 0:
            cut = data.rfind(b"},")
            if cut < 0:
                pending = data
                continue
            piece, pending = data[: cut + 1], data[cut + 2 :]
        else:
            piece, pending = data, b""
        piece = piece.strip(_WS).lstrip(b",")
        if not piece.strip(_WS):
            continue
        try:
            items = orjson.loads(b"[" + piece + b"]")
        except orjson.JSONDecodeError as exc:
            if remaining > 0:
                pending = piece + b"," + pending  # a cut inside a string: read on
                continue
            raise PayloadError(_("JSON không hợp lệ: %(error)s") % {"error": exc}) from None
        yield items


def read_json_file(file, *, size: int, defaults: dict[str, str] | None = None) -> DataValueSet:
    """``parse_json`` for a body kept in ``file``: above ``STREAM_THRESHOLD`` the values are
    read as a stream (``rows`` is a ``StreamedRows``), below it as ``parse_json`` does."""
    defaults = defaults or {}
    layout = _json_layout(file, size) if size > STREAM_THRESHOLD else None
    if layout is None:
        file.seek(0)
        return parse_json(file.read(), defaults=defaults)
    start, stop, document = layout
    result = DataValueSet(
        data_set=_text(document.get("dataSet")) or defaults.get("dataSet", ""),
        complete_date=_text(document.get("completeDate")),
        period=_text(document.get("period")) or defaults.get("period", ""),
        org_unit=_text(document.get("orgUnit")) or defaults.get("orgUnit", ""),
        attribute_option_combo=_text(document.get("attributeOptionCombo"))
        or defaults.get("attributeOptionCombo", ""),
    )
    period, org_unit, aoc = result.period, result.org_unit, result.attribute_option_combo

    def reader(stream):
        index = 0
        for items in _json_batches(stream, start, stop):
            yield from _item_rows(items, index, period, org_unit, aoc)
            index += len(items)

    result.rows = StreamedRows(reader, file)
    return result


def read_csv_file(file, *, size: int, defaults: dict[str, str] | None = None) -> DataValueSet:
    """``parse_csv`` for a body kept in ``file``: above ``STREAM_THRESHOLD`` the rows are
    read as a stream (``rows`` is a ``StreamedRows``), below it as ``parse_csv`` does."""
    if size <= STREAM_THRESHOLD:
        file.seek(0)
        return parse_csv(file.read(), defaults=defaults)
    defaults = defaults or {}
    result = DataValueSet(
        data_set=defaults.get("dataSet", ""),
        period=defaults.get("period", ""),
        org_unit=defaults.get("orgUnit", ""),
        attribute_option_combo=defaults.get("attributeOptionCombo", ""),
    )
    period, org_unit, aoc = result.period, result.org_unit, result.attribute_option_combo

    def reader(stream):
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from _csv_rows(csv.reader(text, strict=True), period, org_unit, aoc)
        except UnicodeDecodeError as exc:
            raise PayloadError(
                _("Tệp CSV phải mã hoá UTF-8 (lỗi ở byte %(pos)d).") % {"pos": exc.start}
            ) from None
        finally:
            text.detach()  # the file stays open for a retry

    result.rows = StreamedRows(reader, file)
    return result


def _csv_rows(reader, period: str, org_unit: str, aoc: str):
    index = 0
    try:
        for line_number, record in enumerate(reader):
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            if line_number == 0 and record[0].strip().lower() in _CSV_HEADER_FIRST:
                continue
            if len(record) < 11:
                record = record + [""] * (11 - len(record))
            if any("\x00" in cell for cell in record):
                raise PayloadError(_("Tệp CSV chứa ký tự NUL."))
            value = record[5]
            comment = record[8]
            # Our CSV export quote-prefixes text that a spreadsheet would run as a formula.
            if value[:1] == "'":
                value = cell_restore(value)
            if comment[:1] == "'":
                comment = cell_restore(comment)
            yield (
                index,
                record[0].strip(),
                record[1].strip() or period,
                record[2].strip() or org_unit,
                record[3].strip(),
                record[4].strip() or aoc,
                value if value != "" else None,
                comment,
                _flag(record[10]),
            )
            index += 1
    except csv.Error as exc:
        raise PayloadError(
            _("CSV không hợp lệ ở dòng %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None


def parse_csv(body: bytes | str, *, defaults: dict[str, str] | None = None) -> DataValueSet:
    """Read DHIS2 CSV (columns by position, see ``CSV_COLUMNS``). A first row whose first
    cell is a column name is a header and is skipped; without one every row is data.
    The data set is not part of DHIS2 CSV: it comes from ``defaults`` (the query)."""
    defaults = defaults or {}
    if isinstance(body, bytes):
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PayloadError(
                _("Tệp CSV phải mã hoá UTF-8 (lỗi ở byte %(pos)d).") % {"pos": exc.start}
            ) from None
    else:
        text = body
    if "\x00" in text:
        raise PayloadError(_("Tệp CSV chứa ký tự NUL."))
    result = DataValueSet(
        data_set=defaults.get("dataSet", ""),
        period=defaults.get("period", ""),
        org_unit=defaults.get("orgUnit", ""),
        attribute_option_combo=defaults.get("attributeOptionCombo", ""),
    )
    period, org_unit, aoc = result.period, result.org_unit, result.attribute_option_combo
    # The same rows as a streamed body gives (``read_csv_file``): one loop for both.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result.rows = list(_csv_rows(reader, period, org_unit, aoc))
    return result


# --- the import summary --------------------------------------------------------------------


@dataclass
class ImportCount:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "ignored": self.ignored,
            "deleted": self.deleted,
        }


@dataclass
class ImportConflict:
    object: str
    value: str
    error_code: str
    property: str | None
    indexes: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"object": self.object}
        if self.property:
            data["objects"] = {self.property: self.object}
        data["value"] = self.value
        data["errorCode"] = self.error_code
        if self.property:
            data["property"] = self.property
        data["indexes"] = sorted(self.indexes)
        return data


@dataclass
class ImportSummary:
    """DHIS2's ImportSummary for a data value import."""

    status: str = SUCCESS
    description: str | None = None
    import_count: ImportCount = field(default_factory=ImportCount)
    conflicts: list[ImportConflict] = field(default_factory=list)
    data_set_complete: str = "false"
    dry_run: bool = False
    strategy: str = "CREATE_AND_UPDATE"

    @property
    def rejected_indexes(self) -> list[int]:
        return sorted({i for c in self.conflicts for i in c.indexes})

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "responseType": "ImportSummary",
            "status": self.status,
            "importOptions": {
                "idSchemes": {},
                "dryRun": self.dry_run,
                "async": False,
                "importStrategy": self.strategy,
            },
        }
        if self.description is not None:
            data["description"] = self.description
        data["importCount"] = self.import_count.as_dict()
        data["conflicts"] = [c.as_dict() for c in self.conflicts]
        data["rejectedIndexes"] = self.rejected_indexes
        data["dataSetComplete"] = self.data_set_complete
        return data

    def http_status(self) -> int:
        """409 when aborted or when any value was refused, 200 otherwise (DHIS2's rule)."""
        return 409 if self.status == ERROR or self.conflicts else 200

    def web_message(self) -> dict[str, Any]:
        """The summary wrapped as DHIS2 answers ``POST dataValueSets`` (WebMessageUtils)."""
        if self.status == ERROR:
            status, message = "ERROR", "An error occurred, please check import summary."
        elif self.conflicts:
            status, message = (
                "WARNING",
                "One more conflicts encountered, please check import summary.",
            )
        else:
            status, message = "OK", "Import was successful."
        code = self.http_status()
        return {
            "httpStatus": "OK" if code == 200 else "Conflict",
            "httpStatusCode": code,
            "status": status,
            "message": message,
            "response": self.as_dict(),
        }


def failed_summary(description: str, *, dry_run: bool = False, strategy: str = STRATEGIES[0]):
    """The summary of a payload that could not be read: nothing was imported."""
    return ImportSummary(
        status=ERROR,
        description=_("Quá trình nhập thất bại: %(reason)s") % {"reason": description},
        dry_run=dry_run,
        strategy=strategy,
    )


class Conflicts:
    """Collects conflicts, merging the same kind about the same object into one entry (as
    DHIS2 does, so a million values with one unknown unit give one conflict, not a million)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple, ImportConflict] = {}

    def add(self, index: int | None, code: str, prop: str | None, obj: str, message: str) -> None:
        """Record a conflict; ``index`` None for one about the payload as a whole."""
        if len(message) > 500:  # a message quoting a huge value must not echo all of it
            message = message[:500] + "…"
        if len(obj) > 200:
            obj = obj[:200] + "…"
        key = (code, prop, obj, message)
        conflict = self._by_key.get(key)
        if conflict is None:
            conflict = self._by_key[key] = ImportConflict(obj, message, code, prop)
        if index is not None:
            conflict.indexes.append(index)

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def __len__(self) -> int:
        return sum(len(c.indexes) for c in self._by_key.values())

    def as_list(self) -> list[ImportConflict]:
        return sorted(
            self._by_key.values(), key=lambda c: (min(c.indexes, default=-1), c.error_code)
        )


# --- writing data value sets (GET) ---------------------------------------------------------


@dataclass(frozen=True)
class ExportValue:
    data_element: str
    period: str
    org_unit: str
    category_option_combo: str
    value: str
    stored_by: str
    created: str
    last_updated: str
    comment: str
    deleted: bool

    def as_dict(self) -> dict[str, Any]:
        data = {
            "dataElement": self.data_element,
            "period": self.period,
            "orgUnit": self.org_unit,
            "categoryOptionCombo": self.category_option_combo,
            "attributeOptionCombo": "default",
            "value": self.value,
            "storedBy": self.stored_by,
            "created": self.created,
            "lastUpdated": self.last_updated,
            "followup": False,
        }
        if self.comment:
            data["comment"] = self.comment
        if self.deleted:
            data["deleted"] = True
        return data


def combo_code(key: str) -> str:
    """A canonical options key as a category option combo code ("default" for none)."""
    return key or "default"


def render_json(*, data_set: str, period: str, org_unit: str, values: list[ExportValue]) -> bytes:
    document: dict[str, Any] = {"dataSet": data_set}
    if period:
        document["period"] = period
    if org_unit:
        document["orgUnit"] = org_unit
    document["dataValues"] = [v.as_dict() for v in values]
    return orjson.dumps(document)


def render_csv(values: list[ExportValue]) -> str:
    out = io.StringIO()
    # Cells that a spreadsheet would run as formulas are quote-prefixed; ``parse_csv``
    # removes the prefix again, so an export imports back unchanged.
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for v in values:
        writer.writerow(
            [
                v.data_element,
                v.period,
                v.org_unit,
                v.category_option_combo,
                "default",
                v.value,
                v.stored_by,
                v.last_updated,
                v.comment,
                "false",
                "true" if v.deleted else "false",
            ]
        )
    return out.getvalue()
