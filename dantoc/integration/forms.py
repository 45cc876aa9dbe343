from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.geo.pickers import UnitPickerField
from dantoc.integration.feeds import FEEDS
from dantoc.integration.scopes import SCOPES
from dantoc.integration.services import MAX_RATE_LIMIT

SCOPE_CHOICES = [(code, f"{code}: {text}") for code, text in SCOPES.items()]
FEED_CHOICES = [(name, f"{name}: {feed.description}") for name, feed in FEEDS.items()]


class ClientEditForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Phạm vi quyền"), choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    rate_limit = forms.IntegerField(
        label=_("Giới hạn yêu cầu mỗi phút"), min_value=1, max_value=MAX_RATE_LIMIT, initial=120
    )
    contact = forms.CharField(label=_("Người liên hệ"), max_length=200, required=False)


class ClientCreateForm(ClientEditForm):
    name = forms.CharField(
        label=_("Tên ứng dụng"),
        max_length=100,
        help_text=_("Ví dụ: Cổng thông tin điện tử tỉnh Tuyên Quang"),
    )
    unit_code = UnitPickerField(
        label=_("Tỉnh hoặc cả nước"),
        levels=["country", "province"],
        help_text=_("Gõ tên tỉnh (có dấu hay không dấu đều được) hoặc mã; VN: cả nước."),
    )
    field_order = ["name", "unit_code", "scopes", "rate_limit", "contact"]


class SubscriptionForm(forms.Form):
    url = forms.URLField(label=_("Địa chỉ nhận (URL)"), max_length=500, assume_scheme="https")
    feeds = forms.MultipleChoiceField(
        label=_("Nguồn tin"),
        choices=FEED_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Để trống: mọi nguồn tin"),
    )
    province_code = UnitPickerField(
        label=_("Chỉ nội dung liên quan tới tỉnh"), levels=["province"], required=False
    )
    description = forms.CharField(label=_("Ghi chú"), max_length=200, required=False)
