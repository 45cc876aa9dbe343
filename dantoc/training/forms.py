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


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Tên khóa học"), max_length=250)
    summary = forms.CharField(
        label=_("Giới thiệu"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    pass_score = forms.IntegerField(label=_("Điểm đạt (%)"), min_value=1, max_value=100, initial=70)


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Tên bài"), max_length=250)
    body = forms.CharField(
        label=_("Nội dung (dòng trống tách đoạn)"), widget=forms.Textarea(attrs={"rows": 6})
    )
    media_file = forms.FileField(
        label=_("Ảnh, âm thanh hoặc video (không bắt buộc)"), required=False
    )


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Câu hỏi"), max_length=500)
    choices = forms.CharField(
        label=_("Phương án trả lời: mỗi dòng một phương án, dấu * ở đầu phương án đúng"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    explanation = forms.CharField(
        label=_("Giải thích (hiện sau khi nộp bài)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def choice_list(self) -> list[tuple[str, bool]]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        return [(line.lstrip("*").strip(), line.startswith("*")) for line in lines if line]
