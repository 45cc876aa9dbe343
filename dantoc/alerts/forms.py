"""The officer's warning form: plain POST, no JavaScript needed.

Communes are added one at a time with the unit picker (``dantoc.geo.pickers``): "Thêm xã"
sends the form back with the commune ticked in the list, and every ticked commune is in the
warning's area. Optional blocks hold the words in other languages (the platform's content
languages, ``dantoc.core.languages``).
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dantoc.alerts.models import LEVELS, Alert, AlertStatus, Hazard
from dantoc.alerts.services import AlertContent, InfoText
from dantoc.core.languages import SOURCE_LANGUAGE, translation_choices
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.pickers import UnitPickerField, unit_label

EXTRA_LANGUAGES = 3
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M"]


def level_choices() -> list[tuple[int, str]]:
    return [(n, f"{n} — {info.word} ({info.colour_name})") for n, info in LEVELS.items()]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class AlertForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    hazard = forms.ChoiceField(label=_("Loại thiên tai"), choices=Hazard.choices)
    level = forms.TypedChoiceField(
        label=_("Cấp độ rủi ro (Quyết định 18/2021/QĐ-TTg)"),
        coerce=int,
        choices=level_choices,
        widget=forms.RadioSelect,
    )
    status = forms.ChoiceField(
        label=_("Tính chất"),
        choices=AlertStatus.choices,
        initial=AlertStatus.ACTUAL,
        widget=forms.RadioSelect,
    )
    onset = forms.DateTimeField(
        label=_("Bắt đầu"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput
    )
    expires = forms.DateTimeField(
        label=_("Hết hiệu lực"), input_formats=DATETIME_FORMATS, widget=DateTimeLocalInput
    )
    communes = forms.MultipleChoiceField(
        label=_("Các xã được cảnh báo"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Bỏ chọn một xã để đưa xã đó ra khỏi vùng cảnh báo."),
    )
    add_commune = UnitPickerField(
        label=_("Thêm xã"),
        levels=[UnitLevel.COMMUNE],
        required=False,
        help_text=_("Gõ tên xã (có dấu hay không dấu đều được) rồi bấm “Thêm xã”."),
    )
    vi_headline = forms.CharField(label=_("Tiêu đề"), max_length=160)
    vi_description = forms.CharField(
        label=_("Mô tả tình hình"), widget=forms.Textarea(attrs={"rows": 4})
    )
    vi_instruction = forms.CharField(
        label=_("Người dân cần làm gì"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, alert: Alert | None = None, **kwargs):
        self.user = user
        self.alert = alert
        super().__init__(*args, **kwargs)
        languages = [("", _("— chọn ngôn ngữ —")), *translation_choices()]
        for n in range(1, EXTRA_LANGUAGES + 1):
            self.fields[f"lang_{n}"] = forms.ChoiceField(
                label=_("Ngôn ngữ"), choices=languages, required=False
            )
            self.fields[f"headline_{n}"] = forms.CharField(
                label=_("Tiêu đề"), max_length=160, required=False
            )
            self.fields[f"description_{n}"] = forms.CharField(
                label=_("Mô tả tình hình"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"instruction_{n}"] = forms.CharField(
                label=_("Người dân cần làm gì"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        codes = self._commune_codes()
        units = {
            u.code: u
            for u in Unit.objects.filter(code__in=codes, valid_to__isnull=True).select_related(
                "parent"
            )
        }
        self.fields["communes"].choices = [
            (code, unit_label(units[code])) for code in codes if code in units
        ]
        self.add_errors: list[str] = []
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
            self.initial["communes"] = codes

    def _commune_codes(self) -> list[str]:
        if self.is_bound:
            codes = list(self.data.getlist(self.add_prefix("communes")))
        elif self.initial.get("communes"):
            codes = list(self.initial["communes"])
        elif self.alert is not None:
            codes = [u.code for u in self.alert.communes.all()]
        elif self.user.unit is not None and self.user.unit.level == UnitLevel.COMMUNE:
            codes = [self.user.unit.code]
        else:
            codes = []
        return list(dict.fromkeys(c for c in codes if c))

    def extra_blocks(self):
        """The optional language blocks, as groups of bound fields for the template."""
        return [
            {
                "n": n,
                "lang": self[f"lang_{n}"],
                "headline": self[f"headline_{n}"],
                "description": self[f"description_{n}"],
                "instruction": self[f"instruction_{n}"],
            }
            for n in range(1, EXTRA_LANGUAGES + 1)
        ]

    def with_commune_added(self) -> AlertForm:
        """The "Thêm xã" step: the form again, unbound (no errors for what is still to be
        written), with what was typed, the commune added to the ticked list, or the picker's
        complaint and candidates when the name did not name one commune."""
        field = self.fields["add_commune"]
        initial = {}
        for name in self.fields:
            key = self.add_prefix(name)
            initial[name] = self.data.getlist(key) if name == "communes" else self.data.get(key, "")
        initial["add_commune"] = ""
        errors = []
        try:
            code = field.clean(field.widget.value_from_datadict(self.data, None, "add_commune"))
        except forms.ValidationError as error:
            code, errors = "", list(error.messages)
            initial["add_commune"] = self.data.get("add_commune", "")
        if code:
            unit = Unit.objects.filter(
                code=code, valid_to__isnull=True, level=UnitLevel.COMMUNE
            ).first()
            if unit is None:
                errors.append(str(_("Đơn vị này không phải là một xã đang có hiệu lực.")))
            elif code not in initial["communes"]:
                initial["communes"] = [*initial["communes"], code]
        form = AlertForm(user=self.user, alert=self.alert, initial=initial)
        form.add_errors = errors
        form.fields["add_commune"].widget.candidates = field.widget.candidates
        return form

    def clean(self):
        cleaned = super().clean()
        codes = list(cleaned.get("communes") or [])
        added = cleaned.get("add_commune")
        if added and added not in codes:
            codes.append(added)
        units = list(
            Unit.objects.filter(code__in=codes, valid_to__isnull=True, level=UnitLevel.COMMUNE)
            .select_related("parent")
            .order_by("code")
        )
        if added and not any(u.code == added for u in units):
            self.add_error("add_commune", _("Đơn vị này không phải là một xã đang có hiệu lực."))
        cleaned["commune_units"] = units
        onset, expires = cleaned.get("onset"), cleaned.get("expires")
        if onset and expires and expires <= onset:
            self.add_error("expires", _("Thời điểm hết hiệu lực phải sau thời điểm bắt đầu."))
        if expires and expires <= timezone.now():
            self.add_error("expires", _("Thời điểm hết hiệu lực đã qua."))
        seen = {SOURCE_LANGUAGE}
        for n in range(1, EXTRA_LANGUAGES + 1):
            lang = cleaned.get(f"lang_{n}")
            words = [
                cleaned.get(f"{k}_{n}", "").strip()
                for k in ("headline", "description", "instruction")
            ]
            if not lang and any(words):
                self.add_error(f"lang_{n}", _("Chọn ngôn ngữ của nội dung này."))
            elif lang and not all(words):
                self.add_error(
                    f"headline_{n}",
                    _("Viết đủ tiêu đề, mô tả và việc cần làm, hoặc bỏ chọn ngôn ngữ."),
                )
            elif lang in seen:
                self.add_error(f"lang_{n}", _("Ngôn ngữ này đã có nội dung ở trên."))
            if lang:
                seen.add(lang)
        return cleaned

    def content(self) -> AlertContent:
        data = self.cleaned_data
        infos = [
            InfoText(
                SOURCE_LANGUAGE, data["vi_headline"], data["vi_description"], data["vi_instruction"]
            )
        ]
        for n in range(1, EXTRA_LANGUAGES + 1):
            if data.get(f"lang_{n}"):
                infos.append(
                    InfoText(
                        data[f"lang_{n}"],
                        data[f"headline_{n}"],
                        data[f"description_{n}"],
                        data[f"instruction_{n}"],
                    )
                )
        return AlertContent(
            hazard=data["hazard"],
            level=data["level"],
            status=data["status"],
            onset=data["onset"],
            expires=data["expires"],
            communes=data["commune_units"],
            infos=infos,
        )


def initial_from(alert: Alert) -> dict:
    """The form's starting values for an update: the warning as it stands."""
    initial = {
        "hazard": alert.hazard,
        "level": alert.level,
        "status": alert.status,
        "onset": timezone.localtime(alert.onset),
        "expires": timezone.localtime(alert.expires),
    }
    others = []
    for info in alert.infos.all():
        if info.language == SOURCE_LANGUAGE:
            initial.update(
                vi_headline=info.headline,
                vi_description=info.description,
                vi_instruction=info.instruction,
            )
        else:
            others.append(info)
    for n, info in enumerate(others[:EXTRA_LANGUAGES], start=1):
        initial.update(
            {
                f"lang_{n}": info.language,
                f"headline_{n}": info.headline,
                f"description_{n}": info.description,
                f"instruction_{n}": info.instruction,
            }
        )
    return initial


class CancelForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Lý do hủy"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(
        label=_("Tôi xác nhận hủy cảnh báo này: cảnh báo sẽ biến mất khỏi trang của người dân.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4())
