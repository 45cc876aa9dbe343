from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.indicators.models import Category, Indicator
from dantoc.indicators.services import indicator_code_problem
from dantoc.programmes.forms import ComponentChoiceField
from dantoc.programmes.models import Component


class IndicatorForm(forms.ModelForm):
    component = ComponentChoiceField(
        label=_("thuộc dự án"),
        queryset=Component.objects.select_related("programme"),
        required=False,
    )
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

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        unchanged = self.instance.pk is not None and code == self.instance.code
        if not unchanged and (problem := indicator_code_problem(code)):
            raise forms.ValidationError(problem)
        return code
