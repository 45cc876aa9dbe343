from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.experts.selectors import experts_for_officials
from dantoc.training.models import Audience, EventKind, SessionMode


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=EventKind.choices)
    title = forms.CharField(label=_("Tên sự kiện"), max_length=250)
    audience = forms.ChoiceField(label=_("Đối tượng"), choices=Audience.choices)
    venue = forms.CharField(label=_("Địa điểm"), max_length=250, required=False)
    description = forms.CharField(
        label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Kết thúc"), widget=DateTimeInput())
    mode = forms.ChoiceField(label=_("Hình thức phiên đầu"), choices=SessionMode.choices)
    trainers = forms.CharField(label=_("Giảng viên"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("Thời gian kết thúc phải sau thời gian bắt đầu."))
        return data


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Tên phiên"), max_length=250)
    mode = forms.ChoiceField(label=_("Hình thức"), choices=SessionMode.choices)
    venue = forms.CharField(label=_("Địa điểm"), max_length=250, required=False)
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Kết thúc"), widget=DateTimeInput())
    trainer_expert = forms.ModelChoiceField(
        label=_("Giảng viên từ cơ sở dữ liệu chuyên gia"),
        queryset=experts_for_officials().order_by("full_name", "pk"),
        to_field_name="uuid",
        required=False,
        empty_label=_("— Không chọn —"),
    )
    trainers = forms.CharField(label=_("Giảng viên khác"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["trainer_expert"]
        field.queryset = field.queryset.only("uuid", "full_name", "organisation")
        field.label_from_instance = lambda e: (
            f"{e.full_name} — {e.organisation}" if e.organisation else e.full_name
        )

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] < data["starts_at"]:
            self.add_error("ends_at", _("Thời gian kết thúc phải sau thời gian bắt đầu."))
        return data


RATINGS = [(str(n), str(n)) for n in range(1, 6)]


class FeedbackForm(forms.Form):
    content_rating = forms.TypedChoiceField(
        label=_("Nội dung (1–5)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    trainer_rating = forms.TypedChoiceField(
        label=_("Giảng viên (1–5)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Góp ý"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Chứng nhận Open Badges (JWT)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
    )
