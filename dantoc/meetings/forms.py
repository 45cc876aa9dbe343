"""Forms of the organiser's pages. Times are entered in Asia/Ho_Chi_Minh (the site's zone)."""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dantoc.accounts.models import RoleCode, User
from dantoc.accounts.permissions import scope_q
from dantoc.geo.models import Unit, UnitLevel
from dantoc.meetings.models import MeetingKind, MeetingMode

AUDIENCES = (
    ("", _("— Không mời theo nhóm —")),
    ("provinces", _("Tất cả Ban chỉ đạo cấp tỉnh (cán bộ cấp tỉnh)")),
    ("communes", _("Các xã của tỉnh đã chọn")),
    ("own", _("Cán bộ đơn vị mình")),
)
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Tên cuộc họp"), max_length=200)
    kind = forms.ChoiceField(label=_("Loại"), choices=MeetingKind.choices)
    mode = forms.ChoiceField(
        label=_("Hình thức"), choices=MeetingMode.choices, initial=MeetingMode.ONLINE
    )
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Kết thúc"), widget=DATETIME)
    location = forms.CharField(
        label=_("Địa điểm (họp trực tiếp, kết hợp)"), max_length=255, required=False
    )
    agenda = forms.CharField(
        label=_("Chương trình"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user, with_invitees=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
        if not with_invitees:
            return
        self.fields["audience"] = forms.ChoiceField(
            label=_("Mời theo nhóm"), choices=AUDIENCES, required=False
        )
        provinces = Unit.objects.filter(
            scope_q(user), level=UnitLevel.PROVINCE, valid_to__isnull=True
        )
        if user.unit.level == UnitLevel.PROVINCE:
            provinces = Unit.objects.filter(pk=user.unit_id)
        self.fields["province"] = forms.ModelChoiceField(
            label=_("Tỉnh (cho “các xã của tỉnh”)"), queryset=provinces, required=False
        )
        self.fields["role"] = forms.ChoiceField(
            label=_("Chỉ mời người giữ vai trò"),
            choices=[("", _("— Mọi vai trò —")), *RoleCode.choices],
            required=False,
        )
        self.fields["people"] = forms.ModelMultipleChoiceField(
            label=_("Mời đích danh"),
            queryset=User.objects.filter(scope_q(user, "unit__path"), is_active=True)
            .select_related("unit")
            .order_by("unit__path", "full_name")[:300],
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )
        self.fields["people"].label_from_instance = lambda u: (
            f"{u.full_name or u.username} — {u.unit.name if u.unit else ''}"
        )

    def clean(self):
        data = super().clean()
        if data.get("audience") == "communes" and not data.get("province"):
            self.add_error("province", _("Chọn tỉnh có các xã được mời."))
        return data

    def invited_units(self) -> list[Unit]:
        audience = self.cleaned_data.get("audience")
        if audience == "provinces":
            return list(
                Unit.objects.filter(
                    scope_q(self.user), level=UnitLevel.PROVINCE, valid_to__isnull=True
                )
            )
        if audience == "communes":
            province = self.cleaned_data["province"]
            return list(
                Unit.objects.filter(
                    Q(path__startswith=province.path),
                    level=UnitLevel.COMMUNE,
                    valid_to__isnull=True,
                )
            )
        if audience == "own":
            return [self.user.unit]
        return []


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Biên bản"), widget=forms.Textarea(attrs={"rows": 8}))
    decisions = forms.CharField(
        label=_("Kết luận, quyết định"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Nhiệm vụ"), max_length=255)
    unit = forms.ModelChoiceField(label=_("Đơn vị thực hiện"), queryset=Unit.objects.none())
    due_date = forms.DateField(
        label=_("Hạn hoàn thành"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        units = {inv.user.unit_id for inv in meeting.invitations.select_related("user")} | {
            meeting.unit_id
        }
        self.fields["unit"].queryset = Unit.objects.filter(scope_q(user), pk__in=units).order_by(
            "path"
        )


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("Tài liệu (PDF, DOCX, XLSX, ảnh)"))
    title = forms.CharField(label=_("Tên tài liệu"), max_length=255, required=False)


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Mã điểm danh (quét QR trên giấy mời)"), max_length=64)
