from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.channels.models import Channel, State
from dantoc.core.languages import translation_choices


class SubscribeForm(forms.Form):
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    commune = forms.CharField(
        label=_("Mã xã"),
        max_length=10,
        help_text=_("Mã 5 chữ số của xã; trang “Chọn xã của tôi” cho biết mã."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    language = forms.ChoiceField(label=_("Ngôn ngữ của tin nhắn"), required=False)
    consent = forms.BooleanField(label="", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("vi", "Tiếng Việt")] + [
            c for c in translation_choices() if c[0] != "vi"
        ]


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Mã xác nhận (6 chữ số)"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class OutboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Trạng thái"), required=False, choices=[("", _("Tất cả")), *State.choices]
    )
    channel = forms.ChoiceField(
        label=_("Kênh"), required=False, choices=[("", _("Tất cả")), *Channel.choices]
    )


class PreferenceForm(forms.Form):
    urgent_channel = forms.ChoiceField(
        label=_("Việc khẩn báo thêm qua"),
        choices=[
            (Channel.EMAIL, _("Chỉ thư điện tử")),
            (Channel.SMS, _("SMS")),
            (Channel.ZALO_OA, _("Zalo")),
        ],
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=20, required=False)
    zalo_user_id = forms.CharField(label=_("Mã người dùng Zalo"), max_length=64, required=False)
