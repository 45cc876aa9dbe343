"""Issuing, updating and cancelling disaster warnings (writes; each one audited).

Every message is checked against the OASIS CAP 1.2 schema before its transaction commits: a
message whose CAP document would be invalid is never stored, so never published. A retried
form (same ``request_token``) returns the message the first attempt wrote.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dantoc.alerts import cap, permissions
from dantoc.alerts.models import Alert, AlertInfo, AlertStatus, Hazard, MsgType
from dantoc.audit.services import audit_record
from dantoc.core.events import announce
from dantoc.core.languages import BY_CODE, SOURCE_LANGUAGE
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.geo.models import Unit

CHANGED = "alerts.alert_changed"
# Base address used for ``<web>`` when a document is checked before it is stored.
CHECK_BASE = "https://example.invalid"


@dataclass(frozen=True)
class InfoText:
    """The words of a warning in one language."""

    language: str
    headline: str
    description: str
    instruction: str


@dataclass(frozen=True)
class AlertContent:
    hazard: str
    level: int
    status: str
    onset: datetime.datetime
    expires: datetime.datetime
    communes: Sequence[Unit]
    infos: Sequence[InfoText]


def _snapshot(alert: Alert) -> dict:
    return {
        "identifier": alert.identifier,
        "msg_type": alert.msg_type,
        "status": alert.status,
        "hazard": alert.hazard,
        "level": alert.level,
        "onset": alert.onset.isoformat(),
        "expires": alert.expires.isoformat(),
        "communes": sorted(u.code for u in alert.communes.all()),
        "languages": [i.language for i in alert.infos.all()],
        "note": alert.note,
    }


def _check_content(*, actor, content: AlertContent, now: datetime.datetime) -> None:
    errors: dict[str, list[str]] = {}
    if content.hazard not in Hazard.values:
        errors.setdefault("hazard", []).append(_("Chọn một loại thiên tai trong danh sách."))
    if content.level not in range(1, 6):
        errors.setdefault("level", []).append(_("Cấp độ rủi ro là một số từ 1 đến 5."))
    if content.status not in AlertStatus.values:
        errors.setdefault("status", []).append(_("Chọn cảnh báo thật hay diễn tập."))
    if content.expires <= content.onset:
        errors.setdefault("expires", []).append(
            _("Thời điểm hết hiệu lực phải sau thời điểm bắt đầu.")
        )
    if content.expires <= now:
        errors.setdefault("expires", []).append(_("Thời điểm hết hiệu lực đã qua."))
    if not content.communes:
        errors.setdefault("communes", []).append(_("Chọn ít nhất một xã được cảnh báo."))
    refused = [u.name for u in content.communes if not permissions.can_alert_commune(actor, u)]
    if refused:
        errors.setdefault("communes", []).append(
            _("Anh/chị không được cảnh báo cho: %(names)s.") % {"names": ", ".join(refused)}
        )
    languages = [i.language for i in content.infos]
    if SOURCE_LANGUAGE not in languages:
        errors.setdefault("infos", []).append(_("Cần có nội dung bằng tiếng Việt."))
    if len(set(languages)) != len(languages):
        errors.setdefault("infos", []).append(_("Mỗi ngôn ngữ chỉ viết một lần."))
    unknown = [code for code in languages if code not in BY_CODE]
    if unknown:
        errors.setdefault("infos", []).append(
            _("Ngôn ngữ không có trong danh sách: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    for info in content.infos:
        if not (info.headline.strip() and info.description.strip() and info.instruction.strip()):
            errors.setdefault("infos", []).append(
                _("Nội dung %(lang)s cần đủ tiêu đề, mô tả và việc cần làm.")
                % {
                    "lang": BY_CODE[info.language].name
                    if info.language in BY_CODE
                    else info.language
                }
            )
    if errors:
        raise ValidationError(errors)


def _write(
    *,
    actor,
    content: AlertContent,
    msg_type: str,
    previous: Alert | None,
    note: str,
    request_token: uuid.UUID | None,
) -> Alert:
    now = timezone.now().replace(microsecond=0)
    alert = Alert.objects.create(
        thread=previous.thread if previous else uuid.uuid4(),
        # A placeholder, unique, replaced by the identifier that needs the row's number.
        identifier=f"pending:{uuid.uuid4()}",
        msg_type=msg_type,
        status=content.status,
        hazard=content.hazard,
        level=content.level,
        sent=now,
        onset=content.onset,
        expires=content.expires,
        note=note,
        unit=actor.unit,
        previous=previous,
        is_latest=False,
        created_by=actor,
        request_token=request_token,
    )
    alert.identifier = cap.identifier_for(sent=now, number=alert.pk)
    alert.save(update_fields=["identifier"])
    alert.communes.set(content.communes)
    AlertInfo.objects.bulk_create(
        [
            AlertInfo(
                alert=alert,
                language=i.language,
                headline=i.headline.strip(),
                description=i.description.strip(),
                instruction=i.instruction.strip(),
            )
            for i in sorted(content.infos, key=lambda i: i.language != SOURCE_LANGUAGE)
        ]
    )
    if previous is not None:
        Alert.objects.filter(pk=previous.pk).update(is_latest=False)
    Alert.objects.filter(pk=alert.pk).update(is_latest=True)
    alert.is_latest = True
    problems = cap.schema_errors(cap.alert_document(alert, web=CHECK_BASE + "/"))
    if problems:
        # Never published: the transaction is rolled back with the message.
        raise ValidationError(
            _("Bản tin CAP không hợp lệ theo lược đồ OASIS CAP 1.2: %(problems)s")
            % {"problems": "; ".join(problems[:3])}
        )
    audit_record(
        actor=actor,
        action=f"alerts.alert_{msg_type.lower()}",
        obj=alert,
        unit=actor.unit,
        before=_snapshot(previous) if previous else None,
        after=_snapshot(alert),
    )
    # Cached public pages show (or stop showing) the warning's banner at once.
    public_pages_changed_on_commit()
    announce(CHANGED, thread=str(alert.thread), uuid=str(alert.uuid))
    return alert


def _replayed(request_token: uuid.UUID | None) -> Alert | None:
    if request_token is None:
        return None
    return Alert.objects.filter(request_token=request_token).first()


def _guarded_write(request_token: uuid.UUID | None, write) -> Alert:
    """Run ``write`` once per token: an earlier or concurrent attempt's row is returned."""
    if (done := _replayed(request_token)) is not None:
        return done
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        done = _replayed(request_token)
        if done is None:
            raise
        return done


def alert_issue(*, actor, content: AlertContent, request_token: uuid.UUID | None = None) -> Alert:
    """Issue a new warning (CAP msgType Alert)."""

    def write() -> Alert:
        if not permissions.can_issue_alerts(actor):
            raise PermissionDenied
        _check_content(actor=actor, content=content, now=timezone.now())
        return _write(
            actor=actor,
            content=content,
            msg_type=MsgType.ALERT,
            previous=None,
            note="",
            request_token=request_token,
        )

    return _guarded_write(request_token, write)


def _latest_locked(alert: Alert) -> Alert:
    latest = (
        Alert.objects.select_for_update()
        .filter(thread=alert.thread, is_latest=True)
        .select_related("unit")
        .first()
    )
    if latest is None or latest.pk != alert.pk:
        raise ValidationError(
            _("Cảnh báo này đã được cập nhật hoặc hủy bởi người khác; hãy mở bản mới nhất.")
        )
    if latest.is_cancel:
        raise ValidationError(_("Cảnh báo này đã bị hủy."))
    return latest


def alert_update(
    *, actor, alert: Alert, content: AlertContent, request_token: uuid.UUID | None = None
) -> Alert:
    """A new version of a warning (CAP msgType Update, referencing the earlier messages)."""

    def write() -> Alert:
        if not permissions.can_change_alert(actor, alert):
            raise PermissionDenied
        latest = _latest_locked(alert)
        _check_content(actor=actor, content=content, now=timezone.now())
        return _write(
            actor=actor,
            content=content,
            msg_type=MsgType.UPDATE,
            previous=latest,
            note="",
            request_token=request_token,
        )

    return _guarded_write(request_token, write)


def alert_cancel(
    *, actor, alert: Alert, reason: str, request_token: uuid.UUID | None = None
) -> Alert:
    """Cancel a warning (CAP msgType Cancel with the reason as ``note``): it leaves every
    citizen page at once; the Cancel message stays in the feed until the warning would have
    expired, so that hubs that took the warning learn of its end."""

    def write() -> Alert:
        if not permissions.can_change_alert(actor, alert):
            raise PermissionDenied
        latest = _latest_locked(alert)
        if not reason.strip():
            raise ValidationError({"reason": [_("Cần ghi lý do hủy cảnh báo.")]})
        content = AlertContent(
            hazard=latest.hazard,
            level=latest.level,
            status=latest.status,
            onset=latest.onset,
            expires=latest.expires,
            communes=list(latest.communes.all()),
            infos=[
                InfoText(i.language, i.headline, i.description, i.instruction)
                for i in latest.infos.all()
            ],
        )
        return _write(
            actor=actor,
            content=content,
            msg_type=MsgType.CANCEL,
            previous=latest,
            note=reason.strip()[:500],
            request_token=request_token,
        )

    return _guarded_write(request_token, write)
