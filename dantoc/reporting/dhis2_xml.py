"""DHIS2's XML data value sets (DXF2) in and out, and the import summary in XML.

Followed: the DHIS2 2.40 Web API, "Data values" (``dhis2-docs``
``src/developer/web-api/data.md``): ``<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0"
dataSet=… completeDate=… period=… orgUnit=… attributeOptionCombo=…>`` holding
``<dataValue dataElement=… period=… orgUnit=… categoryOptionCombo=… attributeOptionCombo=…
value=… comment=… storedBy=… lastUpdated=… followup=… deleted=…/>``, every field an
attribute. The import summary is the JSON one written as DHIS2's Jackson XML writes it:
``<webMessage>`` with the fields as attributes or child elements, ``importCount`` as
attributes, ``conflicts/conflict`` as elements.

Reading is streamed (``iterparse``, one ``dataValue`` element in memory at a time) through
``defusedxml``, which refuses a document type declaration, entities and external
references, so a payload cannot expand itself (billion laughs) or read files (XXE).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse
from django.utils.translation import gettext as _

from dantoc.reporting.dhis2 import DataValueSet, ExportValue, PayloadError, StreamedRows

NAMESPACE = "http://dhis2.org/schema/dxf/2.0"
XML_TYPES = {"application/xml", "text/xml"}
_TRUE = {"true", "1", "t", "yes"}
# Characters XML 1.0 cannot carry; dropped from what is written.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _events(stream):
    try:
        yield from iterparse(stream, events=("start", "end"), forbid_dtd=True)
    except ParseError as exc:
        raise PayloadError(_("XML không hợp lệ: %(error)s") % {"error": exc}) from None
    except DefusedXmlException:
        raise PayloadError(
            _("XML có khai báo DTD hoặc thực thể (entity): không được chấp nhận.")
        ) from None


def read_xml_file(file, *, size: int, defaults: dict[str, str] | None = None) -> DataValueSet:
    """A DXF2 data value set kept in ``file``; its values are read as a stream at each
    iteration of ``rows`` (``PayloadError`` where the file stops being readable)."""
    defaults = defaults or {}
    file.seek(0)
    header: dict[str, str] | None = None
    for event, element in _events(file):
        if event == "start":
            if _local(element.tag) != "dataValueSet":
                raise PayloadError(_("Phần tử gốc của XML phải là <dataValueSet>."))
            header = {k: (v or "").strip() for k, v in element.attrib.items()}
            break
    if header is None:
        raise PayloadError(_("XML rỗng."))
    result = DataValueSet(
        data_set=header.get("dataSet") or defaults.get("dataSet", ""),
        complete_date=header.get("completeDate", ""),
        period=header.get("period") or defaults.get("period", ""),
        org_unit=header.get("orgUnit") or defaults.get("orgUnit", ""),
        attribute_option_combo=header.get("attributeOptionCombo")
        or defaults.get("attributeOptionCombo", ""),
    )
    period, org_unit, aoc = result.period, result.org_unit, result.attribute_option_combo

    def reader(stream):
        index = 0
        root = None
        for event, element in _events(stream):
            if event == "start":
                if root is None:
                    root = element
                continue
            if _local(element.tag) != "dataValue":
                continue
            get = element.attrib.get
            value = get("value")
            if value is None:  # DHIS2 also accepts <value> as a child element
                child = next((c for c in element if _local(c.tag) == "value"), None)
                value = child.text if child is not None else None
            comment = get("comment")
            yield (
                index,
                (get("dataElement") or "").strip(),
                (get("period") or "").strip() or period,
                (get("orgUnit") or "").strip() or org_unit,
                (get("categoryOptionCombo") or "").strip(),
                (get("attributeOptionCombo") or "").strip() or aoc,
                value,
                comment,
                (get("deleted") or "").strip().lower() in _TRUE,
            )
            index += 1
            root.clear()  # the values read so far leave memory

    result.rows = StreamedRows(reader, file)
    return result


def _attr(value: Any) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def render_xml(
    *, data_set: str, period: str, org_unit: str, values: Iterable[ExportValue]
) -> Iterable[bytes]:
    """A DXF2 data value set, written a value at a time."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<dataValueSet xmlns="{NAMESPACE}"'
    if data_set:
        head += f" dataSet={_attr(data_set)}"
    if period:
        head += f" period={_attr(period)}"
    if org_unit:
        head += f" orgUnit={_attr(org_unit)}"
    yield (head + ">\n").encode()
    for v in values:
        line = (
            f"<dataValue dataElement={_attr(v.data_element)} period={_attr(v.period)}"
            f" orgUnit={_attr(v.org_unit)} categoryOptionCombo={_attr(v.category_option_combo)}"
            f' attributeOptionCombo="default" value={_attr(v.value)}'
            f" storedBy={_attr(v.stored_by)} created={_attr(v.created)}"
            f' lastUpdated={_attr(v.last_updated)} followup="false"'
        )
        if v.comment:
            line += f" comment={_attr(v.comment)}"
        if v.deleted:
            line += ' deleted="true"'
        yield (line + "/>\n").encode()
    yield b"</dataValueSet>\n"


def web_message_xml(message: dict[str, Any]) -> bytes:
    """A web message with its import summary (``ImportSummary.web_message()``) in XML."""
    summary = message.get("response") or {}
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<webMessage xmlns="{NAMESPACE}" httpStatus={_attr(message["httpStatus"])}'
        f" httpStatusCode={_attr(message['httpStatusCode'])} status={_attr(message['status'])}>",
        f"<message>{escape(_NOT_XML.sub('', message.get('message', '')))}</message>",
    ]
    if summary:
        options = summary.get("importOptions", {})
        parts.append(f'<response responseType="ImportSummary" status={_attr(summary["status"])}>')
        parts.append(
            f"<importOptions dryRun={_attr(str(options.get('dryRun', False)).lower())}"
            f" async={_attr(str(options.get('async', False)).lower())}"
            f" importStrategy={_attr(options.get('importStrategy', ''))}/>"
        )
        if summary.get("description"):
            parts.append(
                f"<description>{escape(_NOT_XML.sub('', summary['description']))}</description>"
            )
        count = summary["importCount"]
        parts.append(
            "<importCount "
            + " ".join(
                f"{k}={_attr(count[k])}" for k in ("imported", "updated", "ignored", "deleted")
            )
            + "/>"
        )
        parts.append("<conflicts>")
        for conflict in summary.get("conflicts", []):
            attrs = f"object={_attr(conflict['object'])} value={_attr(conflict['value'])}"
            attrs += f" errorCode={_attr(conflict['errorCode'])}"
            if conflict.get("property"):
                attrs += f" property={_attr(conflict['property'])}"
            indexes = "".join(f"<index>{i}</index>" for i in conflict.get("indexes", []))
            parts.append(f"<conflict {attrs}><indexes>{indexes}</indexes></conflict>")
        parts.append("</conflicts>")
        rejected = "".join(
            f"<rejectedIndex>{i}</rejectedIndex>" for i in summary.get("rejectedIndexes", [])
        )
        parts.append(f"<rejectedIndexes>{rejected}</rejectedIndexes>")
        parts.append(
            f"<dataSetComplete>{escape(str(summary.get('dataSetComplete', 'false')))}</dataSetComplete>"
        )
        parts.append("</response>")
    parts.append("</webMessage>\n")
    return "\n".join(parts).encode()
