"""An alert message as an OASIS CAP 1.2 document, and its check against the OASIS schema.

Choices made here (ARCHITECTURE: "Alerts — OASIS CAP 1.2"):

- ``identifier``: the WMO convention ``urn:oid:2.49.0.1.<country>.<authority>.<Y>.<M>.<D>.
  <h>.<m>.<s>.<n>`` (WMO-RAF cap-composer; Vietnam's ISO 3166 numeric code is 704), with the
  message's row number as the last arc so two messages sent in the same second differ. The
  authority arc is ``CAP_AUTHORITY_OID`` (setting, default ``0``) until the alerting authority
  is entered in the WMO Register of Alerting Authorities.
- ``sent``, ``onset``, ``expires``: local time with its offset (+07:00), as the schema's
  pattern requires (no "Z").
- Each commune is one ``<area>`` with its official unit code as ``<geocode>`` named
  ``VN-MADVHC`` (mã đơn vị hành chính, the GSO code list of Decision 124/2004/QĐ-TTg and its
  2025 successor).
- The risk level of Decision 18/2021/QĐ-TTg travels as ``<parameter>`` ``VN-CAPDO-RUIRO``
  (1–5); ``severity`` is mapped from it (1 Minor, 2 Moderate, 3 Severe, 4–5 Extreme).
- Update and Cancel carry ``<references>``: every earlier message of the thread as
  "sender,identifier,sent".
"""

from __future__ import annotations

import datetime
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.utils import timezone, translation

from dantoc.alerts.models import HAZARD_INFO, LEVELS, Alert, Hazard

NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA = Path(__file__).resolve().parent / "schema" / "CAP-v1.2.xsd"
GEOCODE_NAME = "VN-MADVHC"
LEVEL_PARAMETER = "VN-CAPDO-RUIRO"
COUNTRY_OID = "2.49.0.1.704"
CONTENT_TYPE = "application/cap+xml; charset=utf-8"


def sender() -> str:
    """CAP ``sender``: who sends, the same for every message of this platform."""
    return getattr(settings, "CAP_SENDER", "canhbao@dantoc.gov.vn")


def cap_time(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment, timezone.get_fixed_timezone(7 * 60))
    return local.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def identifier_for(*, sent: datetime.datetime, number: int) -> str:
    authority = str(getattr(settings, "CAP_AUTHORITY_OID", "0"))
    local = timezone.localtime(sent, timezone.get_fixed_timezone(7 * 60))
    arcs = [local.year, local.month, local.day, local.hour, local.minute, local.second, number]
    return f"urn:oid:{COUNTRY_OID}.{authority}." + ".".join(str(a) for a in arcs)


def reference_of(alert: Alert) -> str:
    return f"{sender()},{alert.identifier},{cap_time(alert.sent)}"


def earlier_messages(alert: Alert) -> list[Alert]:
    found, current = [], alert.previous
    while current is not None:
        found.append(current)
        current = current.previous
    return list(reversed(found))


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _urgency(alert: Alert) -> str:
    return "Immediate" if alert.onset <= alert.sent else "Expected"


def _event(alert: Alert, language: str) -> str:
    if language == "en":
        return HAZARD_INFO[alert.hazard].name_en
    with translation.override("vi"):
        return str(Hazard(alert.hazard).label)


def alert_document(alert: Alert, *, web: str) -> bytes:
    """The CAP 1.2 XML of ``alert`` (UTF-8 bytes). ``web``: the address of its public page."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}alert")
    _sub(root, "identifier", alert.identifier)
    _sub(root, "sender", sender())
    _sub(root, "sent", cap_time(alert.sent))
    _sub(root, "status", alert.status)
    _sub(root, "msgType", alert.msg_type)
    _sub(root, "scope", "Public")
    if alert.note:
        _sub(root, "note", alert.note)
    earlier = earlier_messages(alert)
    if earlier:
        _sub(root, "references", " ".join(reference_of(a) for a in earlier))
    level = LEVELS[alert.level]
    communes = sorted(alert.communes.all(), key=lambda u: u.code)
    for info in alert.infos.all():
        block = _sub(root, "info")
        _sub(block, "language", "vi-VN" if info.language == "vi" else info.language)
        _sub(block, "category", HAZARD_INFO[alert.hazard].cap_category)
        _sub(block, "event", _event(alert, info.language))
        _sub(block, "responseType", "AllClear" if alert.is_cancel else "Prepare")
        _sub(block, "urgency", "Past" if alert.is_cancel else _urgency(alert))
        _sub(block, "severity", level.cap_severity)
        _sub(block, "certainty", "Likely")
        _sub(block, "onset", cap_time(alert.onset))
        _sub(block, "expires", cap_time(alert.expires))
        _sub(block, "senderName", alert.unit.name)
        _sub(block, "headline", info.headline)
        _sub(block, "description", info.description)
        _sub(block, "instruction", info.instruction)
        _sub(block, "web", web)
        parameter = _sub(block, "parameter")
        _sub(parameter, "valueName", LEVEL_PARAMETER)
        _sub(parameter, "value", str(alert.level))
        for commune in communes:
            area = _sub(block, "area")
            province = commune.parent.name if commune.parent_id else ""
            _sub(area, "areaDesc", f"{commune.name}, {province}" if province else commune.name)
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", GEOCODE_NAME)
            _sub(geocode, "value", commune.code)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


@cache
def _schema():
    import xmlschema  # heavy to import; only when a document is checked

    return xmlschema.XMLSchema(str(SCHEMA))


def schema_errors(document: bytes) -> list[str]:
    """What the OASIS CAP 1.2 schema finds wrong with ``document`` (empty: valid)."""
    try:
        tree = fromstring(document)
    except ET.ParseError as error:
        return [str(error)]
    return [str(error.reason or error) for error in _schema().iter_errors(tree)]
