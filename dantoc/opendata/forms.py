"""The data-set editor's form: metadata and the analytics definition, in an officer's words.

Units and periods are chosen, not typed (issue 17): units with the unit picker
(:mod:`dantoc.geo.pickers`) and a scope ("and its communes"), periods as named periods
("Quý III/2026") of the data set's frequency. What is stored stays the analytics expression
(``["08", "LEVEL-commune"]``, ``["2026Q3"]``) so existing data sets and published files are
unchanged; an expression the choices cannot show (a scope such as ``LEVEL-district``, a period
older than the recent ones) is kept as stored and shown in words.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dantoc.analytics.models import ComputedIndicator
from dantoc.analytics.query import LEVEL_NAMES, nominal_period
from dantoc.geo.models import UnitLevel
from dantoc.geo.pickers import UnitPickerField, unit_label
from dantoc.geo.selectors import unit_get
from dantoc.indicators.models import Category, Indicator
from dantoc.opendata.models import Frequency, Licence, Theme
from dantoc.opendata.services import DatasetInput, keywords_parse
from dantoc.reporting.periods import (
    PeriodError,
    PeriodKind,
    PeriodRule,
    period_label,
    recent_periods,
)


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text or "") if c]


# The scope of the chosen units → what the stored expression adds to their codes (the units
# themselves are always in the data set: see releases.dataset_units).
SCOPES: dict[str, tuple[str, ...]] = {
    "self": (),
    "children": ("CHILDREN",),
    "provinces": ("LEVEL-province",),
    "communes": ("LEVEL-commune",),
}
SCOPE_LABELS = {
    "self": _("Chỉ các đơn vị đã chọn"),
    "children": _("Các đơn vị đã chọn và các đơn vị trực thuộc trực tiếp"),
    "provinces": _("Các đơn vị đã chọn và mọi tỉnh, thành phố trong đó"),
    "communes": _("Các đơn vị đã chọn và mọi xã, phường, đặc khu trong đó"),
}
# How a level that LEVEL-… names is said in a scope kept as stored.
LEVEL_WORDS = {
    UnitLevel.COUNTRY: _("cả nước"),
    UnitLevel.PROVINCE: _("mọi tỉnh, thành phố"),
    UnitLevel.DISTRICT: _("mọi huyện (trước 01/07/2025)"),
    UnitLevel.COMMUNE: _("mọi xã, phường, đặc khu"),
}

# The periods offered for a frequency: (kind, how many before the current one).
FREQUENCY_PERIODS = {
    Frequency.MONTHLY: (PeriodKind.MONTH, 17),
    Frequency.QUARTERLY: (PeriodKind.QUARTER, 11),
    Frequency.SEMIANNUAL: (PeriodKind.SEMESTER, 7),
    Frequency.ANNUAL: (PeriodKind.YEAR, 7),
    Frequency.IRREGULAR: (PeriodKind.YEAR, 7),
}


def is_modifier(item: str) -> bool:
    """``LEVEL-…`` and ``CHILDREN`` widen the named units; everything else is a unit code."""
    return item == "CHILDREN" or item.startswith("LEVEL-")


def units_split(items: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """A stored unit expression as (unit codes, modifiers), each in its stored order."""
    return [i for i in items if not is_modifier(i)], tuple(i for i in items if is_modifier(i))


def scope_of(modifiers: tuple[str, ...]) -> str:
    """The scope choice for stored modifiers: a named scope, or the modifiers themselves."""
    for key, value in SCOPES.items():
        if value == tuple(modifiers):
            return key
    return "+".join(modifiers)


def scope_modifiers(scope: str) -> tuple[str, ...] | None:
    """The modifiers a scope choice stands for; None when it names something unknown."""
    if scope in SCOPES:
        return SCOPES[scope]
    items = tuple(i for i in scope.split("+") if i)
    valid = all(i == "CHILDREN" or (is_modifier(i) and i[6:] in LEVEL_NAMES) for i in items)
    return items if items and valid else None


def modifiers_words(modifiers: tuple[str, ...]) -> str:
    words = []
    for item in modifiers:
        if item == "CHILDREN":
            words.append(str(_("các đơn vị trực thuộc trực tiếp")))
        else:
            words.append(str(LEVEL_WORDS[LEVEL_NAMES[item[6:]]]))
    return ", ".join(words)


def unit_words(code: str) -> str:
    """A stored unit code in words (its name, its province, the code); the bare code when no
    unit ever had it (the service then says so)."""
    unit = unit_get(code=code)
    if unit is None:
        return code
    if unit.valid_to is not None and unit.valid_to < timezone.localdate():
        return str(
            _("%(unit)s — đã thôi hoạt động từ %(date)s")
            % {"unit": unit_label(unit), "date": f"{unit.valid_to:%d/%m/%Y}"}
        )
    return unit_label(unit)


def period_words(code: str) -> str | None:
    """ "Quý III/2026" for ``2026Q3``; None for what is not a period id."""
    try:
        return period_label(nominal_period(code))
    except (PeriodError, ValueError):
        return None


class CodesChoiceField(forms.MultipleChoiceField):
    """Codes chosen with checkboxes. A value may also come as typed codes separated by commas
    (the form's earlier shape, which scripts may still post); codes not among the choices go
    on to the service, which names what is wrong with them."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value):
        return list(dict.fromkeys(c for v in super().to_python(value) for c in _codes(v)))

    def valid_value(self, value):
        return True


class DatasetForm(forms.Form):
    name = forms.SlugField(
        label=_("Tên định danh (địa chỉ)"),
        max_length=100,
        help_text=_("Chữ thường không dấu, số và dấu gạch: von-tuyen-quang-2026."),
    )
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    title_en = forms.CharField(label=_("Tiêu đề tiếng Anh"), max_length=300)
    description = forms.CharField(label=_("Mô tả"), widget=forms.Textarea(attrs={"rows": 4}))
    description_en = forms.CharField(
        label=_("Mô tả tiếng Anh"), widget=forms.Textarea(attrs={"rows": 4})
    )
    indicators = forms.MultipleChoiceField(label=_("Chỉ tiêu"), widget=forms.CheckboxSelectMultiple)
    frequency = forms.ChoiceField(
        label=_("Tần suất cập nhật"), choices=Frequency.choices, initial="QUARTERLY"
    )
    periods = CodesChoiceField(label=_("Kỳ"), required=False)
    units = CodesChoiceField(label=_("Đơn vị đã chọn"), required=False)
    unit_add = UnitPickerField(label=_("Thêm đơn vị"), required=False)
    scope = forms.ChoiceField(
        label=_("Lấy số liệu của"),
        required=False,
        widget=forms.RadioSelect,
        initial="self",
        error_messages={
            "invalid_choice": _(
                "Phạm vi “%(value)s” không có: hãy chọn một phạm vi trong danh sách."
            )
        },
    )
    categories = forms.MultipleChoiceField(
        label=_("Phân tổ"), widget=forms.CheckboxSelectMultiple, required=False
    )
    theme = forms.ChoiceField(label=_("Chủ đề"), choices=Theme.choices)
    keywords = forms.CharField(
        label=_("Từ khoá"), required=False, help_text=_("Cách nhau bởi dấu phẩy.")
    )
    licence = forms.ChoiceField(label=_("Giấy phép"), choices=Licence.choices, initial="cc-by")
    spatial = forms.CharField(
        label=_("Phạm vi không gian"),
        required=False,
        max_length=300,
        help_text=_("Để trống: tên đơn vị công bố."),
    )
    contact_name = forms.CharField(label=_("Người (đơn vị) liên hệ"), max_length=150)
    contact_email = forms.EmailField(label=_("Thư điện tử liên hệ"))

    # Drawn by the template as one "units" block and one "periods" block.
    UNIT_PART = ("units", "unit_add", "scope")

    def __init__(self, *args, dataset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dataset = dataset
        choices = [(i.code, f"{i.code} – {i.localized_name}") for i in Indicator.objects.all()]
        choices += [
            (c.code, f"{c.code} – {c.localized_name}") for c in ComputedIndicator.objects.all()
        ]
        self.fields["indicators"].choices = choices
        self.fields["categories"].choices = [
            (c.code, c.localized_name) for c in Category.objects.order_by("code")
        ]
        stored_units, stored_modifiers = units_split(list(dataset.units) if dataset else [])
        stored_periods = list(dataset.periods) if dataset else []
        if self.is_bound:
            chosen_units = self._posted("units")
            frequency = self._posted_one("frequency")
            chosen_periods = self._posted("periods")
            posted_scope = self._posted_one("scope")
        else:
            chosen_units = list(self.initial.get("units") or [])
            frequency = self.initial.get("frequency") or self.fields["frequency"].initial
            chosen_periods = list(self.initial.get("periods") or [])
            posted_scope = ""
        self._set_unit_choices([*stored_units, *chosen_units])
        scopes = [(key, SCOPE_LABELS[key]) for key in SCOPES]
        for extra in (scope_of(stored_modifiers), posted_scope):
            modifiers = scope_modifiers(extra) if extra else None
            if modifiers and extra not in SCOPES and extra not in dict(scopes):
                label = _("Như đã lưu: các đơn vị đã chọn và %(words)s")
                scopes.append((extra, label % {"words": modifiers_words(modifiers)}))
        self.fields["scope"].choices = scopes
        kind, back = FREQUENCY_PERIODS.get(frequency, FREQUENCY_PERIODS[Frequency.QUARTERLY])
        recent = recent_periods(PeriodRule(kind=kind), timezone.localdate(), back=back, ahead=0)
        self.recent_periods = [p.code for p in recent]
        self.frequency_label = dict(Frequency.choices).get(frequency, "")
        period_choices = [(p.code, period_label(p)) for p in recent]
        for code in dict.fromkeys([*stored_periods, *chosen_periods]):
            words = period_words(code)
            if code not in self.recent_periods and words is not None:
                period_choices.append((code, words))
        self.fields["periods"].choices = period_choices

    def _posted(self, name: str) -> list[str]:
        value = self.fields[name].widget.value_from_datadict(
            self.data, self.files, self.add_prefix(name)
        )
        if isinstance(value, str):
            value = [value]
        return list(dict.fromkeys(c for v in value or [] for c in _codes(v)))

    def _posted_one(self, name: str) -> str:
        value = self.fields[name].widget.value_from_datadict(
            self.data, self.files, self.add_prefix(name)
        )
        return value if isinstance(value, str) else ""

    def _set_unit_choices(self, codes: list[str]) -> None:
        codes = [c for c in dict.fromkeys(codes) if not is_modifier(c)]
        self.fields["units"].choices = [(c, unit_words(c)) for c in codes]

    def period_parts(self) -> tuple[list, list]:
        """The period checkboxes: (the recent periods of the frequency, the periods chosen
        before that are not among them)."""
        boxes = list(self["periods"])
        recent = [b for b in boxes if b.data["value"] in self.recent_periods]
        return recent, [b for b in boxes if b.data["value"] not in self.recent_periods]

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or "self"

    # --- steps that show the form again without saving (the buttons other than "Lưu") ----

    def redisplay(self) -> None:
        """Show the form again as filled in, without checking it: nothing is saved, so no
        field is flagged yet."""
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def add_unit_step(self) -> None:
        """The "Thêm đơn vị" button: the unit found by the picker joins the chosen units; a name that
        matches several units shows them to choose from."""
        self.redisplay()
        field = self.fields["unit_add"]
        try:
            code = field.clean(
                field.widget.value_from_datadict(self.data, self.files, self.add_prefix("unit_add"))
            )
        except ValidationError as exc:
            self.add_error("unit_add", exc)
            return
        if not code:
            self.add_error("unit_add", _("Gõ tên đơn vị cần thêm rồi bấm “Thêm đơn vị”."))
            return
        data = self.data.copy()
        chosen = self._posted("units")
        if code not in chosen:
            chosen.append(code)
        data.setlist(self.add_prefix("units"), chosen)
        data[self.add_prefix("unit_add")] = ""
        data.pop(self.add_prefix("unit_add") + "__pick", None)
        self.data = data
        shown = [code for code, _label in self.fields["units"].choices]
        self._set_unit_choices([*shown, *chosen])

    @staticmethod
    def initial_from(dataset) -> dict:
        return {
            "name": dataset.name,
            "title": dataset.title,
            "title_en": dataset.title_en,
            "description": dataset.description,
            "description_en": dataset.description_en,
            "indicators": dataset.indicators,
            "periods": list(dataset.periods),
            "units": units_split(list(dataset.units))[0],
            "scope": scope_of(units_split(list(dataset.units))[1]),
            "categories": dataset.categories,
            "theme": dataset.theme,
            "keywords": ", ".join(k.name for k in dataset.keywords.all()),
            "licence": dataset.licence,
            "frequency": dataset.frequency,
            "spatial": dataset.spatial,
            "contact_name": dataset.contact_name,
            "contact_email": dataset.contact_email,
        }

    def to_input(self) -> DatasetInput:
        d = self.cleaned_data
        return DatasetInput(
            name=d["name"],
            title=d["title"],
            title_en=d["title_en"],
            description=d["description"],
            description_en=d["description_en"],
            theme=d["theme"],
            contact_name=d["contact_name"],
            contact_email=d["contact_email"],
            indicators=list(d["indicators"]),
            periods=self.periods_in_order(),
            units=self.units_expression(),
            categories=list(d["categories"]),
            keywords=keywords_parse(d["keywords"]),
            licence=d["licence"],
            frequency=d["frequency"],
            spatial=d["spatial"],
        )

    def periods_in_order(self) -> list[str]:
        """The chosen periods: those already stored keep their place (the published files
        list periods in this order, so an unchanged definition makes unchanged files), new
        ones follow in time order; what is not a period id goes last, for the service to
        name."""
        chosen = list(self.cleaned_data["periods"])
        stored = [p for p in (self.dataset.periods if self.dataset else []) if p in chosen]
        new = [p for p in chosen if p not in stored]
        dated = {p: nominal_period(p) for p in new if period_words(p) is not None}
        new.sort(key=lambda p: (0, dated[p].start, dated[p].end) if p in dated else (1,))
        return [*stored, *new]

    def clean(self):
        cleaned = super().clean()
        codes = [c for c in cleaned.get("units", []) if not is_modifier(c)]
        stored_codes = units_split(list(self.dataset.units))[0] if self.dataset else []
        # A definition with no unit named means the whole country; only one stored that way
        # (by a script) may stay so.
        unnamed = not codes and not cleaned.get("unit_add") and "unit_add" not in self.errors
        if unnamed and (self.dataset is None or stored_codes):
            self.add_error("units", _("Cần chọn ít nhất một đơn vị."))
        return cleaned

    def units_expression(self) -> list[str]:
        """The stored form of the units part: the chosen codes (and the one being added),
        then what the scope adds. Expressions posted in the units field itself (the form's
        earlier typed shape) are kept."""
        d = self.cleaned_data
        codes = [c for c in d["units"] if not is_modifier(c)]
        if d.get("unit_add") and d["unit_add"] not in codes:
            codes.append(d["unit_add"])
        modifiers = [c for c in d["units"] if is_modifier(c)]
        modifiers += scope_modifiers(d["scope"]) or ()
        return [*codes, *dict.fromkeys(modifiers)]

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
