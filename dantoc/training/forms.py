import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.accounts.models import Role
from dantoc.experts.selectors import experts_for_officials
from dantoc.geo.models import LEVEL_DEPTH, UnitLevel
from dantoc.geo.pickers import unit_label, units_for_text
from dantoc.training.models import Audience, EventKind, SessionMode


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=250, required=False)
    file = forms.FileField(
        label=_("Tệp (PDF, DOCX, XLSX, ảnh, âm thanh, video)"),
        help_text=_("Video và âm thanh được chuyển sang cỡ nhẹ cho điện thoại."),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AudienceForm(forms.Form):
    """Whom an event is for, within the organising unit's subtree (``unit``)."""

    audience_levels = forms.MultipleChoiceField(
        label=_("Chỉ cán bộ các cấp"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn: mọi cấp."),
    )
    audience_roles = forms.MultipleChoiceField(
        label=_("Chỉ cán bộ có vai trò"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn: mọi vai trò."),
    )
    audience_units = forms.CharField(
        label=_("Chỉ các đơn vị (với người dân: các xã)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Tên hoặc mã đơn vị, mỗi dòng một đơn vị (hoặc cách nhau bằng dấu chấm phẩy); "
            "gồm cả các đơn vị trực thuộc. Để trống: cả đơn vị tổ chức."
        ),
    )

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        depth = LEVEL_DEPTH.get(unit.level, 0)
        self.fields["audience_levels"].choices = [
            (v, label) for v, label in UnitLevel.choices if LEVEL_DEPTH[v] >= depth
        ]
        self.fields["audience_roles"].choices = [
            (r.code, r.localized_name) for r in Role.objects.order_by("code")
        ]

    def clean_audience_units(self):
        units, errors = [], []
        for text in re.split(r"[;\n]", self.cleaned_data.get("audience_units") or ""):
            text = text.strip()
            if not text:
                continue
            found = units_for_text(text)
            if len(found) == 1:
                units.append(found[0])
            elif not found:
                errors.append(_("Không tìm thấy đơn vị “%(text)s”.") % {"text": text})
            else:
                errors.append(
                    _("“%(text)s” khớp nhiều đơn vị: %(units)s; ghi mã đơn vị.")
                    % {"text": text, "units": "; ".join(unit_label(u) for u in found[:5])}
                )
        if errors:
            raise forms.ValidationError(errors)
        return units

    def audience(self) -> dict:
        return {
            "audience_levels": self.cleaned_data.get("audience_levels") or [],
            "audience_roles": self.cleaned_data.get("audience_roles") or [],
            "audience_units": self.cleaned_data.get("audience_units") or [],
        }


class EventForm(AudienceForm):
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
