"""One plain form per designer step. Indicators, options, period types and programmes are
chosen from lists (by name), never typed as codes."""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dantoc.geo.models import UnitLevel
from dantoc.indicators.models import Category, Indicator
from dantoc.programmes.models import Programme
from dantoc.reporting.designer.definition import CODE_RE
from dantoc.reporting.models import PeriodType, RuleImportance, RuleOperator

LEVELS = [
    (UnitLevel.COMMUNE, UnitLevel.COMMUNE.label),
    (UnitLevel.DISTRICT, UnitLevel.DISTRICT.label),
    (UnitLevel.PROVINCE, UnitLevel.PROVINCE.label),
]


class IndicatorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        unit = f" ({obj.unit_of_measure})" if obj.unit_of_measure else ""
        return f"{obj.localized_name}{unit}"


class NamedChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return getattr(obj, "localized_name", None) or obj.name


def indicators(search: str = ""):
    found = Indicator.objects.order_by("name")
    if search:
        found = found.filter(Q(name__icontains=search) | Q(name_en__icontains=search))
    return found


class StepForm(forms.Form):
    """Every step carries a token: the same step posted twice is applied once."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)


class StartForm(forms.Form):
    code = forms.CharField(
        label=_("Mã biểu"),
        max_length=32,
        help_text=_("Chữ cái không dấu, chữ số và các dấu _ . -, ví dụ BM05-GIAODUC."),
    )
    name = forms.CharField(label=_("Tên biểu"), max_length=400)
    period_type = NamedChoice(
        label=_("Kỳ báo cáo"), queryset=PeriodType.objects.order_by("code"), to_field_name="code"
    )
    reporting_level = forms.ChoiceField(label=_("Cấp báo cáo"), choices=LEVELS)

    def clean_code(self):
        from_code = self.cleaned_data["code"].strip().upper()
        if not CODE_RE.match(from_code):
            raise forms.ValidationError(
                _("Mã chỉ gồm chữ cái không dấu, chữ số và các dấu _ . - (không có dấu cách).")
            )
        return from_code

    def header(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "period_type": data["period_type"].code,
            "reporting_level": data["reporting_level"],
        }


class HeaderForm(StepForm):
    name = forms.CharField(label=_("Tên biểu"), max_length=400)
    name_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=400, required=False)
    period_type = NamedChoice(
        label=_("Kỳ báo cáo"), queryset=PeriodType.objects.order_by("code"), to_field_name="code"
    )
    reporting_level = forms.ChoiceField(label=_("Cấp báo cáo"), choices=LEVELS)
    programme = NamedChoice(
        label=_("Chương trình"),
        queryset=Programme.objects.order_by("code"),
        to_field_name="code",
        required=False,
    )
    legal_basis = forms.CharField(
        label=_("Căn cứ pháp lý (in trên biểu)"), max_length=1000, required=False
    )
    maintainer_note = forms.CharField(
        label=_("Ghi chú biên soạn (không in ra)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    description = forms.CharField(
        label=_("Hướng dẫn cho người nhập"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    opens_days_before_end = forms.IntegerField(
        label=_("Mở nhập trước cuối kỳ (ngày)"), min_value=0, max_value=366
    )
    locks_days_after_end = forms.IntegerField(
        label=_("Khoá nhập sau cuối kỳ (ngày)"), min_value=0, max_value=366
    )
    deadline_commune = forms.IntegerField(
        label=_("Hạn nộp của xã (ngày sau cuối kỳ)"), min_value=0, max_value=366, required=False
    )
    deadline_district = forms.IntegerField(
        label=_("Hạn nộp của huyện (ngày sau cuối kỳ)"), min_value=0, max_value=366, required=False
    )
    deadline_province = forms.IntegerField(
        label=_("Hạn nộp của tỉnh (ngày sau cuối kỳ)"), min_value=0, max_value=366, required=False
    )

    @classmethod
    def initial_from(cls, definition: dict) -> dict:
        deadlines = definition.get("deadlines", {})
        return {
            **{k: definition.get(k) for k in ("name", "name_en", "reporting_level")},
            "period_type": definition.get("period_type"),
            "programme": definition.get("programme") or None,
            "legal_basis": definition.get("legal_basis", ""),
            "maintainer_note": definition.get("maintainer_note", ""),
            "description": definition.get("description", ""),
            "opens_days_before_end": definition.get("opens_days_before_end", 15),
            "locks_days_after_end": definition.get("locks_days_after_end", 60),
            **{f"deadline_{level}": deadlines.get(level) for level in LEVEL_CODES},
        }

    def clean(self):
        data = super().clean()
        level = data.get("reporting_level")
        if level and data.get(f"deadline_{level}") is None:
            self.add_error(
                f"deadline_{level}",
                _("Cần hạn nộp cho cấp báo cáo của biểu."),
            )
        return data

    def header(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "name_en": data["name_en"],
            "period_type": data["period_type"].code,
            "reporting_level": data["reporting_level"],
            "programme": data["programme"].code if data["programme"] else "",
            "legal_basis": data["legal_basis"],
            "maintainer_note": data["maintainer_note"],
            "description": data["description"],
            "opens_days_before_end": data["opens_days_before_end"],
            "locks_days_after_end": data["locks_days_after_end"],
            "deadlines": {level: data[f"deadline_{level}"] for level in LEVEL_CODES},
        }


LEVEL_CODES = [code for code, _label in LEVELS]


class SectionForm(StepForm):
    title = forms.CharField(label=_("Tiêu đề phần"), max_length=400)
    title_en = forms.CharField(label=_("Tiêu đề tiếng Anh"), max_length=400, required=False)
    code = forms.CharField(label=_("Mã phần (để trống: tự đặt)"), max_length=32, required=False)


class _CellsForm(StepForm):
    """A row or a column: its place, label, indicator (optional) and fixed options."""

    section = forms.ChoiceField(label=_("Thuộc phần"))
    label = forms.CharField(label=_("Tên"), max_length=200)
    label_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=200, required=False)
    code = forms.CharField(label=_("Mã (để trống: tự đặt)"), max_length=32, required=False)
    indicator = IndicatorChoice(
        label=_("Chỉ tiêu"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— lấy từ cột/dòng —"),
        widget=forms.Select(attrs={"data-search": ""}),
    )

    def __init__(self, *args, sections=(), search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = list(sections)
        self.fields["section"].choices = [(s["code"], s["title"]) for s in sections]
        self.fields["indicator"].queryset = indicators(search)
        self.categories = list(Category.objects.prefetch_related("options").order_by("code"))
        for category in self.categories:
            self.fields[f"opt_{category.code}"] = forms.ChoiceField(
                label=category.localized_name,
                required=False,
                widget=forms.Select(attrs={"data-search": ""}),
                choices=[("", _("— không cố định —"))]
                + [(o.code, o.localized_name) for o in category.options.all()],
            )

    def option_fields(self):
        return [self[f"opt_{c.code}"] for c in self.categories]

    def clean(self):
        data = super().clean()
        options = {
            c.code: data[f"opt_{c.code}"] for c in self.categories if data.get(f"opt_{c.code}")
        }
        # The indicators this row or column's cells will have: its own, or else those of the
        # columns (rows) of its section.
        if data.get("indicator") is not None:
            wanted = [data["indicator"]]
        else:
            section = next((s for s in self.sections if s["code"] == data.get("section")), {})
            codes = {item.get("indicator") for item in section.get(self.other, [])} - {None, ""}
            wanted = list(Indicator.objects.filter(code__in=codes).prefetch_related("categories"))
        for indicator in wanted:
            allowed = {c.code for c in indicator.categories.all()}
            for category in self.categories:
                if category.code in options and category.code not in allowed:
                    self.add_error(
                        f"opt_{category.code}",
                        _("Chỉ tiêu “%(i)s” không phân tổ theo “%(c)s”: hãy để trống mục này.")
                        % {"i": indicator.localized_name, "c": category.localized_name},
                    )
        data["options"] = options
        return data


class ColumnForm(_CellsForm):
    other = "rows"


class RowForm(_CellsForm):
    other = "columns"
    optional = forms.BooleanField(
        label=_("Dòng ít dùng (thu gọn cho đến khi có số liệu)"), required=False
    )
    min_value = forms.DecimalField(label=_("Giá trị nhỏ nhất"), required=False)
    max_value = forms.DecimalField(label=_("Giá trị lớn nhất"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].max_length = 48

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            self.add_error("max_value", _("Giá trị lớn nhất phải không nhỏ hơn giá trị nhỏ nhất."))
        return data


class RuleForm(StepForm):
    left = IndicatorChoice(
        label=_("Vế trái: tổng của chỉ tiêu"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        widget=forms.Select(attrs={"data-search": ""}),
    )
    operator = forms.ChoiceField(label=_("Phép so sánh"), choices=RuleOperator.choices)
    right = IndicatorChoice(
        label=_("Vế phải: tổng của chỉ tiêu"),
        queryset=Indicator.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— một số —"),
        widget=forms.Select(attrs={"data-search": ""}),
    )
    right_number = forms.DecimalField(label=_("hoặc một số"), required=False)
    importance = forms.ChoiceField(label=_("Mức độ"), choices=RuleImportance.choices)
    message = forms.CharField(label=_("Thông báo cho người nhập"), max_length=400)
    message_en = forms.CharField(label=_("Thông báo tiếng Anh"), max_length=400, required=False)
    code = forms.CharField(label=_("Mã quy tắc (để trống: tự đặt)"), max_length=48, required=False)

    def __init__(self, *args, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left"].queryset = indicators(search)
        self.fields["right"].queryset = indicators(search)

    def clean(self):
        data = super().clean()
        right, number = data.get("right"), data.get("right_number")
        if (right is None) == (number is None) and "right_number" not in self.errors:
            self.add_error(
                "right_number", _("Chọn một chỉ tiêu cho vế phải, hoặc nhập một số (chỉ một).")
            )
        return data

    def expressions(self) -> tuple[str, str]:
        data = self.cleaned_data
        right = (
            f"#{{{data['right'].code}}}"
            if data["right"] is not None
            else format(data["right_number"].normalize(), "f")
        )
        return f"#{{{data['left'].code}}}", right
