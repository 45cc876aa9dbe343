from django import forms
from django.utils.translation import gettext_lazy as _

from dantoc.reporting.models import PeriodType

MAX_DEFINITION_BYTES = 2 * 1024 * 1024


class FormDefinitionUpload(forms.Form):
    definition = forms.FileField(
        label=_("Tệp định nghĩa biểu mẫu (JSON)"),
        help_text=_("Cấu trúc như các tệp trong data/forms/ của dự án."),
    )

    def clean_definition(self):
        upload = self.cleaned_data["definition"]
        if upload.size > MAX_DEFINITION_BYTES:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 2 MB)."))
        import json

        try:
            data = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(
                _("Tệp không phải JSON hợp lệ: %(e)s") % {"e": exc}
            ) from exc
        if not isinstance(data, dict) or not {"code", "name", "sections"} <= set(data):
            raise forms.ValidationError(_("Thiếu các mục bắt buộc: code, name, sections."))
        return data


class PeriodTypeForm(forms.ModelForm):
    class Meta:
        model = PeriodType
        fields = ["code", "name", "name_en", "kind", "cutoff_day", "cumulative_months"]

    def clean(self):
        data = super().clean()
        kind, months = data.get("kind"), data.get("cumulative_months")
        if kind == "cumulative" and not months:
            self.add_error("cumulative_months", _("Kỳ luỹ kế cần số tháng (ví dụ 9)."))
        if kind != "cumulative" and months:
            self.add_error("cumulative_months", _("Chỉ kỳ luỹ kế mới có số tháng."))
        return data
