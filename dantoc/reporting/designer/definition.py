"""Form definitions as plain data (the shape of data/forms/*.json), in one canonical form.

The designer edits a definition step by step with the functions below; a stored version is
exported to the same shape, so a designed form, its exported JSON and an upload of that JSON
are the same definition (and uploading it again creates no new version).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

HEADER_DEFAULTS = {
    "name_en": "",
    "programme": "",
    "legal_basis": "",
    # Drafting notes for the people who define forms; never printed (the PDF shows legal_basis).
    "maintainer_note": "",
    "description": "",
    "opens_days_before_end": 15,
    "locks_days_after_end": 60,
    # Written by the platform only (see ReportForm.computed); the designer never sets it.
    "computed": False,
}
# Codes of sections, rows, columns and rules: they name cells in Excel files and the API.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ITEM_KINDS = ("sections", "columns", "rows", "rules")


class DesignError(ValueError):
    """A step that cannot be applied; ``field`` names the input the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def decimal_text(value) -> str | None:
    """A bound (min/max) as text without trailing zeros: "0", "100", "2.5"."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise DesignError("min_value", _("“%(v)s” không phải là số.") % {"v": value}) from exc
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def canonical(definition: dict) -> dict:
    """Every key present, in the form the designer and the export write."""
    d = {key: definition.get(key, default) for key, default in HEADER_DEFAULTS.items()}
    d = {
        "code": definition.get("code", ""),
        "name": definition.get("name", ""),
        "period_type": definition.get("period_type", ""),
        "reporting_level": definition.get("reporting_level", "commune"),
        **d,
    }
    d["programme"] = d["programme"] or ""
    d["deadlines"] = {k: int(v) for k, v in (definition.get("deadlines") or {}).items()}
    d["sections"] = [
        {
            "code": s.get("code", ""),
            "title": s.get("title", ""),
            "title_en": s.get("title_en", ""),
            "columns": [
                {
                    "code": c.get("code", ""),
                    "label": c.get("label", ""),
                    "label_en": c.get("label_en", ""),
                    "indicator": c.get("indicator") or None,
                    "options": dict(c.get("options") or {}),
                }
                for c in s.get("columns", [])
            ],
            "rows": [
                {
                    "code": r.get("code", ""),
                    "label": r.get("label", ""),
                    "label_en": r.get("label_en", ""),
                    "indicator": r.get("indicator") or None,
                    "options": dict(r.get("options") or {}),
                    "optional": bool(r.get("optional", False)),
                    "min_value": decimal_text(r.get("min_value")),
                    "max_value": decimal_text(r.get("max_value")),
                }
                for r in s.get("rows", [])
            ],
        }
        for s in definition.get("sections", [])
    ]
    d["rules"] = [
        {
            "code": r.get("code", ""),
            "left": r.get("left", ""),
            "operator": r.get("operator", ""),
            "right": r.get("right", ""),
            "importance": r.get("importance", "error"),
            "message": r.get("message", ""),
            "message_en": r.get("message_en", ""),
        }
        for r in definition.get("rules", [])
    ]
    return d


def code_from_label(label: str, taken: set[str], *, max_length: int = 32) -> str:
    """A code for an item whose designer left the code empty: the label without diacritics,
    in capitals ("Hộ nghèo" → "HO_NGHEO"), made unique in its list with a number."""
    plain = unicodedata.normalize("NFKD", label.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    base = re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_").upper()[: max_length - 3] or "MUC"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code


def _section(d: dict, code: str) -> dict:
    for section in d["sections"]:
        if section["code"] == code:
            return section
    raise DesignError("section", _("Không có phần này trong biểu (có thể vừa bị xoá)."))


def _items(d: dict, kind: str, section: str | None) -> list[dict]:
    if kind == "sections":
        return d["sections"]
    if kind == "rules":
        return d["rules"]
    if kind in ("rows", "columns"):
        return _section(d, section or "")[kind]
    raise DesignError("kind", _("Loại mục không hợp lệ."))


def _new_code(items: list[dict], code: str, label: str, *, max_length: int) -> str:
    taken = {item["code"] for item in items}
    if not code:
        return code_from_label(label, taken, max_length=max_length)
    if not CODE_RE.match(code) or len(code) > max_length:
        raise DesignError(
            "code",
            _("Mã chỉ gồm chữ cái không dấu, chữ số và các dấu _ . - (tối đa %(n)s ký tự).")
            % {"n": max_length},
        )
    if code in taken:
        raise DesignError("code", _("Mã “%(c)s” đã có ở đây; hãy chọn mã khác.") % {"c": code})
    return code


def header_set(definition: dict, **header) -> dict:
    d = copy.deepcopy(definition)
    deadlines = header.pop("deadlines", None)
    d.update(header)
    if deadlines is not None:
        d["deadlines"] = {level: int(days) for level, days in deadlines.items() if days is not None}
    return canonical(d)


def section_add(definition: dict, *, code: str, title: str, title_en: str = "") -> dict:
    d = canonical(definition)
    code = _new_code(d["sections"], code, title, max_length=32)
    d["sections"].append(
        {"code": code, "title": title, "title_en": title_en, "columns": [], "rows": []}
    )
    return d


def column_add(
    definition: dict,
    *,
    section: str,
    code: str,
    label: str,
    label_en: str = "",
    indicator: str | None = None,
    options: dict[str, str] | None = None,
) -> dict:
    d = canonical(definition)
    columns = _section(d, section)["columns"]
    code = _new_code(columns, code, label, max_length=32)
    columns.append(
        {
            "code": code,
            "label": label,
            "label_en": label_en,
            "indicator": indicator or None,
            "options": dict(options or {}),
        }
    )
    return d


def row_add(
    definition: dict,
    *,
    section: str,
    code: str,
    label: str,
    label_en: str = "",
    indicator: str | None = None,
    options: dict[str, str] | None = None,
    optional: bool = False,
    min_value=None,
    max_value=None,
) -> dict:
    d = canonical(definition)
    rows = _section(d, section)["rows"]
    code = _new_code(rows, code, label, max_length=48)
    low, high = decimal_text(min_value), decimal_text(max_value)
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        raise DesignError("max_value", _("Giá trị lớn nhất phải không nhỏ hơn giá trị nhỏ nhất."))
    rows.append(
        {
            "code": code,
            "label": label,
            "label_en": label_en,
            "indicator": indicator or None,
            "options": dict(options or {}),
            "optional": bool(optional),
            "min_value": low,
            "max_value": high,
        }
    )
    return d


def rule_add(
    definition: dict,
    *,
    code: str,
    left: str,
    operator: str,
    right: str,
    importance: str,
    message: str,
    message_en: str = "",
) -> dict:
    d = canonical(definition)
    code = _new_code(d["rules"], code, message, max_length=48)
    d["rules"].append(
        {
            "code": code,
            "left": left,
            "operator": operator,
            "right": right,
            "importance": importance,
            "message": message,
            "message_en": message_en,
        }
    )
    return d


def item_remove(definition: dict, *, kind: str, code: str, section: str | None = None) -> dict:
    d = canonical(definition)
    items = _items(d, kind, section)
    kept = [item for item in items if item["code"] != code]
    if len(kept) == len(items):
        raise DesignError("code", _("Mục này không còn trong biểu (có thể đã bị xoá)."))
    items[:] = kept
    return d


def item_move(
    definition: dict, *, kind: str, code: str, up: bool, section: str | None = None
) -> dict:
    d = canonical(definition)
    items = _items(d, kind, section)
    index = next((i for i, item in enumerate(items) if item["code"] == code), None)
    if index is None:
        raise DesignError("code", _("Mục này không còn trong biểu (có thể đã bị xoá)."))
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return d
