from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.core.languages import translation_choices
from dantoc.editorial import revisions
from dantoc.geo.models import EthnicGroup, UnitLevel
from dantoc.geo.selectors import unit_get
from dantoc.heritage.models import ItemKind, Protocol, ProtocolKind, Season, Sharing
from dantoc.heritage.services import ITEM_FIELDS, ItemData, item_data_of_state

LICENCES = [
    ("CC BY-NC 4.0", "CC BY-NC 4.0"),
    ("CC BY 4.0", "CC BY 4.0"),
    ("CC BY-SA 4.0", "CC BY-SA 4.0"),
    ("CC BY-NC-SA 4.0", "CC BY-NC-SA 4.0"),
    ("CC BY-NC-ND 4.0", "CC BY-NC-ND 4.0"),
    ("CC0 1.0", "CC0 1.0"),
    ("Bảo lưu mọi quyền", _("Bảo lưu mọi quyền")),
]


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại di sản"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Tên"), max_length=250)
    description = forms.CharField(label=_("Mô tả"), widget=forms.Textarea(attrs={"rows": 6}))
    ethnic_groups = forms.ModelMultipleChoiceField(
        label=_("Dân tộc"),
        queryset=EthnicGroup.objects.order_by("code"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    commune_code = forms.CharField(
        label=_("Mã xã"),
        max_length=10,
        required=False,
        help_text=_("Mã xã theo danh mục hành chính (trước hoặc sau sắp xếp 2025), ví dụ 00715."),
    )
    community = forms.CharField(label=_("Cộng đồng"), max_length=200, required=False)
    season = forms.ChoiceField(label=_("Mùa"), choices=[("", "—"), *Season.choices], required=False)
    lunar_month = forms.IntegerField(
        label=_("Tháng âm lịch"), min_value=1, max_value=12, required=False
    )
    lunar_day = forms.IntegerField(
        label=_("Ngày âm lịch"), min_value=1, max_value=30, required=False
    )
    time_note = forms.CharField(label=_("Ghi chú thời gian"), max_length=200, required=False)
    language = forms.CharField(label=_("Ngôn ngữ (mã)"), max_length=12, initial="vi")
    creator = forms.CharField(label=_("Người ghi chép / sưu tầm"), max_length=250, required=False)
    subject = forms.CharField(
        label=_("Chủ đề (cách nhau bằng dấu ;)"), max_length=300, required=False
    )
    date = forms.CharField(label=_("Thời gian ghi nhận"), max_length=40, required=False)
    performers = forms.CharField(
        label=_("Người trình diễn / kể chuyện"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một người; chỉ ghi tên khi người đó đã đồng ý."),
    )
    performers_consent = forms.BooleanField(
        label=_("Người trình diễn đã đồng ý công bố tên"), required=False
    )
    rights = forms.CharField(label=_("Quyền"), max_length=300, required=False)
    licence = forms.ChoiceField(label=_("Giấy phép"), choices=LICENCES)
    protocols = forms.ModelMultipleChoiceField(
        label=_("Giao thức văn hoá (ai được xem)"),
        queryset=Protocol.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    sharing = forms.ChoiceField(
        label=_("Khi có nhiều giao thức"), choices=Sharing.choices, initial=Sharing.ANY
    )

    def clean_commune_code(self):
        code = self.cleaned_data["commune_code"].strip()
        if not code:
            return None
        unit = unit_get(code=code)
        if unit is None or unit.level != UnitLevel.COMMUNE:
            raise forms.ValidationError(_("Không tìm thấy xã có mã %(code)s.") % {"code": code})
        return unit

    def item_data(self) -> ItemData:
        data = self.cleaned_data
        return ItemData(
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            ethnic_groups=list(data["ethnic_groups"]),
            protocols=list(data["protocols"]),
            sharing=data["sharing"],
            creator=data["creator"],
            subject=data["subject"],
            date=data["date"],
            language=data["language"],
            rights=data["rights"],
            licence=data["licence"],
            commune=data["commune_code"],
            season=data["season"],
            lunar_month=data["lunar_month"],
            lunar_day=data["lunar_day"],
            time_note=data["time_note"],
            community=data["community"],
            performers=data["performers"],
            performers_consent=data["performers_consent"],
        )


def initial_from(item) -> dict:
    """The form's values: the open revision's when there is one (what the contributor goes
    on editing), else the item's."""
    if revisions.revision_open(item) is not None:
        data = item_data_of_state(revisions.pending_state(item))
        return {
            **{name: getattr(data, name) for name in ITEM_FIELDS if name != "commune"},
            "ethnic_groups": data.ethnic_groups,
            "protocols": data.protocols,
            "commune_code": data.commune.code if data.commune else "",
        }
    return {
        **{
            name: getattr(item, name)
            for name in (
                "kind",
                "title",
                "description",
                "community",
                "season",
                "lunar_month",
                "lunar_day",
                "time_note",
                "language",
                "creator",
                "subject",
                "date",
                "performers",
                "performers_consent",
                "rights",
                "licence",
                "sharing",
            )
        },
        "ethnic_groups": list(item.ethnic_groups.all()),
        "protocols": list(item.protocols.all()),
        "commune_code": item.commune.code if item.commune else "",
    }


class MediaForm(forms.Form):
    file = forms.FileField(label=_("Tệp (ảnh, âm thanh, video, tài liệu)"))
    caption = forms.CharField(label=_("Chú thích"), max_length=300, required=False)
    protocols = forms.ModelMultipleChoiceField(
        label=_("Giao thức của tệp (để trống: như tư liệu)"),
        queryset=Protocol.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sharing = forms.ChoiceField(
        label=_("Khi có nhiều giao thức"), choices=Sharing.choices, initial=Sharing.ANY
    )


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập của thành viên"), max_length=150)
    steward = forms.BooleanField(label=_("Người quản lý giao thức"), required=False)


MONTHS = [(m, _("Tháng %(m)s") % {"m": m}) for m in range(1, 13)]


class ProtocolForm(forms.Form):
    name = forms.CharField(label=_("Tên giao thức"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Ai được xem"),
        choices=ProtocolKind.choices,
        initial=ProtocolKind.COMMUNITY,
        help_text=_("Cộng đồng: chỉ thành viên đã đăng nhập mới xem được tư liệu."),
    )
    community = forms.CharField(label=_("Cộng đồng"), max_length=200, required=False)
    ethnic_group = forms.ModelChoiceField(
        label=_("Dân tộc"), queryset=EthnicGroup.objects.order_by("code"), required=False
    )
    notice = forms.CharField(
        label=_("Lưu ý hiện trên tư liệu"),
        max_length=300,
        required=False,
        help_text=_("Ví dụ: “Chỉ dùng trong cộng đồng”, “Ghi công cộng đồng khi sử dụng”."),
    )
    months = forms.TypedMultipleChoiceField(
        label=_("Chỉ xem được trong các tháng (để trống: quanh năm)"),
        choices=MONTHS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class InventoryEntryForm(forms.Form):
    ethnic_group = forms.ModelChoiceField(
        label=_("Dân tộc"), queryset=EthnicGroup.objects.order_by("code")
    )
    name = forms.CharField(label=_("Tên lễ hội / phong tục"), max_length=250)
    kind = forms.ChoiceField(label=_("Loại"), choices=ItemKind.choices)
    target_year = forms.IntegerField(
        label=_("Năm hoàn thành theo kế hoạch"), min_value=2021, max_value=2035
    )
    item = forms.ChoiceField(
        label=_("Tư liệu đã số hoá"),
        required=False,
        help_text=_("Tư liệu di sản mô tả lễ hội, phong tục này (khi đã có)."),
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {str(item.uuid): item for item in items}
        self.fields["item"].choices = [("", "—")] + [
            (key, item.title) for key, item in self.items.items()
        ]

    def clean_item(self):
        return self.items.get(self.cleaned_data["item"]) if self.cleaned_data["item"] else None


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=translation_choices)
    title = forms.CharField(label=_("Tên"), max_length=250)
    description = forms.CharField(
        label=_("Mô tả"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
