from __future__ import annotations

import uuid

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from dantoc.accounts.permissions import unit_in_scope
from dantoc.core.languages import CONTENT_LANGUAGES
from dantoc.core.widgets import QuickSelect
from dantoc.experts import selectors
from dantoc.experts.models import (
    ActivityKind,
    Availability,
    EngagementKind,
    ExpertiseField,
    LanguageLevel,
)
from dantoc.experts.services import Activity, EngagementData, LanguageSkill, ProfileData
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import units_valid_on
from dantoc.programmes.models import Component

ACTIVITY_FIELDS = {
    ActivityKind.QUALIFICATION: "qualifications",
    ActivityKind.WORK: "works",
    ActivityKind.SERVICE: "services",
}


# Reference data, read by every directory page: kept in the cache for five minutes.
CHOICES_SECONDS = 300


def _province_choices():
    return cache.get_or_set(
        "experts:province-choices",
        lambda: [(u.code, u.name) for u in selectors.provinces_current()],
        CHOICES_SECONDS,
    )


def _group_choices():
    return cache.get_or_set(
        "experts:group-choices",
        lambda: [(g.code, g.name) for g in EthnicGroup.objects.order_by("code")],
        CHOICES_SECONDS,
    )


def _field_choices():
    return cache.get_or_set(
        "experts:field-choices",
        lambda: [(f.code, f"{f.code} — {f.name}") for f in _sorted_fields()],
        CHOICES_SECONDS,
    )


def _sorted_fields():
    fields = list(ExpertiseField.objects.select_related("parent"))

    def key(f):
        top = f.parent or f
        return (top.order, top.code, 0 if f.parent_id is None else 1, f.order)

    return sorted(fields, key=key)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Từ khoá"), required=False, max_length=200)
    field = forms.ChoiceField(label=_("Lĩnh vực"), required=False, widget=QuickSelect)
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=False, widget=QuickSelect)
    ethnic_group = forms.ChoiceField(label=_("Dân tộc"), required=False, widget=QuickSelect)
    language = forms.ChoiceField(label=_("Ngôn ngữ"), required=False, widget=QuickSelect)
    availability = forms.ChoiceField(
        label=_("Khả năng nhận việc"), required=False, widget=QuickSelect
    )
    verified = forms.BooleanField(label=_("Chỉ chuyên gia đã xác minh"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("Tất cả"))]
        self.fields["field"].choices = everything + _field_choices()
        self.fields["province"].choices = everything + _province_choices()
        self.fields["ethnic_group"].choices = everything + _group_choices()
        self.fields["language"].choices = everything + [
            (lang.code, lang.name) for lang in CONTENT_LANGUAGES
        ]
        self.fields["availability"].choices = everything + list(Availability.choices)

    def params(self) -> selectors.SearchParams:
        data = self.cleaned_data if self.is_valid() else {}
        return selectors.SearchParams(
            q=data.get("q", ""),
            field=data.get("field", ""),
            province=data.get("province", ""),
            ethnic_group=data.get("ethnic_group", ""),
            language=data.get("language", ""),
            availability=data.get("availability", ""),
            verified=bool(data.get("verified")),
        )


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    organisation = forms.CharField(label=_("Cơ quan, tổ chức"), max_length=300, required=False)
    position = forms.CharField(label=_("Chức danh"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Giới thiệu ngắn (công khai)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    fields_ = forms.MultipleChoiceField(
        label=_("Lĩnh vực chuyên môn"), required=False, widget=forms.CheckboxSelectMultiple
    )
    provinces = forms.MultipleChoiceField(
        label=_("Tỉnh, thành phố đã làm việc"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    ethnic_groups = forms.MultipleChoiceField(
        label=_("Dân tộc đã làm việc cùng"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    communes = forms.CharField(
        label=_("Xã đã làm việc (mã xã)"),
        required=False,
        max_length=600,
        help_text=_("Mã 5 chữ số của từng xã, cách nhau bởi dấu phẩy, ví dụ 00715, 00700."),
    )
    orcid = forms.CharField(
        label=_("ORCID iD"),
        required=False,
        max_length=40,
        help_text=_("Dạng 0000-0002-1825-0097; số cuối là số kiểm tra."),
    )
    availability = forms.ChoiceField(label=_("Khả năng nhận việc"), choices=Availability.choices)
    qualifications = forms.CharField(
        label=_("Bằng cấp, chứng chỉ (mỗi dòng một mục)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    works = forms.CharField(
        label=_("Công trình, ấn phẩm (mỗi dòng một mục)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    services = forms.CharField(
        label=_("Dự án đã tham gia (mỗi dòng một mục)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = forms.EmailField(label=_("Thư điện tử (hạn chế)"), required=False)
    phone = forms.CharField(label=_("Điện thoại (hạn chế)"), max_length=30, required=False)
    address = forms.CharField(label=_("Địa chỉ liên hệ (hạn chế)"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fields_"].choices = [
            (f.code, f"{f.code} — {f.name}") for f in _sorted_fields()
        ]
        self.fields["provinces"].choices = _province_choices()
        self.fields["ethnic_groups"].choices = _group_choices()
        for lang in CONTENT_LANGUAGES:
            self.fields[f"lang_{lang.code}"] = forms.ChoiceField(
                label=lang.name
                if lang.name_local in lang.name
                else f"{lang.name} ({lang.name_local})",
                required=False,
                choices=[("", "—"), *LanguageLevel.choices],
            )

    def clean_communes(self):
        codes = [
            c.strip() for c in self.cleaned_data.get("communes", "").replace(";", ",").split(",")
        ]
        codes = [c for c in codes if c]
        found = {u.code: u for u in units_valid_on().filter(level="commune", code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise forms.ValidationError(
                _("Không có xã mã %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return [found[c] for c in dict.fromkeys(codes)]

    def language_fields(self):
        return [self[f"lang_{lang.code}"] for lang in CONTENT_LANGUAGES]

    def profile_data(self) -> ProfileData:
        d = self.cleaned_data
        provinces = {u.code: u for u in selectors.provinces_current()}
        activities = []
        for kind, name in ACTIVITY_FIELDS.items():
            for line in d.get(name, "").splitlines():
                if line.strip():
                    activities.append(Activity(kind=kind, title=line.strip()))
        return ProfileData(
            full_name=d["full_name"],
            organisation=d.get("organisation", ""),
            position=d.get("position", ""),
            summary=d.get("summary", ""),
            orcid=d.get("orcid", ""),
            availability=d["availability"],
            email=d.get("email", ""),
            phone=d.get("phone", ""),
            address=d.get("address", ""),
            fields=list(ExpertiseField.objects.filter(code__in=d.get("fields_", []))),
            provinces=[provinces[c] for c in d.get("provinces", []) if c in provinces],
            communes=d.get("communes") or [],
            ethnic_groups=list(EthnicGroup.objects.filter(code__in=d.get("ethnic_groups", []))),
            languages=[
                LanguageSkill(lang.code, d[f"lang_{lang.code}"])
                for lang in CONTENT_LANGUAGES
                if d.get(f"lang_{lang.code}")
            ],
            activities=activities,
        )

    @classmethod
    def initial_from(cls, expert) -> dict:
        initial = {
            "full_name": expert.full_name,
            "organisation": expert.organisation,
            "position": expert.position,
            "summary": expert.summary,
            "orcid": expert.orcid,
            "availability": expert.availability,
            "email": expert.email,
            "phone": expert.phone,
            "address": expert.address,
            "fields_": list(expert.fields.values_list("code", flat=True)),
            "provinces": list(expert.provinces.values_list("code", flat=True)),
            "communes": ", ".join(expert.communes.values_list("code", flat=True)),
            "ethnic_groups": list(expert.ethnic_groups.values_list("code", flat=True)),
        }
        for x in expert.languages.all():
            initial[f"lang_{x.code}"] = x.level
        for kind, name in ACTIVITY_FIELDS.items():
            initial[name] = "\n".join(a.title for a in expert.activities.all() if a.kind == kind)
        return initial


class ConsentForm(forms.Form):
    consent_public = forms.BooleanField(
        label=_("Công khai phần tóm tắt (tên, cơ quan, lĩnh vực, địa bàn, ngôn ngữ) trên danh bạ"),
        required=False,
    )
    consent_officials = forms.BooleanField(
        label=_(
            "Cho cán bộ Chương trình xem liên hệ và tài liệu của tôi (mỗi lần xem được ghi lại)"
        ),
        required=False,
    )


class RegisterForm(ProfileForm, ConsentForm):
    username = forms.RegexField(label=_("Tên đăng nhập"), max_length=150, regex=r"^[\w.@+-]+$")
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput)
    purpose_accepted = forms.BooleanField(
        label=_("Tôi đồng ý để dữ liệu trên được xử lý cho mục đích nêu trên"), required=False
    )
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    field_order = ["username", "password"]

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["username"]
            del self.fields["password"]


class InvitationForm(ConsentForm):
    username = forms.RegexField(label=_("Tên đăng nhập"), max_length=150, regex=r"^[\w.@+-]+$")
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput)
    purpose_accepted = forms.BooleanField(
        label=_("Tôi đồng ý để dữ liệu trên được xử lý cho mục đích nêu trên"), required=False
    )


class OfficialCreateForm(ProfileForm):
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class VerifyForm(forms.Form):
    note = forms.CharField(
        label=_("Đã kiểm tra những gì"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EngagementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=EngagementKind.choices)
    component = forms.ChoiceField(label=_("Dự án / tiểu dự án"), required=False)
    province = forms.ChoiceField(label=_("Địa bàn (tỉnh)"))
    title = forms.CharField(label=_("Nội dung"), max_length=300)
    started_on = forms.DateField(label=_("Từ ngày"), widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(
        label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    rating = forms.TypedChoiceField(
        label=_("Đánh giá"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)],
    )
    evaluation = forms.CharField(
        label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [("", "—")] + [
            (c.code, f"{c.code} — {c.name[:90]}") for c in selectors.component_choices()
        ]
        self.fields["province"].choices = [
            (u.code, u.name)
            for u in selectors.provinces_current()
            if user is None or unit_in_scope(user, u)
        ]

    def data_obj(self) -> EngagementData:
        d = self.cleaned_data
        province = selectors.provinces_current().get(code=d["province"])
        component = (
            Component.objects.filter(programme__code="CTMTQG-1719", code=d["component"]).first()
            if d.get("component")
            else None
        )
        return EngagementData(
            kind=d["kind"],
            unit=province,
            title=d["title"],
            started_on=d["started_on"],
            ended_on=d.get("ended_on"),
            component=component,
            rating=d.get("rating"),
            evaluation=d.get("evaluation", ""),
        )


class MatchForm(forms.Form):
    component = forms.ChoiceField(label=_("Dự án / tiểu dự án"))
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"))
    ethnic_groups = forms.MultipleChoiceField(
        label=_("Dân tộc ở địa bàn"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [
            (c.code, f"{c.code} — {c.name[:90]}") for c in selectors.component_choices()
        ]
        self.fields["province"].choices = _province_choices()
        self.fields["ethnic_groups"].choices = _group_choices()

    def request_obj(self) -> selectors.MatchRequest:
        """The officer's groups, or (none chosen) the groups of the province's figures."""
        d = self.cleaned_data
        province = selectors.provinces_current().get(code=d["province"])
        chosen = list(EthnicGroup.objects.filter(code__in=d.get("ethnic_groups", [])))
        return selectors.MatchRequest(
            component=Component.objects.get(programme__code="CTMTQG-1719", code=d["component"]),
            province=province,
            ethnic_groups=chosen or selectors.ethnic_groups_of_province(province),
            groups_source="chosen" if chosen else "figures",
        )


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Ảnh chân dung (JPEG, PNG, WebP)"))


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=200)
    file = forms.FileField(label=_("Tệp (PDF, DOCX, ảnh)"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp Excel (.xlsx) theo mẫu"))
