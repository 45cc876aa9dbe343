"""Writes of the reporting system: form definitions, values, and the approval workflow."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.accounts.models import RoleCode, User
from dantoc.accounts.permissions import OFFICER_ROLES
from dantoc.accounts.selectors import officials_with_roles
from dantoc.audit.services import audit_record
from dantoc.core import figures
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.events import announce, announce_now
from dantoc.core.loading import DATA_DIR, LoadResult, kind_of, upsert
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import valid_on_q
from dantoc.indicators.models import Indicator
from dantoc.indicators.values import ValueError_, normalise_value
from dantoc.notifications.services import notify
from dantoc.programmes.models import Programme
from dantoc.reporting import selectors
from dantoc.reporting.designer.definition import canonical
from dantoc.reporting.models import (
    LOCKED_STATUSES,
    DataValue,
    DataValueChange,
    FormColumn,
    FormDeadline,
    FormDraft,
    FormRow,
    FormSection,
    FormStatus,
    Period,
    PeriodType,
    ReportForm,
    RuleImportance,
    RuleOperator,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
    UnitReminder,
    ValidationRule,
)
from dantoc.reporting.periods import PeriodError, parse_period, period_label
from dantoc.reporting.permissions import (
    ENTRY_ROLE,
    can_enter,
    can_review,
    can_view_report,
    require_definer,
)
from dantoc.reporting.validation import ExpressionError, Violation, check_rules, parse, references

# --- periods -----------------------------------------------------------------------------


def period_resolve(*, period_type: PeriodType, code: str) -> Period:
    """The stored period for an id such as "2025Q3", created on first use.

    Raises PeriodError (a ValueError with a message for people) for a malformed id.
    """
    window = parse_period(code.strip(), period_type.rule())
    period, _created = Period.objects.get_or_create(
        period_type=period_type,
        code=window.code,
        defaults={"start_date": window.start, "end_date": window.end},
    )
    return period


# --- loading form definitions -------------------------------------------------------------


@transaction.atomic
def period_types_load(*, path: Path, actor=None) -> LoadResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    result = LoadResult()
    existing = {p.code: p for p in PeriodType.objects.all()}
    for item in data["period_types"]:
        upsert(
            existing,
            item["code"],
            PeriodType,
            {"code": item["code"]},
            {
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "kind": item["kind"],
                "cutoff_day": item.get("cutoff_day", 1),
                "cumulative_months": item.get("cumulative_months"),
            },
            result,
        )
    return result


def _definition_hash(definition: dict) -> str:
    return hashlib.sha256(
        json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _code_lists(definition: dict):
    """Every list whose items must have distinct codes, named for the error messages."""
    sections = definition.get("sections", [])
    yield "sections", sections
    for section in sections:
        yield section.get("code", ""), section.get("rows", [])
        yield section.get("code", ""), section.get("columns", [])
    yield "rules", definition.get("rules", [])


def form_check_definition(definition: dict) -> list[RowError]:
    """Problems in a form definition, located by section and row, before anything is saved."""
    errors: list[RowError] = []
    indicators = {
        i.code: i for i in Indicator.objects.prefetch_related("categories", "categories__options")
    }
    if not PeriodType.objects.filter(code=definition.get("period_type", "")).exists():
        errors.append(
            RowError(0, "period_type", f"không có loại kỳ {definition.get('period_type')!r}")
        )
    level = definition.get("reporting_level")
    if definition.get("computed") not in (None, True, False):
        errors.append(RowError(0, "computed", "computed phải là true hoặc false"))
    if level == UnitLevel.COUNTRY and definition.get("computed") is not True:
        # The ministry reports to no one: only figures the platform computes are kept there.
        errors.append(
            RowError(
                0, "reporting_level",
                "cấp country chỉ dành cho biểu do nền tảng tự tính (computed: true)",
            )
        )  # fmt: skip
    elif level not in (
        UnitLevel.COMMUNE,
        UnitLevel.DISTRICT,
        UnitLevel.PROVINCE,
        UnitLevel.COUNTRY,
    ):
        errors.append(
            RowError(0, "reporting_level", "cấp báo cáo phải là commune, district hoặc province")
        )
    for s_index, section in enumerate(definition.get("sections", []), start=1):
        sheet = section.get("code", str(s_index))
        for r_index, row in enumerate(section.get("rows", []), start=1):
            for c_index, column in enumerate(section.get("columns", []), start=1):
                code = row.get("indicator") or column.get("indicator")
                if row.get("indicator") and column.get("indicator"):
                    errors.append(
                        RowError(
                            r_index, column["code"], "dòng và cột cùng chỉ định chỉ tiêu", sheet
                        )
                    )
                    continue
                indicator = indicators.get(code or "")
                if indicator is None:
                    errors.append(
                        RowError(
                            r_index,
                            column.get("code", str(c_index)),
                            f"không có chỉ tiêu {code!r}",
                            sheet,
                        )
                    )
                    continue
                merged = {**row.get("options", {}), **column.get("options", {})}
                categories = {c.code: c for c in indicator.categories.all()}
                if set(merged) != set(categories):
                    errors.append(
                        RowError(
                            r_index,
                            column["code"],
                            f"phân tổ {sorted(merged)} không khớp chỉ tiêu {code} {sorted(categories)}",
                            sheet,
                        )
                    )
                    continue
                for cat, opt in merged.items():
                    if opt not in {o.code for o in categories[cat].options.all()}:
                        errors.append(
                            RowError(r_index, column["code"], f"không có mục {cat}={opt}", sheet)
                        )
    for where, items in _code_lists(definition):
        seen: set[str] = set()
        for index, item in enumerate(items, start=1):
            code = str(item.get("code", ""))
            if not code or code in seen:
                errors.append(RowError(index, "code", f"mã {code!r} trống hoặc lặp lại", where))
            seen.add(code)
    for index, rule in enumerate(definition.get("rules", []), start=1):
        if rule.get("operator") not in RuleOperator.values:
            errors.append(
                RowError(
                    index,
                    "rules",
                    f"quy tắc {rule.get('code')}: phép so sánh {rule.get('operator')!r} không hợp lệ",
                )
            )
        if rule.get("importance", "error") not in RuleImportance.values:
            errors.append(
                RowError(
                    index,
                    "rules",
                    f"quy tắc {rule.get('code')}: mức {rule.get('importance')!r} không hợp lệ (error/warning)",
                )
            )
        try:
            parse(rule["left"])
            parse(rule["right"])
            for ref in references(rule["left"]) + references(rule["right"]):
                if ref.indicator not in indicators:
                    errors.append(
                        RowError(
                            index,
                            "rules",
                            f"quy tắc {rule['code']}: không có chỉ tiêu {ref.indicator}",
                        )
                    )
        except ExpressionError as exc:
            errors.append(RowError(index, "rules", str(exc)))
    return errors


@transaction.atomic
def form_define(*, definition: dict, actor=None, publish: bool = True) -> tuple[ReportForm, bool]:
    """Create a form version from its definition (a dict, as in data/forms/*.json).

    Returns (form, created). The same definition loaded again creates nothing. A changed
    definition of a code that already has versions becomes the next version, and the
    previous active version is retired: reports already filed keep the version they used.
    """
    require_definer(actor)
    errors = form_check_definition(definition)
    if errors:
        raise ImportRejected(errors)
    digest = _definition_hash(definition)
    versions = ReportForm.objects.filter(code=definition["code"]).order_by("-version")
    latest = versions.first()
    if latest is not None and (
        latest.definition_hash == digest
        or selectors.form_definition(latest) == canonical(definition)
    ):
        # The same definition, byte for byte or once written out in full (the JSON that
        # "Tải JSON" gives for this version, or a design saved twice).
        return latest, False
    programme = None
    if definition.get("programme"):
        programme = Programme.objects.filter(code=definition["programme"]).first()
    form = ReportForm.objects.create(
        code=definition["code"],
        version=(latest.version + 1) if latest else 1,
        name=definition["name"],
        name_en=definition.get("name_en", ""),
        status=FormStatus.DRAFT,
        period_type=PeriodType.objects.get(code=definition["period_type"]),
        reporting_level=definition["reporting_level"],
        programme=programme,
        computed=bool(definition.get("computed", False)),
        legal_basis=definition.get("legal_basis", ""),
        maintainer_note=definition.get("maintainer_note", ""),
        description=definition.get("description", ""),
        opens_days_before_end=definition.get("opens_days_before_end", 15),
        locks_days_after_end=definition.get("locks_days_after_end", 60),
        definition_hash=digest,
    )
    indicators = {i.code: i for i in Indicator.objects.all()}
    for level, days in definition.get("deadlines", {}).items():
        FormDeadline.objects.create(form=form, level=level, days_after_end=days)
    for s_order, s in enumerate(definition.get("sections", []), start=1):
        section = FormSection.objects.create(
            form=form,
            order=s_order,
            code=s["code"],
            title=s["title"],
            title_en=s.get("title_en", ""),
        )
        FormColumn.objects.bulk_create(
            FormColumn(
                section=section,
                order=order,
                code=c["code"],
                label=c["label"],
                label_en=c.get("label_en", ""),
                indicator=indicators.get(c.get("indicator") or ""),
                options=c.get("options", {}),
            )
            for order, c in enumerate(s.get("columns", []), start=1)
        )
        FormRow.objects.bulk_create(
            FormRow(
                section=section,
                order=order,
                code=r["code"],
                label=r["label"],
                label_en=r.get("label_en", ""),
                indicator=indicators.get(r.get("indicator") or ""),
                options=r.get("options", {}),
                optional=r.get("optional", False),
                min_value=r.get("min_value"),
                max_value=r.get("max_value"),
            )
            for order, r in enumerate(s.get("rows", []), start=1)
        )
    ValidationRule.objects.bulk_create(
        ValidationRule(
            form=form,
            code=r["code"],
            left=r["left"],
            operator=r["operator"],
            right=r["right"],
            importance=r.get("importance", "error"),
            message=r["message"],
            message_en=r.get("message_en", ""),
        )
        for r in definition.get("rules", [])
    )
    audit_record(
        actor=actor,
        action="reporting.form_define",
        obj=form,
        after={"code": form.code, "version": form.version, "hash": digest},
    )
    if publish:
        form_publish(actor=actor, form=form)
    return form, True


@transaction.atomic
def form_draft_save(*, actor, draft: FormDraft) -> tuple[ReportForm, bool]:
    """Save a form designed in the browser as a new version (a draft version, applied with
    ``form_publish`` as an uploaded one is). It is checked and written by ``form_define``,
    exactly as a JSON upload: earlier versions and the reports filed on them stay as they
    are. Saving the same design twice creates one version."""
    require_definer(actor)
    draft = FormDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied("Chỉ người thiết kế được lưu bản thiết kế này.")
    form, created = form_define(definition=draft.definition, actor=actor, publish=False)
    draft.saved_as = form
    draft.save(update_fields=["saved_as", "updated_at"])
    audit_record(
        actor=actor,
        action="reporting.form_draft_save",
        obj=draft,
        after={"code": form.code, "version": form.version, "created": created},
    )
    return form, created


@transaction.atomic
def form_publish(*, actor, form: ReportForm) -> ReportForm:
    """Make this version the active one; the previous active version is retired."""
    require_definer(actor)
    previous = list(
        ReportForm.objects.select_for_update()
        .filter(code=form.code, status=FormStatus.ACTIVE)
        .exclude(pk=form.pk)
    )
    for old in previous:
        old.status = FormStatus.RETIRED
        old.save(update_fields=["status"])
    form.status = FormStatus.ACTIVE
    form.published_at = timezone.now()
    form.save(update_fields=["status", "published_at"])
    audit_record(
        actor=actor,
        action="reporting.form_publish",
        obj=form,
        before={"retired": [f.version for f in previous]},
        after={"version": form.version},
    )
    return form


def forms_load(*, directory: Path, actor=None) -> LoadResult:
    result = LoadResult()
    period_types_load(path=directory / "period_types.json", actor=actor)
    for path in sorted(directory.glob("bm*.json")):
        _form, created = form_define(
            definition=json.loads(path.read_text(encoding="utf-8")), actor=actor
        )
        result.tally(kind_of(ReportForm), "created" if created else "unchanged")
    return result


# --- entering values ------------------------------------------------------------------------


class ReportClosed(Exception):
    """The report cannot be changed now (period not open, locked, or report submitted)."""


@dataclass(frozen=True)
class CellInput:
    key: str
    value: object | None  # None or "" deletes the value
    comment: str | None = None  # None leaves the comment as it is


@dataclass
class CellOutcome:
    key: str
    status: str  # saved | unchanged | deleted | error
    value: str = ""
    message: str = ""
    warning: str = ""


@dataclass
class SaveResult:
    cells: list[CellOutcome] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.cells if c.status == status)

    @property
    def errors(self) -> list[CellOutcome]:
        return [c for c in self.cells if c.status == "error"]


def computed_form_reason(form: ReportForm) -> str | None:
    """Why no one types into ``form``: the platform writes its values itself."""
    if form.computed:
        return _(
            "Biểu %(code)s do nền tảng tự tính từ dữ liệu của hệ thống: không nhập hay gửi số "
            "liệu vào biểu này."
        ) % {"code": form.code}
    return None


def entry_closed_reason(
    *, form: ReportForm, period: Period, submission: Submission | None, today: datetime.date
) -> str | None:
    opens = form.opens_on(period)
    if today < opens:
        return _("Kỳ báo cáo %(period)s chưa mở nhập (mở từ %(date)s).") % {
            "period": period_label(period),
            "date": f"{opens:%d/%m/%Y}",
        }
    if today > form.locks_after(period):
        return _("Kỳ báo cáo %(period)s đã khoá nhập từ %(date)s.") % {
            "period": period_label(period),
            "date": f"{form.locks_after(period):%d/%m/%Y}",
        }
    if submission is not None and submission.status in LOCKED_STATUSES:
        return f"Báo cáo đang ở trạng thái “{submission.get_status_display()}”: không sửa được."
    return None


def _submission_locked(form: ReportForm, unit: Unit, period: Period) -> Submission:
    """Get or create the unit's submission and lock its row for this transaction."""
    try:
        with transaction.atomic():
            Submission.objects.get_or_create(
                form_code=form.code, unit=unit, period=period, defaults={"form": form}
            )
    except IntegrityError:
        pass  # created at the same moment by a concurrent request
    return Submission.objects.select_for_update().get(form_code=form.code, unit=unit, period=period)


@transaction.atomic
def datavalues_save(
    *,
    actor: User,
    form: ReportForm,
    unit: Unit,
    period: Period,
    inputs: Iterable[CellInput],
    source: str,
    decimal_comma: bool = True,
    all_or_nothing: bool = False,
    today: datetime.date | None = None,
    locate=None,
    layout: selectors.FormLayout | None = None,
) -> SaveResult:
    """Save cells of one report (web autosave, the entry page, an Excel upload).

    Every value is checked against its indicator; with ``all_or_nothing`` one bad cell
    rejects the whole batch (``ImportRejected``; ``locate(key)`` gives the RowError fields
    ``row``, ``column`` and ``sheet`` of a cell, so an Excel error names where it is),
    otherwise the good cells are saved and each bad one reported. A first entry records
    who made it on the value (``created_by``); each later change, deletion included, keeps
    its history row. Saving the same values again changes nothing. ``layout``: the form's
    grid when the caller has it already (it is built from five queries and many objects).
    """
    if not can_enter(actor, unit):
        raise PermissionDenied("Bạn không được nhập số liệu cho đơn vị này.")
    if form.reporting_level != unit.level or not unit.is_valid_on(period.end_date):
        raise ValidationError("Đơn vị này không báo cáo biểu này trong kỳ này.")
    if reason := computed_form_reason(form):
        raise ReportClosed(reason)
    submission = _submission_locked(form, unit, period)
    reason = entry_closed_reason(
        form=form, period=period, submission=submission, today=today or timezone.localdate()
    )
    if reason:
        raise ReportClosed(reason)
    layout = layout or selectors.form_layout(form)
    inputs = list(inputs)
    existing = {
        (v.indicator_id, v.options_key): v
        for v in DataValue.objects.select_for_update().filter(
            unit=unit, period=period, indicator_id__in=list(layout.indicators)
        )
    }
    result = SaveResult()
    planned = []
    for item in inputs:
        cell = layout.cells.get(item.key)
        if cell is None:
            result.cells.append(
                CellOutcome(item.key, "error", message="Ô không có trong biểu mẫu.")
            )
            continue
        raw = item.value
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            planned.append((item, cell, None, None))
            continue
        try:
            text, number = normalise_value(
                cell.indicator.value_type, raw, decimal_comma=decimal_comma
            )
        except ValueError_ as exc:
            result.cells.append(CellOutcome(item.key, "error", value=str(raw), message=str(exc)))
            continue
        planned.append((item, cell, text, number))
    if all_or_nothing and result.errors:
        locate = locate or (lambda key: {"row": 0, "column": key})
        raise ImportRejected([RowError(message=c.message, **locate(c.key)) for c in result.errors])
    changes = []
    created = 0
    touched: set[int] = set()
    now = timezone.now()
    for item, cell, text, number in planned:
        current = existing.get((cell.indicator.pk, cell.options_key))
        comment = item.comment
        if text is None:
            if current is None or current.deleted:
                result.cells.append(CellOutcome(item.key, "unchanged"))
                continue
            changes.append(
                DataValueChange(
                    data_value=current, old_value=current.value, new_value="",
                    old_comment=current.comment, new_comment=current.comment, deleted=True,
                    actor=actor, source=source,
                )
            )  # fmt: skip
            current.deleted = True
            current.updated_by = actor
            current.save(update_fields=["deleted", "updated_by", "updated_at"])
            touched.add(cell.indicator.pk)
            result.cells.append(CellOutcome(item.key, "deleted"))
            continue
        new_comment = current.comment if (comment is None and current) else (comment or "")
        warning = _outlier_warning(cell, number)
        if current is None:
            # A first entry writes no history row: created_by and created_at record it.
            current = DataValue(
                indicator=cell.indicator, unit=unit, period=period,
                options_key=cell.options_key, value=text, numeric=number,
                comment=new_comment, created_by=actor, updated_by=actor,
            )  # fmt: skip
            try:
                with transaction.atomic():
                    current.save()
            except IntegrityError:
                # Another request created it a moment ago: take theirs and update it.
                current = DataValue.objects.select_for_update().get(
                    indicator=cell.indicator, unit=unit, period=period, options_key=cell.options_key
                )
            else:
                existing[(cell.indicator.pk, cell.options_key)] = current
                created += 1
                touched.add(cell.indicator.pk)
                result.cells.append(CellOutcome(item.key, "saved", value=text, warning=warning))
                continue
        if not current.deleted and current.value == text and current.comment == new_comment:
            result.cells.append(CellOutcome(item.key, "unchanged", value=text, warning=warning))
            continue
        changes.append(
            DataValueChange(
                data_value=current,
                old_value="" if current.deleted else current.value,
                new_value=text,
                old_comment=current.comment,
                new_comment=new_comment,
                actor=actor,
                source=source,
            )
        )
        current.value, current.numeric, current.comment = text, number, new_comment
        current.deleted = False
        current.updated_by = actor
        current.updated_at = now
        current.save(
            update_fields=["value", "numeric", "comment", "deleted", "updated_by", "updated_at"]
        )
        touched.add(cell.indicator.pk)
        result.cells.append(CellOutcome(item.key, "saved", value=text, warning=warning))
    DataValueChange.objects.bulk_create(changes)
    if touched:
        announce_now(
            figures.VALUES_CHANGED,
            unit_ids=[unit.pk],
            period_ids=[period.pk],
            indicator_ids=touched,
        )
    values = selectors.values_for(layout=layout, unit=unit, period=period)
    result.violations = check_rules(
        form.rules.all(), selectors.rule_values(layout=layout, values=values)
    )
    if changes or created:
        audit_record(
            actor=actor,
            action="reporting.values_save",
            object_type="reporting.submission",
            object_id=str(submission.pk),
            object_repr=f"{form.code} {period.code} {unit.name}",
            unit=unit,
            after={"source": source, "changes": created + len(changes)},
        )
    return result


def _outlier_warning(cell, number: Decimal | None) -> str:
    if number is None:
        return ""
    if cell.min_value is not None and number < cell.min_value:
        return f"Giá trị nhỏ bất thường (thường không dưới {cell.min_value.normalize():f})."
    if cell.max_value is not None and number > cell.max_value:
        return f"Giá trị lớn bất thường (thường không quá {cell.max_value.normalize():f})."
    return ""


# --- workflow -------------------------------------------------------------------------------


class SubmissionBlocked(Exception):
    def __init__(self, message: str, violations: list[Violation] | None = None):
        super().__init__(message)
        self.violations = violations or []


def _event(submission: Submission, action: str, actor, reason: str = "") -> None:
    SubmissionEvent.objects.create(submission=submission, action=action, actor=actor, reason=reason)


def reporting_children(*, form: ReportForm, unit: Unit, period: Period) -> list[Unit]:
    """The units whose reports this unit's report consolidates, in the period's hierarchy."""
    if unit.level == form.reporting_level:
        return []
    levels = selectors.chain_levels(form, period)
    return list(Unit.objects.filter(valid_on_q(period.end_date), parent=unit, level__in=levels))


def _unfinished_children(form: ReportForm, unit: Unit, period: Period) -> list[Unit]:
    children = reporting_children(form=form, unit=unit, period=period)
    done = set(
        Submission.objects.filter(
            form_code=form.code,
            period=period,
            unit__in=children,
            status__in=[SubmissionStatus.APPROVED, SubmissionStatus.WAIVED],
        ).values_list("unit_id", flat=True)
    )
    return [c for c in children if c.pk not in done]


def _officers_above(unit: Unit) -> list[User]:
    """Officers of the nearest unit above that has any (a district without accounts hands
    over to its province)."""
    roles = [RoleCode.DISTRICT_OFFICER, RoleCode.PROVINCE_OFFICER, RoleCode.MINISTRY_OFFICER]
    parent = unit.parent
    while parent is not None:
        users = list(officials_with_roles(roles=roles, units=[parent.pk]))
        if users:
            return users
        parent = parent.parent
    return []


def _reporters_of(unit: Unit) -> list[User]:
    role = ENTRY_ROLE.get(unit.level)
    return list(officials_with_roles(roles=[role], units=[unit.pk]))


def _notify_later(*, recipients, kind: str, title: str, body: str, url: str, unit, key: str):
    def send():
        notify(
            recipients=recipients, kind=kind, title=title, body=body, url=url, unit=unit,
            dedupe_key=key,
        )  # fmt: skip

    transaction.on_commit(send)


def _decider(actor: User, submission: Submission) -> str:
    """Who approved or returned a report, as the reporter's notice names them: the officer's
    unit (the province), never the reporting unit itself."""
    if actor.unit is not None and actor.unit_id != submission.unit_id:
        return actor.unit.name
    return actor.get_full_name() or actor.username


def _report_url(submission: Submission) -> str:
    return f"/reporting/{submission.form_code}/{submission.period.code}/{submission.unit.code}/"


@transaction.atomic
def submission_submit(
    *, actor: User, form: ReportForm, unit: Unit, period: Period, today: datetime.date | None = None
) -> Submission:
    if not can_enter(actor, unit):
        raise PermissionDenied("Bạn không được nộp báo cáo của đơn vị này.")
    submission = _submission_locked(form, unit, period)
    if submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED):
        return submission  # a repeated click or request changes nothing
    if submission.status == SubmissionStatus.WAIVED:
        raise SubmissionBlocked("Đơn vị được miễn báo cáo kỳ này.")
    if today is None:
        today = timezone.localdate()
    if today > form.locks_after(period):
        raise ReportClosed(_("Kỳ báo cáo %(period)s đã khoá.") % {"period": period_label(period)})
    if today < form.opens_on(period):
        raise ReportClosed(
            _("Kỳ báo cáo %(period)s chưa mở (mở từ %(date)s).")
            % {"period": period_label(period), "date": f"{form.opens_on(period):%d/%m/%Y}"}
        )
    if unit.level == form.reporting_level:
        layout = selectors.form_layout(form)
        values = selectors.values_for(layout=layout, unit=unit, period=period)
        violations = check_rules(
            form.rules.all(), selectors.rule_values(layout=layout, values=values)
        )
        blocking = [v for v in violations if v.importance == "error"]
        if blocking:
            raise SubmissionBlocked("Báo cáo còn lỗi, hãy sửa trước khi nộp.", blocking)
    else:
        missing = _unfinished_children(form, unit, period)
        if missing:
            names = ", ".join(u.name for u in missing[:5])
            more = f" và {len(missing) - 5} đơn vị khác" if len(missing) > 5 else ""
            raise SubmissionBlocked(f"Chưa duyệt hoặc miễn báo cáo của: {names}{more}.")
    before = submission.status
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.submitted_by = actor
    submission.reason = ""
    submission.form = form
    submission.save(
        update_fields=["status", "submitted_at", "submitted_by", "reason", "form", "updated_at"]
    )
    _event(submission, "submit", actor)
    audit_record(
        actor=actor, action="reporting.submit", obj=submission, unit=unit,
        before={"status": before}, after={"status": submission.status},
    )  # fmt: skip
    _notify_later(
        recipients=_officers_above(unit),
        kind="reporting.submitted",
        title=f"{unit.name} đã nộp báo cáo {form.code} kỳ {period.label}",
        body=f"{unit.name} đã nộp “{form.name}” kỳ {period.label}. Mời xem và duyệt.",
        url=_report_url(submission),
        unit=unit,
        key=f"submitted:{submission.pk}:{submission.submitted_at.isoformat()}",
    )
    return submission


def _decide_check(actor: User, submission: Submission) -> None:
    if not can_review(actor, submission.unit):
        raise PermissionDenied("Bạn không có quyền duyệt báo cáo của đơn vị này.")


def _parent_submission(submission: Submission) -> Submission | None:
    parent = submission.unit.parent
    if parent is None:
        return None
    return Submission.objects.filter(
        form_code=submission.form_code, period=submission.period, unit=parent
    ).first()


def _refresh_figures(submission: Submission) -> None:
    """Approved figures above the unit change with the report's approval: recompute them in
    this transaction, so the national total includes (or drops) the report at once."""
    layout = selectors.form_layout(submission.form)
    announce_now(
        figures.VALUES_CHANGED,
        unit_ids=[submission.unit_id],
        period_ids=[submission.period_id],
        indicator_ids=list(layout.indicators),
    )
    # Readers above (open data) refresh what they publish from approved figures.
    announce(
        "reporting.figures_changed",
        indicator_ids=sorted(layout.indicators),
        period_id=submission.period_id,
    )


@transaction.atomic
def submission_approve(*, actor: User, submission: Submission) -> Submission:
    _decide_check(actor, submission)
    submission = (
        Submission.objects.select_for_update()
        .select_related("unit", "period", "form")
        .get(pk=submission.pk)
    )
    if submission.status == SubmissionStatus.APPROVED:
        return submission
    if submission.status != SubmissionStatus.SUBMITTED:
        raise SubmissionBlocked("Chỉ duyệt được báo cáo đã nộp.")
    missing = _unfinished_children(submission.form, submission.unit, submission.period)
    if missing:
        raise SubmissionBlocked("Còn đơn vị cấp dưới chưa được duyệt hoặc miễn báo cáo.")
    now = timezone.now()
    submission.status = SubmissionStatus.APPROVED
    submission.decided_at = now
    submission.decided_by = actor
    submission.last_approved_at = now
    submission.save(
        update_fields=["status", "decided_at", "decided_by", "last_approved_at", "updated_at"]
    )
    _refresh_figures(submission)
    _event(submission, "approve", actor)
    audit_record(
        actor=actor, action="reporting.approve", obj=submission, unit=submission.unit,
        before={"status": SubmissionStatus.SUBMITTED}, after={"status": submission.status},
    )  # fmt: skip
    _notify_later(
        recipients=_reporters_of(submission.unit),
        kind="reporting.approved",
        title=f"Báo cáo {submission.form_code} kỳ {submission.period.label} đã được duyệt",
        body=f"Báo cáo “{submission.form.name}” kỳ {submission.period.label} của {submission.unit.name} đã được {_decider(actor, submission)} duyệt.",
        url=_report_url(submission),
        unit=actor.unit or submission.unit,  # who decided: shown as the notice's sender
        key=f"approved:{submission.pk}:{now.isoformat()}",
    )
    return submission


@dataclass
class BulkApproval:
    """What approving several reports at once did, report by report."""

    approved: list[Submission] = field(default_factory=list)
    already: list[Submission] = field(default_factory=list)  # approved before (a retry)
    refused: list[tuple[Submission | None, str]] = field(default_factory=list)


def submissions_approve_many(*, actor: User, submission_ids: Iterable[int]) -> BulkApproval:
    """Approve several reports with one confirmation. Each one is approved as on its own
    page, in its own transaction: permission-checked, audited, notified; one that cannot be
    approved (no right, not submitted, units below unfinished) is refused with the reason and
    does not stop the others. Sending the same list again approves nothing twice."""
    outcome = BulkApproval()
    ids = list(dict.fromkeys(int(i) for i in submission_ids))
    found = {
        s.pk: s
        for s in Submission.objects.filter(pk__in=ids).select_related("unit", "period", "form")
    }
    for pk in ids:
        submission = found.get(pk)
        if submission is None or not can_review(actor, submission.unit):
            # Not told apart: a report outside the actor's scope is not revealed.
            outcome.refused.append((None, "Không có báo cáo này trong phạm vi duyệt của bạn."))
            continue
        if submission.status == SubmissionStatus.APPROVED:
            outcome.already.append(submission)
            continue
        try:
            outcome.approved.append(submission_approve(actor=actor, submission=submission))
        except (SubmissionBlocked, PermissionDenied) as exc:
            outcome.refused.append((submission, str(exc)))
    return outcome


NUDGE_INTERVAL = datetime.timedelta(hours=24)
NUDGE_DONE = {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.WAIVED}


@dataclass
class NudgeResult:
    """What "Nhắc nộp" did: the units reminded, and those refused with when they may be
    reminded again (a reminder less than 24 hours old) or why."""

    reminded: list[Unit] = field(default_factory=list)
    too_soon: list[tuple[Unit, datetime.datetime]] = field(default_factory=list)
    no_reporter: list[Unit] = field(default_factory=list)


def units_remind(
    *,
    actor: User,
    form: ReportForm,
    period: Period,
    root: Unit,
    unit_codes: list[str] | None = None,
    now: datetime.datetime | None = None,
) -> NudgeResult:
    """Remind the units under ``root`` that have not submitted (or only those of
    ``unit_codes``): an in-platform notice and an e-mail to their reporters, at most once per
    unit, form and period in 24 hours; each reminder audited.

    Only officers above the units may remind them (PermissionDenied otherwise)."""
    now = now or timezone.now()
    units = selectors.reporting_units(form=form, period=period, root=root).select_related("parent")
    if unit_codes is not None:
        units = units.filter(code__in=unit_codes)
    done = set(
        Submission.objects.filter(
            form_code=form.code, period=period, status__in=NUDGE_DONE, unit__in=units
        ).values_list("unit_id", flat=True)
    )
    missing = [u for u in units.order_by("code") if u.pk not in done]
    if any(not can_review(actor, u) for u in missing) or not can_review_or_root(actor, root):
        raise PermissionDenied("Bạn không có quyền nhắc các đơn vị này.")
    deadline = selectors.deadline_for(form, form.reporting_level, period)
    outcome = NudgeResult()
    for unit in missing:
        with transaction.atomic():
            # One reminder at a time per unit: the unit row is the lock (PostgreSQL).
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            last = (
                UnitReminder.objects.filter(form_code=form.code, period=period, unit=unit)
                .order_by("-sent_at")
                .first()
            )
            if last is not None and now - last.sent_at < NUDGE_INTERVAL:
                outcome.too_soon.append((unit, last.sent_at + NUDGE_INTERVAL))
                continue
            reporters = _reporters_of(unit)
            if not reporters:
                outcome.no_reporter.append(unit)
                continue
            UnitReminder.objects.create(
                form_code=form.code, period=period, unit=unit, sent_at=now, sent_by=actor
            )
            due = f" Hạn nộp: {deadline:%d/%m/%Y}." if deadline else ""
            notify(
                recipients=reporters,
                kind="reporting.nudge",
                title=f"Nhắc nộp báo cáo {form.code} kỳ {period.label}",
                body=(
                    f"{actor.get_full_name() or actor.username} ({actor.unit.name if actor.unit else ''}) "
                    f"nhắc {unit.name} nộp báo cáo “{form.name}” kỳ {period.label}.{due}"
                ),
                url=f"/reporting/{form.code}/{period.code}/{unit.code}/",
                unit=unit,
                dedupe_key=f"nudge:{form.code}:{period.code}:{unit.pk}:{now:%Y%m%d%H%M%S}",
            )
            audit_record(
                actor=actor,
                action="reporting.remind",
                object_type="reporting.unitreminder",
                object_id=f"{form.code}:{period.code}:{unit.code}",
                object_repr=f"{form.code} {period.label} {unit.name}",
                unit=unit,
                after={"recipients": len(reporters)},
            )
            outcome.reminded.append(unit)
    return outcome


def can_review_or_root(actor: User, root: Unit) -> bool:
    """Officers remind from their own unit or one below it."""
    return can_view_report(actor, root) and bool(actor.role_codes() & OFFICER_ROLES)


@transaction.atomic
def submission_return(*, actor: User, submission: Submission, reason: str) -> Submission:
    """Send a submitted report back to its unit with the reason; reopening an approved one
    is the same act (the parent's report must not be approved yet)."""
    _decide_check(actor, submission)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do trả lại."})
    submission = (
        Submission.objects.select_for_update()
        .select_related("unit", "period", "form")
        .get(pk=submission.pk)
    )
    if submission.status not in (
        SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.WAIVED
    ):  # fmt: skip
        raise SubmissionBlocked("Chỉ trả lại được báo cáo đã nộp, đã duyệt hoặc đã miễn.")
    parent = _parent_submission(submission)
    if parent is not None and parent.status in (
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.APPROVED,
    ):
        raise SubmissionBlocked(
            "Báo cáo tổng hợp của cấp trên đã nộp hoặc đã duyệt: hãy mở lại báo cáo đó trước."
        )
    before = submission.status
    now = timezone.now()
    submission.status = SubmissionStatus.RETURNED
    submission.decided_at = now
    submission.decided_by = actor
    submission.reason = reason
    submission.save(update_fields=["status", "decided_at", "decided_by", "reason", "updated_at"])
    if before == SubmissionStatus.APPROVED:
        _refresh_figures(submission)
    action = {SubmissionStatus.APPROVED: "reopen", SubmissionStatus.WAIVED: "unwaive"}.get(
        before, "return"
    )
    _event(submission, action, actor, reason)
    audit_record(
        actor=actor, action=f"reporting.{action}", obj=submission, unit=submission.unit,
        before={"status": before}, after={"status": submission.status, "reason": reason},
    )  # fmt: skip
    _notify_later(
        recipients=_reporters_of(submission.unit),
        kind="reporting.returned",
        title=f"Báo cáo {submission.form_code} kỳ {submission.period.label} bị trả lại",
        body=(
            f"{_decider(actor, submission)} đã trả lại "
            f"báo cáo “{submission.form.name}” kỳ {submission.period.label} của "
            f"{submission.unit.name}. Lý do: {reason}"
        ),
        url=_report_url(submission),
        unit=actor.unit or submission.unit,  # who decided: shown as the notice's sender
        key=f"returned:{submission.pk}:{now.isoformat()}",
    )
    return submission


@transaction.atomic
def submission_waive(
    *, actor: User, form: ReportForm, unit: Unit, period: Period, reason: str
) -> Submission:
    """Excuse a unit from this report (no programme activity, for example), explicitly."""
    if not can_review(actor, unit):
        raise PermissionDenied("Bạn không có quyền miễn báo cáo cho đơn vị này.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Hãy ghi lý do miễn báo cáo."})
    submission = _submission_locked(form, unit, period)
    if submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED):
        raise SubmissionBlocked("Đơn vị đã nộp báo cáo: hãy duyệt hoặc trả lại.")
    before = submission.status
    submission.status = SubmissionStatus.WAIVED
    submission.decided_at = timezone.now()
    submission.decided_by = actor
    submission.reason = reason
    submission.save(update_fields=["status", "decided_at", "decided_by", "reason", "updated_at"])
    _event(submission, "waive", actor, reason)
    audit_record(
        actor=actor, action="reporting.waive", obj=submission, unit=unit,
        before={"status": before}, after={"status": submission.status, "reason": reason},
    )  # fmt: skip
    return submission


__all__ = [
    "CellInput",
    "PeriodError",
    "ReportClosed",
    "SubmissionBlocked",
    "datavalues_save",
    "form_define",
    "forms_load",
    "period_resolve",
    "submission_approve",
    "submission_return",
    "submission_submit",
    "submission_waive",
]


@transaction.atomic
def period_type_create(*, actor, period_type: PeriodType) -> PeriodType:
    """A new way of cutting time into report periods, e.g. months closing on the 14th."""
    require_definer(actor)
    period_type.full_clean()
    period_type.rule()  # refuses inconsistent settings with a clear message
    period_type.save()
    audit_record(
        actor=actor,
        action="reporting.period_type_create",
        obj=period_type,
        after={
            "code": period_type.code,
            "kind": period_type.kind,
            "cutoff_day": period_type.cutoff_day,
            "cumulative_months": period_type.cumulative_months,
        },
    )
    return period_type


def forms_reference_load() -> LoadResult:
    """Loader ``reporting.forms``: period types and the report forms of data/forms."""
    return forms_load(directory=DATA_DIR / "forms")
