"""Editor forms. They parse and check input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dantoc.core.languages import translation_choices
from dantoc.portal import selectors
from dantoc.portal.models import AgencyRole, ArticleKind, DocType, LegalStatus
from dantoc.portal.uploads import check_attachment, check_image

# English and the ethnic languages content is translated into (dantoc.core.languages).
TRANSLATION_LANGUAGES = translation_choices()
LANGUAGE_NAMES = dict(TRANSLATION_LANGUAGES)


class _UnitFields(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.editor_units(user=user)
        self.fields["areas"].queryset = selectors.current_provinces()


class ArticleForm(_UnitFields):
    kind = forms.ChoiceField(label=_("Chuyên mục"), choices=ArticleKind.choices)
    unit = forms.ModelChoiceField(label=_("Đơn vị quản lý"), queryset=None)
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    summary = forms.CharField(
        label=_("Tóm tắt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    body = forms.CharField(
        label=_("Nội dung"),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        help_text=_("HTML đơn giản: đoạn văn, tiêu đề, danh sách, bảng, liên kết."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Tỉnh liên quan"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    image = forms.FileField(
        label=_("Ảnh đại diện"), required=False, help_text=_("JPEG, PNG hoặc WebP.")
    )
    image_alt = forms.CharField(
        label=_("Mô tả ảnh (cho người khiếm thị)"), max_length=300, required=False
    )
    remove_image = forms.BooleanField(label=_("Bỏ ảnh hiện có"), required=False)
    attachment = forms.FileField(
        label=_("Thêm tệp đính kèm"), required=False, help_text=_("PDF, DOCX, XLSX, JPEG, PNG.")
    )
    attachment_title = forms.CharField(label=_("Tên tệp đính kèm"), max_length=255, required=False)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image:
            check_image(image)
        return image

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_attachment(upload)
        return upload


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=TRANSLATION_LANGUAGES)
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    summary = forms.CharField(
        label=_("Tóm tắt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    body = forms.CharField(
        label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )


class PublishForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Hẹn giờ xuất bản (để trống: xuất bản ngay)"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_publish_at(self):
        value = self.cleaned_data.get("publish_at")
        if value is not None and value <= timezone.now():
            return None  # a time already past means now
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do trả lại"), max_length=1000, required=False)


class LegalDocumentForm(_UnitFields):
    unit = forms.ModelChoiceField(label=_("Đơn vị quản lý"), queryset=None)
    number_symbol = forms.CharField(
        label=_("Số, ký hiệu"), max_length=80, help_text=_("Ví dụ: 330/QĐ-UBDT")
    )
    doc_type = forms.ChoiceField(label=_("Loại văn bản"), choices=DocType.choices)
    issuing_body = forms.CharField(label=_("Cơ quan ban hành"), max_length=200)
    signer = forms.CharField(label=_("Người ký"), max_length=150, required=False)
    issued_on = forms.DateField(
        label=_("Ngày ban hành"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    effective_on = forms.DateField(
        label=_("Ngày có hiệu lực"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    expires_on = forms.DateField(
        label=_("Ngày hết hiệu lực"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    abstract = forms.CharField(label=_("Trích yếu"), widget=forms.Textarea(attrs={"rows": 3}))
    field = forms.CharField(label=_("Lĩnh vực"), max_length=150, required=False)
    legal_status = forms.ChoiceField(label=_("Tình trạng hiệu lực"), choices=LegalStatus.choices)
    body = forms.CharField(
        label=_("Nội dung, ghi chú"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Tỉnh liên quan"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    amends = forms.ModelMultipleChoiceField(
        label=_("Sửa đổi, bổ sung các văn bản"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    replaces = forms.ModelMultipleChoiceField(
        label=_("Thay thế các văn bản"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    attachment = forms.FileField(
        label=_("Thêm tệp đính kèm"), required=False, help_text=_("PDF, DOCX, XLSX, JPEG, PNG.")
    )
    attachment_title = forms.CharField(label=_("Tên tệp đính kèm"), max_length=255, required=False)

    def __init__(self, *args, exclude_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        linkable = selectors.legal_documents_linkable()
        if exclude_pk:
            linkable = linkable.exclude(pk=exclude_pk)
        self.fields["amends"].queryset = linkable
        self.fields["replaces"].queryset = linkable

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            check_attachment(upload)
        return upload


class AgencyForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Cấp, địa bàn"), queryset=None)
    role = forms.ChoiceField(label=_("Vai trò"), choices=AgencyRole.choices)
    name = forms.CharField(label=_("Tên cơ quan"), max_length=250)
    name_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=250, required=False)
    description = forms.CharField(
        label=_("Chức năng, nhiệm vụ"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    description_en = forms.CharField(
        label=_("Chức năng, nhiệm vụ (tiếng Anh)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=300, required=False)
    address_en = forms.CharField(label=_("Địa chỉ (tiếng Anh)"), max_length=300, required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=60, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    website = forms.URLField(label=_("Trang thông tin"), required=False, assume_scheme="https")
    position = forms.IntegerField(label=_("Thứ tự"), min_value=0, initial=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.editor_units(user=user)
