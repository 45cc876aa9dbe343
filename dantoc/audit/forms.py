from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.geo.pickers import UnitPickerField


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("Người thực hiện (tên đăng nhập)"), required=False)
    # Units of before the 2025 reform too: the trail keeps their history.
    unit = UnitPickerField(label=_("Đơn vị"), required=False, current_only=False)
    object_type = forms.ChoiceField(label=_("Loại đối tượng"), required=False)
    object_id = forms.CharField(label=_("Mã đối tượng"), required=False)

    def __init__(self, *args, object_types: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("Tất cả")), *object_types]
