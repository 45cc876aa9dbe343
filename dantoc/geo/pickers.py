"""Choosing a unit in a form by its name, not by typing its code.

The field's value stays the unit's code (so views and tests that read ``unit=08`` hold), but an
official may type a name, with or without diacritics ("lung cu"), or pick a suggestion. Without
JavaScript the search is a server-side step: a name that matches several units brings the form
back with those units as radio buttons to choose from. With JavaScript (static/js/picker.js)
suggestions appear while typing, from ``geo:unit_pick``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from dantoc.core.text import fold
from dantoc.geo.models import Unit
from dantoc.geo.selectors import today, unit_get, units_search

# "Xã Lũng Cú — Tỉnh Tuyên Quang (00715)": the form a suggestion is written in.
_CODE_AT_END = re.compile(r"\(([0-9A-Za-z]{1,10})\)\s*$")
MAX_CANDIDATES = 12


def unit_label(unit: Unit) -> str:
    """How a unit is written in a suggestion; the code at the end is what the form keeps."""
    parent = f" — {unit.parent.name}" if unit.parent_id and unit.parent.level != "country" else ""
    return f"{unit.name}{parent} ({unit.code})"


def units_matching(
    q: str, *, levels: Iterable[str] = (), current_only: bool = True, limit: int = MAX_CANDIDATES
) -> list[Unit]:
    units = units_search(q=q, as_of=today() if current_only else None)
    levels = list(levels)
    if levels:
        units = units.filter(level__in=levels)
    return list(units[:limit])


def unit_param(data, name: str = "unit") -> str:
    """The unit code a plain GET form sent (``geo/unit_picker.html``): the unit chosen among the
    candidates, the code of a suggestion ("… (08)"), or the text as typed when it is a code or
    names exactly one unit in force; otherwise the text itself (the view says it found no
    unit, and the picker offers the candidates)."""
    picked = (data.get(f"{name}__pick") or "").strip()
    if picked:
        return picked
    text = (data.get(name) or "").strip()
    if not text:
        return ""
    if match := _CODE_AT_END.search(text):
        return match.group(1)
    if unit_get(code=text) is not None:
        return text
    found = units_for_text(text, current_only=False)
    return found[0].code if len(found) == 1 else text


def picker_context(*, name: str, value: str, field_id: str, levels: Iterable[str] = ()) -> dict:
    """What ``geo/unit_picker.html`` needs: the unit's words for a code, the candidates for a
    name that matches several units."""
    levels = list(levels)
    url = str(reverse_lazy("geo:unit_pick"))
    if levels:
        url += "?" + "&".join(f"level={lv}" for lv in levels)
    shown, candidates = value, []
    if value:
        unit = unit_get(code=value)
        if unit is not None:
            shown = unit_label(unit)
        elif not _CODE_AT_END.search(value):
            candidates = [
                (u.code, unit_label(u))
                for u in units_for_text(value, levels=levels, current_only=False)
            ]
    return {
        "name": name,
        "value": shown,
        "id": field_id,
        "url": url,
        "candidates": candidates,
    }


def units_for_text(
    text: str, *, levels: Iterable[str] = (), current_only: bool = True
) -> list[Unit]:
    """Units whose name or code matches ``text``: a single unit when one is named exactly
    ("tuyen quang" is the province, not also a ward whose name contains it), else the
    candidates (units in force first; ceased ones only when allowed and none in force match)."""
    found = units_matching(text, levels=levels, limit=MAX_CANDIDATES + 1)
    if not found and not current_only:
        found = units_matching(text, levels=levels, current_only=False, limit=MAX_CANDIDATES + 1)
    if len(found) > 1:
        wanted = fold(text)
        exact = [u for u in found if wanted in (fold(u.short_name), fold(u.name))]
        if len(exact) == 1:
            return exact
    return found


class UnitPickerWidget(forms.TextInput):
    template_name = "geo/widgets/unit_picker.html"

    class Media:
        js = ("js/picker.js",)

    def __init__(self, attrs=None, *, levels: Iterable[str] = ()):
        self.levels = list(levels)
        self.candidates: list[Unit] = []
        super().__init__(attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = str(reverse_lazy("geo:unit_pick"))
        if self.levels:
            url += "?" + "&".join(f"level={lv}" for lv in self.levels)
        widget = context["widget"]
        widget["attrs"].update(
            {
                "data-unit-picker": url,
                "autocomplete": "off",
                "list": f"{widget['attrs'].get('id', name)}-list",
            }
        )
        widget["candidates"] = [(u.code, unit_label(u)) for u in self.candidates]
        widget["pick_name"] = f"{name}__pick"
        return context

    def value_from_datadict(self, data, files, name):
        # A unit chosen among the candidates of the server-side search step wins over the
        # text that led to them.
        return data.get(f"{name}__pick") or data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__pick" not in data


class UnitPickerField(forms.CharField):
    """A unit chosen by name or code; ``clean`` returns the unit's code."""

    def __init__(self, *, levels: Iterable[str] = (), current_only: bool = True, **kwargs):
        self.levels = list(levels)
        self.current_only = current_only
        kwargs.setdefault("max_length", 250)
        kwargs.setdefault(
            "help_text", _("Gõ tên (có dấu hay không dấu đều được) hoặc mã đơn vị, rồi chọn.")
        )
        kwargs["widget"] = UnitPickerWidget(levels=self.levels)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        if match := _CODE_AT_END.search(value):
            return match.group(1)
        if unit_get(code=value) is not None:
            return value
        found = units_for_text(value, levels=self.levels, current_only=self.current_only)
        if len(found) == 1:
            return found[0].code
        if not found:
            raise ValidationError(
                _("Không tìm thấy đơn vị nào có tên hoặc mã “%(q)s”."), params={"q": value}
            )
        self.widget.candidates = found[:MAX_CANDIDATES]
        more = len(found) > MAX_CANDIDATES
        raise ValidationError(
            _("Có nhiều đơn vị khớp với “%(q)s”: chọn một đơn vị bên dưới%(more)s."),
            params={"q": value, "more": _(" hoặc gõ thêm cho rõ") if more else ""},
        )
