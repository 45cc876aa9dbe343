"""The librarian's form. It parses input; ``services.item_save`` checks and writes."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.core.languages import CONTENT_LANGUAGES
from dantoc.geo.models import EthnicGroup
from dantoc.library.models import Access, DocumentType
from dantoc.library.selectors import editor_units

ONE_A_LINE = _("Mỗi dòng một giá trị.")


def _area(rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(widget=forms.Textarea(attrs={"rows": rows}), required=False, **kwargs)


class ItemForm(forms.Form):
    # The new-item form carries the uuid the item will get: sent twice, it changes that item.
    key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    doc_type = forms.ChoiceField(label=_("Loại tài liệu"), choices=DocumentType.choices)
    unit = forms.ModelChoiceField(label=_("Đơn vị quản lý"), queryset=None)
    title = forms.CharField(label=_("Nhan đề"), max_length=300)
    creators = _area(2, label=_("Tác giả"), help_text=ONE_A_LINE)
    contributors = _area(2, label=_("Người tham gia (biên soạn, dịch…)"), help_text=ONE_A_LINE)
    publisher = forms.CharField(
        label=_("Nhà xuất bản, cơ quan ban hành"), max_length=200, required=False
    )
    issued = forms.CharField(
        label=_("Năm xuất bản"),
        max_length=10,
        required=False,
        help_text=_("2024, 2024-05 hoặc 2024-05-30"),
    )
    description = _area(4, label=_("Tóm tắt"))
    subjects = _area(2, label=_("Chủ đề"), help_text=ONE_A_LINE)
    ethnic_groups = forms.ModelMultipleChoiceField(
        label=_("Dân tộc"),
        queryset=EthnicGroup.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    language = forms.ChoiceField(
        label=_("Ngôn ngữ"), choices=[(lang.code, lang.name) for lang in CONTENT_LANGUAGES]
    )
    isbn = forms.CharField(label=_("ISBN"), max_length=20, required=False)
    identifier = forms.CharField(label=_("Số hiệu khác"), max_length=100, required=False)
    licence = forms.CharField(
        label=_("Giấy phép"), max_length=100, required=False, help_text=_("Ví dụ: CC BY 4.0")
    )
    rights = forms.CharField(label=_("Quyền"), max_length=300, required=False)
    access = forms.ChoiceField(label=_("Cách dùng tệp"), choices=Access.choices)
    document = forms.FileField(
        label=_("Tệp PDF"), required=False, help_text=_("Chọn tệp mới để thay tệp đang có.")
    )
    audio = forms.FileField(
        label=_("Tệp âm thanh"), required=False, help_text=_("MP3, M4A, OGG, WAV, FLAC")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = editor_units(user=user)
        if not self.is_bound and not self.initial.get("key"):
            self.initial["key"] = uuid.uuid4()
