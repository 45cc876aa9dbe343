"""Report forms (biểu mẫu), periods, data values with their history, and submissions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from dantoc.geo.models import UnitLevel
from dantoc.indicators.models import LocalizedNameMixin
from dantoc.indicators.values import parse_options_key


class PeriodKindChoices(models.TextChoices):
    YEAR = "year", _("Năm")
    SEMESTER = "semester", _("6 tháng")
    QUARTER = "quarter", _("Quý")
    MONTH = "month", _("Tháng")
    CUMULATIVE = "cumulative", _("Luỹ kế từ đầu năm")


class PeriodType(LocalizedNameMixin, models.Model):
    """How period ids map to dates: calendar periods, or Vietnamese cut-off windows (a month
    from the 15th of the previous month to the 14th), or an N-month cumulative report."""

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=120, blank=True)
    kind = models.CharField(_("loại kỳ"), max_length=12, choices=PeriodKindChoices.choices)
    cutoff_day = models.PositiveSmallIntegerField(
        _("ngày chốt số liệu"),
        default=1,
        help_text=_("1 = theo lịch; 15 = kỳ tính từ ngày 15 tháng trước đến ngày 14"),
    )
    cumulative_months = models.PositiveSmallIntegerField(
        _("số tháng luỹ kế"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("loại kỳ báo cáo")
        verbose_name_plural = _("các loại kỳ báo cáo")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cutoff_day__gte=1, cutoff_day__lte=28), name="period_type_cutoff_day"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def rule(self):
        from dantoc.reporting.periods import PeriodKind, PeriodRule

        return PeriodRule(
            kind=PeriodKind(self.kind),
            cutoff_day=self.cutoff_day,
            cumulative_months=self.cumulative_months,
        )


class Period(models.Model):
    period_type = models.ForeignKey(PeriodType, on_delete=models.PROTECT, related_name="periods")
    code = models.CharField(_("mã kỳ"), max_length=12)
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"))

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("các kỳ báo cáo")
        ordering = ["period_type_id", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["period_type", "code"], name="period_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from dantoc.reporting.periods import parse_period

        return parse_period(self.code, self.period_type.rule()).label

    @property
    def label_en(self) -> str:
        from dantoc.reporting.periods import parse_period

        return parse_period(self.code, self.period_type.rule()).label_en


class FormStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    ACTIVE = "active", _("Đang dùng")
    RETIRED = "retired", _("Ngừng dùng")


class ReportForm(LocalizedNameMixin, models.Model):
    """One version of a report form. A published version is never edited: a change is a new
    version, and each submission keeps the version it was filed on."""

    code = models.CharField(_("mã biểu"), max_length=32)
    version = models.PositiveSmallIntegerField(_("phiên bản"), default=1)
    name = models.CharField(_("tên biểu"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=FormStatus.choices, default=FormStatus.DRAFT
    )
    period_type = models.ForeignKey(PeriodType, on_delete=models.PROTECT, related_name="forms")
    reporting_level = models.CharField(
        _("cấp báo cáo"), max_length=10, choices=UnitLevel.choices, default=UnitLevel.COMMUNE
    )
    programme = models.ForeignKey(
        "programmes.Programme", null=True, blank=True, on_delete=models.PROTECT
    )
    # Values written by the platform itself (meetings held online, officials trained, device
    # readings), never typed: no one is asked for the report, every entry path refuses it, and
    # it may be kept at the country level (what the ministry itself held or did).
    computed = models.BooleanField(_("nền tảng tự tính"), default=False)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)
    # For whoever maintains the definition (where it came from, what to check): never shown
    # to reporters nor printed in official documents, which carry the legal basis only.
    maintainer_note = models.TextField(_("ghi chú biên soạn"), blank=True)
    description = models.TextField(_("hướng dẫn"), blank=True)
    opens_days_before_end = models.PositiveSmallIntegerField(
        _("mở nhập trước cuối kỳ (ngày)"), default=15
    )
    locks_days_after_end = models.PositiveSmallIntegerField(
        _("khoá nhập sau cuối kỳ (ngày)"), default=60
    )
    valid_from_period_start = models.DateField(
        _("áp dụng cho kỳ bắt đầu từ"), null=True, blank=True
    )
    # SHA-256 of the definition it was built from: loading an unchanged file changes nothing,
    # loading a changed one makes a new version.
    definition_hash = models.CharField(max_length=64, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("biểu mẫu báo cáo")
        verbose_name_plural = _("các biểu mẫu báo cáo")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="report_form_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}: {self.name}"

    def opens_on(self, period: Period) -> datetime.date:
        return period.end_date - datetime.timedelta(days=self.opens_days_before_end)

    def opens_on_date(self, window) -> datetime.date:
        """The first day of entry for a period window (a stored Period or a parsed one)."""
        end = getattr(window, "end_date", None) or window.end
        return end - datetime.timedelta(days=self.opens_days_before_end)

    def locks_after(self, period: Period) -> datetime.date:
        """The last day values can be entered."""
        return period.end_date + datetime.timedelta(days=self.locks_days_after_end)


class FormDeadline(models.Model):
    """When each level must have submitted, counted in days after the period ends."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="deadlines")
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices)
    days_after_end = models.PositiveSmallIntegerField(_("số ngày sau cuối kỳ"))

    class Meta:
        verbose_name = _("hạn nộp của biểu mẫu")
        verbose_name_plural = _("hạn nộp của biểu mẫu")
        constraints = [
            models.UniqueConstraint(fields=["form", "level"], name="form_deadline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form.code} {self.level} +{self.days_after_end}"


class FormSection(models.Model):
    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=32)
    title = models.CharField(_("tiêu đề"), max_length=400)
    title_en = models.CharField(max_length=400, blank=True)

    class Meta:
        verbose_name = _("phần của biểu mẫu")
        verbose_name_plural = _("phần của biểu mẫu")
        ordering = ["form_id", "order"]
        constraints = [models.UniqueConstraint(fields=["form", "code"], name="form_section_unique")]

    def __str__(self) -> str:
        return self.title


class FormColumn(models.Model):
    """A column fixes some category options and, optionally, the indicator of its cells."""

    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="columns")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=32)
    label = models.CharField(_("tên cột"), max_length=200)
    label_en = models.CharField(max_length=200, blank=True)
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("cột của biểu mẫu")
        verbose_name_plural = _("cột của biểu mẫu")
        ordering = ["section_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "code"], name="form_column_unique")
        ]

    def __str__(self) -> str:
        return self.label


class FormRow(models.Model):
    """A row fixes some category options and, optionally, the indicator of its cells; a cell's
    indicator comes from its row or its column (exactly one of them), its options from both."""

    section = models.ForeignKey(FormSection, on_delete=models.CASCADE, related_name="rows")
    order = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(max_length=48)
    label = models.CharField(_("tên dòng"), max_length=400)
    label_en = models.CharField(max_length=400, blank=True)
    indicator = models.ForeignKey(
        "indicators.Indicator", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)
    # Rows a reporter rarely fills (one row per ethnic group) are folded away until used.
    optional = models.BooleanField(default=False)
    min_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("dòng của biểu mẫu")
        verbose_name_plural = _("dòng của biểu mẫu")
        ordering = ["section_id", "order"]
        constraints = [models.UniqueConstraint(fields=["section", "code"], name="form_row_unique")]

    def __str__(self) -> str:
        return self.label


class RuleOperator(models.TextChoices):
    EQ = "==", "="
    NE = "!=", "≠"
    LT = "<", "<"
    LE = "<=", "≤"
    GT = ">", ">"
    GE = ">=", "≥"
    COMPULSORY_PAIR = "compulsory_pair", _("cặp bắt buộc")
    EXCLUSIVE_PAIR = "exclusive_pair", _("cặp loại trừ")


class RuleImportance(models.TextChoices):
    ERROR = "error", _("Lỗi (chặn nộp báo cáo)")
    WARNING = "warning", _("Cảnh báo")


class ValidationRule(models.Model):
    """``left operator right`` over expressions such as ``#{VON_GN} - #{VON_GIAO:NGUON=TW}``."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="rules")
    code = models.CharField(max_length=48)
    left = models.CharField(_("vế trái"), max_length=1000)
    operator = models.CharField(_("phép so sánh"), max_length=16, choices=RuleOperator.choices)
    right = models.CharField(_("vế phải"), max_length=1000)
    importance = models.CharField(
        max_length=8, choices=RuleImportance.choices, default=RuleImportance.ERROR
    )
    message = models.CharField(_("thông báo"), max_length=400)
    message_en = models.CharField(max_length=400, blank=True)

    class Meta:
        verbose_name = _("quy tắc kiểm tra")
        verbose_name_plural = _("quy tắc kiểm tra")
        ordering = ["form_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="validation_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.left} {self.operator} {self.right}"


# DataValue and DataValueChange are fact tables: a national round writes a million rows at
# once, and PostgreSQL's foreign-key checks at commit (six per value) cost more than the
# insert itself. So their foreign keys carry no database constraint (db_constraint=False):
# every code is validated by the service against the reference tables before anything is
# written (bulk.datavalues_import, services.datavalues_save), and Django still applies
# on_delete (PROTECT, SET_NULL, CASCADE) when rows are deleted through the ORM. The
# ForeignKey fields stay, so joins and select_related work as before. Single-column indexes
# that a composite index already begins with are not created either.


class DataValue(models.Model):
    # Served by the unique constraint (indicator, unit, period, options_key).
    indicator = models.ForeignKey(
        "indicators.Indicator",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # Served by the (unit, period) index.
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    # Indexed alone: a period's values across units and indicators (Django's PROTECT check
    # when a period is deleted, exports and aggregates by period).
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # The value's category → option map in canonical form ("CAT=OPT;CAT2=OPT2"); ``options``
    # gives it as a dict.
    options_key = models.CharField(max_length=200, blank=True, default="")
    value = models.CharField(max_length=2000)
    numeric = models.DecimalField(max_digits=24, decimal_places=6, null=True, blank=True)
    comment = models.CharField(max_length=1000, blank=True, default="")
    deleted = models.BooleanField(default=False)
    # Who entered the value first (and created_at when): a first entry writes no history
    # row; the first value is the old value of the first change, or the value itself.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("giá trị số liệu")
        verbose_name_plural = _("giá trị số liệu")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "period", "options_key"], name="data_value_unique"
            )
        ]
        indexes = [models.Index(fields=["unit", "period"], name="data_value_unit_period")]

    def __str__(self) -> str:
        return (
            f"{self.indicator_id}/{self.unit_id}/{self.period_id}/{self.options_key}={self.value}"
        )

    @cached_property
    def options(self) -> dict[str, str]:
        """The category → option map of ``options_key`` (read-only; parsed once)."""
        return parse_options_key(self.options_key)


class ValueSource(models.TextChoices):
    WEB = "web", _("Nhập trên web")
    XLSX = "xlsx", _("Tệp Excel")
    API = "api", _("API")
    OFFLINE = "offline", _("Nhập khi mất mạng, gửi sau")
    SYSTEM = "system", _("Nền tảng tự tính")
    DEVICE = "device", _("Thiết bị đo, cảm biến")


# Values the platform computes itself (``datavalues_import(actor=None, source=…)``).
MACHINE_SOURCES = frozenset({ValueSource.SYSTEM, ValueSource.DEVICE})


class DataValueChange(models.Model):
    """A change of a value after it was first entered: who, when, old → new, and through
    which channel. Entering a value writes no row (``DataValue.created_by``/``created_at``
    say who and when); deleting one and setting it again are changes."""

    # Indexed: the history page reads one value's changes.
    data_value = models.ForeignKey(
        DataValue, on_delete=models.CASCADE, related_name="changes", db_constraint=False
    )
    old_value = models.CharField(max_length=2000, blank=True)
    new_value = models.CharField(max_length=2000, blank=True)
    old_comment = models.CharField(max_length=1000, blank=True)
    new_comment = models.CharField(max_length=1000, blank=True)
    deleted = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(max_length=8, choices=ValueSource.choices)

    class Meta:
        verbose_name = _("lần sửa giá trị số liệu")
        verbose_name_plural = _("lịch sử sửa giá trị số liệu")
        ordering = ["data_value_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.old_value} → {self.new_value}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã nộp, chờ duyệt")
    APPROVED = "approved", _("Đã duyệt")
    RETURNED = "returned", _("Bị trả lại")
    WAIVED = "waived", _("Miễn báo cáo")


NOT_STARTED_LABEL = _("Chưa nhập")


def submission_status_label(submission: Submission | None) -> str:
    """A report's status in words, the same on its page and in every list: a report nobody
    has started has no row yet and is "Chưa nhập", not "Đang nhập"."""
    if submission is None:
        return str(NOT_STARTED_LABEL)
    return SubmissionStatus(submission.status).label


LOCKED_STATUSES = {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.WAIVED}


class Submission(models.Model):
    """A unit's report for one form and period, and where it stands in the approval chain."""

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="submissions")
    form_code = models.CharField(max_length=32)
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_approved_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        constraints = [
            models.UniqueConstraint(
                fields=["form_code", "unit", "period"], name="submission_unique"
            )
        ]
        indexes = [models.Index(fields=["form_code", "period", "status"], name="submission_state")]

    def __str__(self) -> str:
        return f"{self.form_code} {self.unit_id} {self.period_id} {self.status}"


# What each step of a report's history is called on its page (the stored codes are for
# machines and the audit trail).
SUBMISSION_EVENT_NAMES = {
    "submit": _("Nộp báo cáo"),
    "approve": _("Duyệt"),
    "return": _("Trả lại"),
    "reopen": _("Mở lại báo cáo đã duyệt"),
    "waive": _("Miễn báo cáo"),
    "unwaive": _("Huỷ miễn báo cáo"),
}


class SubmissionEvent(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = _("bước xử lý báo cáo")
        verbose_name_plural = _("lịch sử xử lý báo cáo")
        ordering = ["submission_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%d/%m/%Y %H:%M}"

    @property
    def action_label(self) -> str:
        return str(SUBMISSION_EVENT_NAMES.get(self.action, self.action))


class FormDraft(models.Model):
    """A report form being designed in the browser, kept between the designer's steps (each
    step is one plain POST) until it is saved as a new version. ``definition`` has the shape
    of a JSON upload (data/forms/*.json), so both paths share one check and one writer."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    based_on = models.ForeignKey(
        ReportForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    definition = models.JSONField(default=dict)
    # Tokens of the steps already applied: a step posted twice (a retry over a slow line, a
    # double tap) changes the draft once.
    applied_tokens = models.JSONField(default=list, blank=True)
    saved_as = models.ForeignKey(
        ReportForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("biểu mẫu đang thiết kế")
        verbose_name_plural = _("các biểu mẫu đang thiết kế")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.definition.get('code', '?')}: {self.definition.get('name', '')}"


class UnitReminder(models.Model):
    """A "Nhắc nộp" sent by an officer to a unit that has not submitted: what rate-limits
    the next one (once per unit, form and period in 24 hours)."""

    form_code = models.CharField(max_length=32)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần nhắc nộp báo cáo")
        verbose_name_plural = _("các lần nhắc nộp báo cáo")
        indexes = [
            models.Index(
                fields=["form_code", "period", "unit", "-sent_at"], name="unit_reminder_last"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_code} {self.period_id} {self.unit_id} {self.sent_at:%d/%m/%Y %H:%M}"


class QueuedChangeKind(models.TextChoices):
    VALUE = "value", _("Giá trị một ô")
    SUBMIT = "submit", _("Nộp báo cáo")


class QueuedChange(models.Model):
    """A change a reporter queued on the entry page (offline or after a failed send) and the
    server applied, recorded under the browser's idempotency key with its outcome: the same
    key sent again (a retry, a second tab, an answer lost on the way back) gets the recorded
    outcome and writes nothing. The key is unique per user in the database itself, so two
    requests racing with one key cannot both apply it. Refused changes (conflict, period
    locked, invalid value) are not recorded: the reporter may fix and resend them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.UUIDField()
    kind = models.CharField(max_length=8, choices=QueuedChangeKind.choices)
    form_code = models.CharField(max_length=32)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    cell_key = models.CharField(max_length=40, blank=True)
    # What was sent, so that a key reused for different content is refused, not acknowledged.
    fingerprint = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16)
    result = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thay đổi gửi sau")
        verbose_name_plural = _("thay đổi gửi sau")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="queued_change_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.kind} {self.outcome}"
