from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.alerts.models import AlertStatus, Hazard
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.models import Indicator
from dantoc.sensors.models import Aggregation, DeviceKind


class DeviceForm(forms.Form):
    name = forms.CharField(label=_("Tên thiết bị"), max_length=200)
    kind = forms.ChoiceField(label=_("Loại thiết bị"), choices=DeviceKind.choices)
    unit = forms.ModelChoiceField(label=_("Xã đặt thiết bị"), queryset=Unit.objects.none())
    description = forms.CharField(
        label=_("Mô tả, vị trí lắp đặt"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    latitude = forms.DecimalField(
        label=_("Vĩ độ"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Kinh độ"), required=False, max_digits=9, decimal_places=6, min_value=-180,
        max_value=180,
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            level=UnitLevel.COMMUNE, valid_to__isnull=True, path__startswith=user.unit.path
        ).order_by("name")


class DatastreamForm(forms.Form):
    code = forms.SlugField(
        label=_("Mã luồng số liệu"),
        max_length=40,
        help_text=_("Thiết bị gửi mã này kèm mỗi số đo, ví dụ muc_nuoc."),
    )
    name = forms.CharField(label=_("Tên"), max_length=200)
    observed_property = forms.CharField(label=_("Đại lượng đo"), max_length=100)
    unit_of_measurement = forms.CharField(label=_("Đơn vị đo"), max_length=30)
    indicator = forms.ModelChoiceField(
        label=_("Chỉ tiêu nhận giá trị"),
        required=False,
        queryset=Indicator.objects.filter(code__startswith="CB_").order_by("code"),
    )
    aggregation = forms.ChoiceField(
        label=_("Tổng hợp theo tháng"),
        required=False,
        choices=[("", _("Theo chỉ tiêu")), *Aggregation.choices],
    )
    threshold = forms.FloatField(label=_("Ngưỡng cảnh báo"), required=False)
    hazard = forms.ChoiceField(
        label=_("Loại thiên tai khi vượt ngưỡng"),
        required=False,
        choices=[("", "—"), *Hazard.choices],
    )


class CrossingDecisionForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Cấp độ rủi ro"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], initial=1
    )
    status = forms.ChoiceField(
        label=_("Tính chất"), choices=AlertStatus.choices, initial=AlertStatus.ACTUAL
    )
    # The draft's words, as the officer edited them (blank: the draft's own).
    headline = forms.CharField(label=_("Tiêu đề"), max_length=160, required=False)
    description = forms.CharField(
        label=_("Mô tả"), max_length=4000, required=False, widget=forms.Textarea
    )
    instruction = forms.CharField(
        label=_("Việc người dân cần làm"), max_length=4000, required=False, widget=forms.Textarea
    )
