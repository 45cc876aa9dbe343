"""The data-set editor's form: metadata and the analytics definition, in an officer's words."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.analytics.models import ComputedIndicator
from dantoc.indicators.models import Category, Indicator
from dantoc.opendata.models import Frequency, Licence, Theme
from dantoc.opendata.services import DatasetInput, keywords_parse


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text or "") if c]


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
    periods = forms.CharField(
        label=_("Kỳ"), help_text=_("Cách nhau bởi dấu phẩy: 2025, 2026Q1, 2026Q2, 2026S1.")
    )
    units = forms.CharField(
        label=_("Đơn vị"),
        help_text=_(
            "Mã đơn vị, LEVEL-province / LEVEL-commune (các đơn vị cấp đó bên dưới), "
            "CHILDREN. Ví dụ: 08, LEVEL-commune (tỉnh 08 và các xã của tỉnh)."
        ),
    )
    categories = forms.MultipleChoiceField(
        label=_("Phân tổ"), widget=forms.CheckboxSelectMultiple, required=False
    )
    theme = forms.ChoiceField(label=_("Chủ đề"), choices=Theme.choices)
    keywords = forms.CharField(
        label=_("Từ khoá"), required=False, help_text=_("Cách nhau bởi dấu phẩy.")
    )
    licence = forms.ChoiceField(label=_("Giấy phép"), choices=Licence.choices, initial="cc-by")
    frequency = forms.ChoiceField(
        label=_("Tần suất cập nhật"), choices=Frequency.choices, initial="QUARTERLY"
    )
    spatial = forms.CharField(
        label=_("Phạm vi không gian"),
        required=False,
        max_length=300,
        help_text=_("Để trống: tên đơn vị công bố."),
    )
    contact_name = forms.CharField(label=_("Người (đơn vị) liên hệ"), max_length=150)
    contact_email = forms.EmailField(label=_("Thư điện tử liên hệ"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(i.code, f"{i.code} – {i.localized_name}") for i in Indicator.objects.all()]
        choices += [
            (c.code, f"{c.code} – {c.localized_name}") for c in ComputedIndicator.objects.all()
        ]
        self.fields["indicators"].choices = choices
        self.fields["categories"].choices = [
            (c.code, c.localized_name) for c in Category.objects.order_by("code")
        ]

    @staticmethod
    def initial_from(dataset) -> dict:
        return {
            "name": dataset.name,
            "title": dataset.title,
            "title_en": dataset.title_en,
            "description": dataset.description,
            "description_en": dataset.description_en,
            "indicators": dataset.indicators,
            "periods": ", ".join(dataset.periods),
            "units": ", ".join(dataset.units),
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
            periods=_codes(d["periods"]),
            units=_codes(d["units"]),
            categories=list(d["categories"]),
            keywords=keywords_parse(d["keywords"]),
            licence=d["licence"],
            frequency=d["frequency"],
            spatial=d["spatial"],
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
