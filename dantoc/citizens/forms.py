"""Editor forms for citizen information. They parse and check input; the services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.citizens.models import REGIONS, MarketProduct, OcopGroup, Topic
from dantoc.core.languages import translation_choices
from dantoc.portal import selectors as portal_selectors
from dantoc.portal.models import LegalDocument, publicly_visible_q

PLAIN = _("Viết câu ngắn, từ thường ngày; mỗi ý một dòng.")


def _area(rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), required=False, **kwargs)


class ItemForm(forms.Form):
    topic = forms.ChoiceField(label=_("Chủ đề"), choices=Topic.choices)
    unit = forms.ModelChoiceField(label=_("Đơn vị quản lý"), queryset=None)
    title = forms.CharField(label=_("Tiêu đề"), max_length=200)
    summary = forms.CharField(
        label=_("Tóm tắt (một hai câu)"),
        max_length=600,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    for_whom = _area(label=_("Ai được hưởng"), help_text=PLAIN)
    benefits = _area(label=_("Được hưởng gì"), help_text=PLAIN)
    how_to_apply = _area(label=_("Làm thế nào (các bước)"), help_text=PLAIN)
    where_to_apply = _area(label=_("Nộp giấy ở đâu"))
    deadline = forms.DateField(
        label=_("Hạn cuối"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    contact = _area(2, label=_("Hỏi ai, số điện thoại"))
    body = _area(8, label=_("Nội dung thêm"), help_text=PLAIN)
    legal_document = forms.ModelChoiceField(
        label=_("Văn bản căn cứ"), queryset=None, required=False
    )
    regions = forms.MultipleChoiceField(
        label=_("Áp dụng cho xã thuộc khu vực"),
        choices=[(r, r) for r in REGIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Không chọn khu vực nào và không đánh dấu thôn ĐBKK: áp dụng ở mọi nơi."),
    )
    dbkk_villages = forms.BooleanField(
        label=_("Áp dụng cho xã có thôn đặc biệt khó khăn"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = portal_selectors.editor_units(user=user)
        self.fields["legal_document"].queryset = LegalDocument.objects.filter(
            publicly_visible_q()
        ).order_by("-issued_on")


class TranslationForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=200)
    summary = _area(2, label=_("Tóm tắt"))
    for_whom = _area(label=_("Ai được hưởng"))
    benefits = _area(label=_("Được hưởng gì"))
    how_to_apply = _area(label=_("Làm thế nào"))
    where_to_apply = _area(label=_("Nộp giấy ở đâu"))
    contact = _area(2, label=_("Hỏi ai"))
    body = _area(8, label=_("Nội dung thêm"))


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=translation_choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do trả lại"), max_length=1000, required=False)


class AudioForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp ghi âm"),
        required=False,
        help_text=_(
            "MP3, M4A, OGG/Opus, WAV hoặc FLAC; hệ thống tự nén nhỏ để nghe được trên 3G. "
            "Để trống nếu chỉ sửa lời đọc."
        ),
    )
    transcript = forms.CharField(
        label=_("Lời đọc (chép đúng những gì nói trong bản ghi)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )


class PriceForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=None)
    market = forms.CharField(label=_("Chợ, nơi thu mua"), max_length=120)
    product = forms.ModelChoiceField(label=_("Nông sản"), queryset=None)
    on = forms.DateField(
        label=_("Ngày"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    price = forms.IntegerField(
        label=_("Giá (đồng một đơn vị tính)"), min_value=1, max_value=1_000_000_000
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        self.fields["product"].queryset = MarketProduct.objects.all()
        if provinces.count() == 1:
            self.fields["province"].initial = provinces.first()


class PriceImportForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Tỉnh"), queryset=None)
    file = forms.FileField(
        label=_("Tệp CSV hoặc Excel .xlsx"),
        help_text=_(
            "Dòng đầu là tên cột: ngày, chợ, mã sản phẩm, giá. Có một dòng sai thì không dòng "
            "nào được ghi."
        ),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if provinces.count() == 1:
            self.fields["province"].initial = provinces.first()


class OcopForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Tỉnh"), queryset=None)
    name = forms.CharField(label=_("Tên sản phẩm"), max_length=200)
    group = forms.ChoiceField(label=_("Nhóm sản phẩm"), choices=OcopGroup.choices)
    producer = forms.CharField(
        label=_("Chủ thể sản xuất (hợp tác xã, hộ, doanh nghiệp)"), max_length=200
    )
    commune = forms.CharField(
        label=_("Mã xã"),
        max_length=10,
        required=False,
        help_text=_("Mã đơn vị hành chính của xã nơi sản xuất, ví dụ 00715."),
    )
    description = forms.CharField(
        label=_("Giới thiệu"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5})
    )
    stars = forms.TypedChoiceField(
        label=_("Số sao OCOP"), choices=[(3, "3"), (4, "4"), (5, "5")], coerce=int
    )
    certificate_number = forms.CharField(label=_("Số quyết định công nhận"), max_length=80)
    certified_on = forms.DateField(
        label=_("Ngày công nhận"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    expires_on = forms.DateField(
        label=_("Hết hạn"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Giấy chứng nhận OCOP có giá trị 36 tháng."),
    )
    price = forms.IntegerField(label=_("Giá bán (đồng)"), min_value=1, required=False)
    price_unit = forms.CharField(
        label=_("Đơn vị bán (hộp 500 g, chai 500 ml…)"), max_length=60, required=False
    )
    how_to_buy = forms.CharField(
        label=_("Cách mua (nơi bán, số điện thoại)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = provinces


class PhotoForm(forms.Form):
    file = forms.ImageField(label=_("Ảnh (JPEG, PNG, WebP)"))
    alt = forms.CharField(label=_("Mô tả ảnh"), max_length=200)
