from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.indicators.models import Category, Indicator


class IndicatorForm(forms.ModelForm):
    categories = forms.ModelMultipleChoiceField(
        label=_("Phân tổ"),
        queryset=Category.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Indicator
        fields = [
            "code", "name", "name_en", "unit_of_measure", "value_type", "aggregation",
            "component", "description",
        ]  # fmt: skip
