"""Writes of meetings: schedule, change, cancel, invite, join, attendance, minutes, tasks.

Every write is audited (``meetings.<thing>_<step>``). Side effects run after commit: the
invitees' notices (``notifications.notify``), the iTIP e-mails (``meetings.tasks``, announced by
``INVITATIONS_EVENT``), the figures of the 30 % goal (``meetings.figures``). Other apps (the
training app's online sessions) call ``meeting_schedule``.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import logging
import uuid as uuid_module
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dantoc.accounts.models import User
from dantoc.audit.services import audit_record
from dantoc.channels.services import outbox_enqueue_many
from dantoc.core.events import announce
from dantoc.geo.models import Unit
from dantoc.media.services import asset_upload
from dantoc.meetings import ical, janus, permissions
from dantoc.meetings.models import (
    Attendance,
    AttendanceChannel,
    CalendarFeed,
    FollowUpTask,
    Invitation,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
    _token,
)
from dantoc.notifications.services import notify

logger = logging.getLogger(__name__)

INVITATIONS_EVENT = "meetings.invitations_changed"
HELD_EVENT = "meetings.meeting_held"
# The room opens this long before the start and closes this long after the end.
EARLY_JOIN = datetime.timedelta(minutes=30)
LATE_JOIN = datetime.timedelta(minutes=30)
MAX_LENGTH = datetime.timedelta(days=5)


def _snapshot(meeting: Meeting) -> dict:
    return {
        "title": meeting.title,
        "kind": meeting.kind,
        "mode": meeting.mode,
        "unit": meeting.unit.code,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "location": meeting.location,
        "status": meeting.status,
        "sequence": meeting.sequence,
    }


def _check_fields(*, title, kind, mode, starts_at, ends_at, location) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Cần có tên cuộc họp.")
    if kind not in MeetingKind.values:
        errors["kind"] = _("Loại cuộc họp không hợp lệ.")
    if mode not in MeetingMode.values:
        errors["mode"] = _("Hình thức họp không hợp lệ.")
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        errors["starts_at"] = _("Thời gian phải có múi giờ.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("Giờ kết thúc phải sau giờ bắt đầu.")
    elif ends_at - starts_at > MAX_LENGTH:
        errors["ends_at"] = _("Một cuộc họp không kéo dài quá 5 ngày.")
    if mode != MeetingMode.ONLINE and not location.strip():
        errors["location"] = _("Họp trực tiếp hoặc kết hợp cần có địa điểm.")
    if errors:
        raise ValidationError(errors)


def invitees_resolve(
    *, actor, units: Iterable[Unit] = (), people: Iterable[User] = (), roles: Iterable[str] = ()
) -> list[tuple[User, Unit | None]]:
    """The persons invited: the active officials of each invited unit (those holding one of
    ``roles`` when given) and the persons named. Refuses a unit or person outside the
    organiser's scope (``PermissionDenied``)."""
    roles = set(roles)
    chosen: dict[int, tuple[User, Unit | None]] = {}
    for unit in units:
        if not permissions.can_invite_unit(actor, unit):
            raise PermissionDenied(_("Bạn không được mời đơn vị %(unit)s.") % {"unit": unit.name})
        officials = User.objects.filter(unit=unit, is_active=True).prefetch_related("roles")
        for person in officials:
            if roles and not (person.role_codes() & roles):
                continue
            chosen.setdefault(person.pk, (person, unit))
    for person in people:
        if not permissions.can_invite_person(actor, person):
            raise PermissionDenied(
                _("Bạn không được mời %(name)s.") % {"name": person.full_name or person.username}
            )
        chosen[person.pk] = (person, chosen.get(person.pk, (None, None))[1])
    return list(chosen.values())


def meeting_schedule(
    *,
    actor,
    title: str,
    kind: str,
    mode: str,
    unit: Unit,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    agenda: str = "",
    location: str = "",
    invitees: Iterable[tuple[User, Unit | None]] | Iterable[User] = (),
    uuid: uuid_module.UUID | str | None = None,
    tell: bool = True,
) -> Meeting:
    """Schedule a meeting and invite people. ``uuid`` (the form's, or the calling app's)
    makes a retried request return the meeting already made instead of a second one.
    ``tell=False``: the calling app sends the invitations itself (a training session's room
    is in the training's own iCalendar invitation; a second calendar entry would double it)."""
    if not permissions.can_host_for(actor, unit):
        raise PermissionDenied(_("Bạn không được tổ chức họp cho đơn vị này."))
    _check_fields(
        title=title, kind=kind, mode=mode, starts_at=starts_at, ends_at=ends_at, location=location
    )
    if uuid is not None:
        existing = Meeting.objects.filter(uuid=uuid).first()
        if existing is not None:
            if existing.organizer_id != actor.pk:
                raise PermissionDenied(_("Mã cuộc họp đã được dùng."))
            return existing
    pairs = [p if isinstance(p, tuple) else (p, None) for p in invitees]
    for person, _via in pairs:
        if not permissions.can_invite_person(actor, person):
            raise PermissionDenied(_("Bạn không được mời %(name)s.") % {"name": person.username})
    try:
        with transaction.atomic():
            meeting = Meeting(
                title=title.strip(),
                agenda=agenda.strip(),
                kind=kind,
                mode=mode,
                unit=unit,
                organizer=actor,
                starts_at=starts_at,
                ends_at=ends_at,
                location=location.strip(),
            )
            if uuid is not None:
                meeting.uuid = uuid
            meeting.save()
            Invitation.objects.bulk_create(
                [Invitation(meeting=meeting, user=p, via_unit=v) for p, v in pairs]
            )
            audit_record(
                actor=actor,
                action="meetings.meeting_schedule",
                obj=meeting,
                unit=unit,
                after={**_snapshot(meeting), "invitees": sorted(p.username for p, _v in pairs)},
            )
            if tell:
                _tell_invitees(meeting, [p.pk for p, _v in pairs], method="REQUEST")
    except IntegrityError:
        # A concurrent retry with the same uuid won the race.
        existing = Meeting.objects.filter(uuid=uuid).first() if uuid else None
        if existing is None:
            raise
        return existing
    return meeting


def _tell_invitees(meeting: Meeting, user_ids: list[int], *, method: str) -> None:
    if not user_ids:
        return
    if method == "CANCEL":
        title = _("Hủy cuộc họp: %(title)s") % {"title": meeting.title}
    elif meeting.sequence:
        title = _("Thay đổi cuộc họp: %(title)s") % {"title": meeting.title}
    else:
        title = _("Giấy mời họp: %(title)s") % {"title": meeting.title}
    when = timezone.localtime(meeting.starts_at).strftime("%H:%M %d/%m/%Y")
    notify(
        recipients=user_ids,
        kind="meeting_invitation",
        title=title,
        body=_("Thời gian: %(when)s. Đơn vị chủ trì: %(unit)s.")
        % {"when": when, "unit": meeting.unit.name},
        url=f"/hop/{meeting.uuid}/",
        unit=meeting.unit,
        dedupe_key=f"meeting:{meeting.uuid}:{meeting.sequence}:{method}",
        email=False,  # the iMIP e-mail with the invitation is this app's own (below)
    )
    announce(
        INVITATIONS_EVENT,
        meeting_id=meeting.pk,
        user_ids=user_ids,
        method=method,
        sequence=meeting.sequence,
    )


def meeting_update(*, actor, meeting: Meeting, **fields) -> Meeting:
    """Change the title, agenda, times, mode or place; re-send the invitation with the same
    UID and the next SEQUENCE."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được sửa cuộc họp này."))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Chỉ sửa được cuộc họp chưa diễn ra."))
    allowed = {"title", "agenda", "kind", "mode", "starts_at", "ends_at", "location"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    values = {name: fields.get(name, getattr(meeting, name)) for name in allowed}
    _check_fields(**{k: v for k, v in values.items() if k != "agenda"})
    changed = [n for n in allowed if values[n] != getattr(meeting, n)]
    if not changed:
        return meeting
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = _snapshot(meeting)
        for name in changed:
            setattr(meeting, name, values[name])
        meeting.sequence += 1
        meeting.save(update_fields=[*changed, "sequence", "updated_at"])
        audit_record(
            actor=actor,
            action="meetings.meeting_update",
            obj=meeting,
            unit=meeting.unit,
            before=before,
            after=_snapshot(meeting),
        )
        ids = list(
            meeting.invitations.filter(revoked_at__isnull=True).values_list("user_id", flat=True)
        )
        _tell_invitees(meeting, ids, method="REQUEST")
    return meeting


def meeting_cancel(*, actor, meeting: Meeting, tell: bool = True) -> Meeting:
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được hủy cuộc họp này."))
    if meeting.status == MeetingStatus.CANCELLED:
        return meeting
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Cuộc họp đã diễn ra, không hủy được."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = _snapshot(meeting)
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save(update_fields=["status", "sequence", "updated_at"])
        audit_record(
            actor=actor,
            action="meetings.meeting_cancel",
            obj=meeting,
            unit=meeting.unit,
            before=before,
            after=_snapshot(meeting),
        )
        ids = list(
            meeting.invitations.filter(revoked_at__isnull=True).values_list("user_id", flat=True)
        )
        if tell:
            _tell_invitees(meeting, ids, method="CANCEL")
        transaction.on_commit(lambda: _room_close(meeting))
    return meeting


def _room_close(meeting: Meeting) -> None:
    jc = janus.client()
    if jc is None:
        return
    try:
        for token in meeting.invitations.values_list("token", flat=True):
            jc.token_remove(token)
        jc.room_destroy(room=meeting.room, secret=meeting.room_secret)
    except janus.JanusError as exc:
        logger.warning("meeting %s: closing its Janus room failed: %s", meeting.uuid, exc)


def invitation_revoke(*, actor, invitation: Invitation) -> Invitation:
    """Take an invitation back: its token no longer opens the room (removed from Janus)."""
    meeting = invitation.meeting
    own = actor is not None and actor.pk == invitation.user_id  # declining one's own
    if not own and not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được thu hồi giấy mời này."))
    if invitation.revoked_at is not None:
        return invitation
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="meetings.invitation_revoke",
            obj=invitation,
            unit=meeting.unit,
            after={"user": invitation.user.username, "meeting": str(meeting.uuid)},
        )
    jc = janus.client()
    if jc is not None:
        try:
            jc.token_remove(invitation.token)
            jc.room_allow(
                room=meeting.room,
                secret=meeting.room_secret,
                tokens=[invitation.token],
                action="remove",
            )
        except janus.JanusError as exc:
            if exc.code != 426:  # the room does not exist yet: nothing to remove
                logger.warning("revoking %s in Janus failed: %s", invitation.pk, exc)
    return invitation


def invitations_add(
    *, actor, meeting: Meeting, people: Iterable[User], tell: bool = True
) -> list[int]:
    """Invite more people to a scheduled meeting (a training's online session invites each
    participant the organiser confirms). A person already invited is left as is; one whose
    invitation was revoked is invited again. Only the newly invited are told (REQUEST; not
    with ``tell=False``, as for ``meeting_schedule``). Returns their ids."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được mời thêm người vào cuộc họp này."))
    if meeting.status != MeetingStatus.SCHEDULED:
        return []
    people = list(people)
    for person in people:
        if not permissions.can_invite_person(actor, person):
            raise PermissionDenied(_("Bạn không được mời %(name)s.") % {"name": person.username})
    with transaction.atomic():
        existing = {
            inv.user_id: inv for inv in Invitation.objects.filter(meeting=meeting, user__in=people)
        }
        new = []
        for person in people:
            invitation = existing.get(person.pk)
            if invitation is None:
                Invitation.objects.create(meeting=meeting, user=person)
                new.append(person.pk)
            elif invitation.revoked_at is not None:
                invitation.revoked_at = None
                invitation.save(update_fields=["revoked_at"])
                new.append(person.pk)
        if new:
            audit_record(
                actor=actor,
                action="meetings.invitations_add",
                obj=meeting,
                unit=meeting.unit,
                after={"users": new},
            )
            if tell:
                _tell_invitees(meeting, new, method="REQUEST")
    return new


# --- joining -----------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinTicket:
    janus_url: str
    room: str
    token: str
    display: str
    opaque_id: str


def join_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    return meeting.starts_at - EARLY_JOIN, meeting.ends_at + LATE_JOIN


def meeting_join(*, user, meeting: Meeting, now: datetime.datetime | None = None) -> JoinTicket:
    """Open the meeting's Janus room for ``user`` (an invitee, inside the meeting's window):
    create the private room if needed and let the invitation's token in. Refuses with a
    ``ValidationError`` saying why."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.filter(meeting=meeting, user=user).select_related("user").first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if invitation is None:
        raise PermissionDenied(_("Bạn không có giấy mời dự cuộc họp này."))
    if invitation.revoked_at is not None:
        raise PermissionDenied(_("Giấy mời của bạn đã bị thu hồi."))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise ValidationError(_("Cuộc họp đã kết thúc hoặc đã bị hủy."))
    if not meeting.is_online:
        raise ValidationError(_("Cuộc họp này chỉ họp trực tiếp."))
    opens, closes = join_window(meeting)
    if now < opens:
        raise ValidationError(
            _("Phòng họp mở lúc %(time)s.")
            % {"time": timezone.localtime(opens).strftime("%H:%M %d/%m/%Y")}
        )
    if now > closes:
        raise ValidationError(_("Cuộc họp đã kết thúc."))
    jc = janus.client()
    if jc is None:
        raise ValidationError(_("Máy chủ họp trực tuyến chưa chạy; vui lòng báo quản trị."))
    tokens = list(
        meeting.invitations.filter(revoked_at__isnull=True).values_list("token", flat=True)
    )
    try:
        jc.token_add(invitation.token)
        jc.room_ensure(
            room=meeting.room,
            description=meeting.title,
            secret=meeting.room_secret,
            allowed=tokens,
            publishers=max(6, min(len(tokens), 100)),
        )
    except janus.JanusError as exc:
        logger.warning("meeting %s: Janus refused: %s", meeting.uuid, exc)
        raise ValidationError(_("Máy chủ họp trực tuyến không trả lời; vui lòng thử lại.")) from exc
    return JoinTicket(
        janus_url=jc.ep.public_url,
        room=meeting.room,
        token=invitation.token,
        display=(user.full_name or user.username)[:60],
        opaque_id=f"inv-{invitation.pk}-{_sign(str(invitation.pk))}",
    )


def _sign(value: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"meetings:{value}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


def _invitation_of_opaque(opaque: str) -> int | None:
    parts = (opaque or "").split("-", 2)  # the signature may itself hold "-"
    if len(parts) != 3 or parts[0] != "inv" or not parts[1].isdigit():
        return None
    return int(parts[1]) if hmac.compare_digest(_sign(parts[1]), parts[2]) else None


# --- attendance --------------------------------------------------------------------------


def _event_time(event: dict) -> datetime.datetime:
    micros = event.get("timestamp")
    if isinstance(micros, int) and micros > 0:
        return datetime.datetime.fromtimestamp(micros / 1_000_000, tz=datetime.UTC)
    return timezone.now()


def janus_events_record(*, events: list[dict]) -> dict[str, int]:
    """Attendance from the events Janus's HTTP event handler posts (VideoRoom ``joined`` and
    ``leaving``/``unpublished`` of a participant; a handle's ``detached``). Janus may post an
    event again (retransmission): a participant's row is found by its Janus id, so nothing
    doubles. Unknown rooms and events are ignored."""
    counts = {"joined": 0, "left": 0, "ignored": 0}
    for event in events:
        if not isinstance(event, dict) or event.get("type") != 64:
            counts["ignored"] += 1
            continue
        body = event.get("event") or {}
        data = body.get("data") or {}
        if body.get("plugin") != janus.PLUGIN or not isinstance(data, dict):
            counts["ignored"] += 1
            continue
        room = str(data.get("room", ""))
        pid = str(data.get("id", ""))
        kind = data.get("event")
        if not room.startswith("dantoc-") or not pid:
            counts["ignored"] += 1
            continue
        try:
            meeting_uuid = uuid_module.UUID(room.removeprefix("dantoc-"))
        except ValueError:
            counts["ignored"] += 1
            continue
        meeting = Meeting.objects.filter(uuid=meeting_uuid).first()
        if meeting is None:
            counts["ignored"] += 1
            continue
        at = _event_time(event)
        if kind == "joined":
            inv_id = _invitation_of_opaque(event.get("opaque_id", ""))
            invitation = (
                Invitation.objects.filter(pk=inv_id, meeting=meeting).first() if inv_id else None
            )
            with transaction.atomic():
                _row, created = Attendance.objects.get_or_create(
                    meeting=meeting,
                    janus_id=pid,
                    defaults={
                        "invitation": invitation,
                        "channel": AttendanceChannel.ONLINE,
                        "joined_at": at,
                    },
                )
            counts["joined" if created else "ignored"] += 1
        elif kind in ("leaving", "unpublished_leaving", "kicked"):
            updated = Attendance.objects.filter(
                meeting=meeting, janus_id=pid, left_at__isnull=True
            ).update(left_at=at)
            counts["left" if updated else "ignored"] += 1
        else:
            counts["ignored"] += 1
    return counts


def attendance_check_in(*, actor, meeting: Meeting, code: str) -> Attendance:
    """Record an invitee at the venue from the QR code of their invitation (scanned by an
    organiser). A second scan returns the first check-in."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Chỉ người tổ chức được điểm danh tại hội trường."))
    invitation = (
        Invitation.objects.filter(meeting=meeting, checkin_code=code).select_related("user").first()
    )
    if invitation is None:
        raise ValidationError(_("Mã điểm danh không thuộc cuộc họp này."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("Giấy mời này đã bị thu hồi."))
    existing = Attendance.objects.filter(
        invitation=invitation, channel=AttendanceChannel.IN_PERSON
    ).first()
    if existing:
        return existing
    with transaction.atomic():
        row = Attendance.objects.create(
            meeting=meeting,
            invitation=invitation,
            channel=AttendanceChannel.IN_PERSON,
            joined_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="meetings.attendance_check_in",
            obj=row,
            unit=meeting.unit,
            after={"user": invitation.user.username, "meeting": str(meeting.uuid)},
        )
    return row


# --- minutes and follow-up -----------------------------------------------------------------


def minutes_record(*, actor, meeting: Meeting, minutes: str, decisions: str = "") -> Meeting:
    """Write the minutes (biên bản) and the decisions; the meeting counts as held (its figure
    enters the 30 % goal)."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được ghi biên bản cuộc họp này."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("Cuộc họp đã bị hủy."))
    if not minutes.strip():
        raise ValidationError({"minutes": _("Biên bản không được để trống.")})
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Chỉ ghi biên bản khi cuộc họp đã bắt đầu."))
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        before = {
            "minutes": meeting.minutes,
            "decisions": meeting.decisions,
            "status": meeting.status,
        }
        first_time = meeting.status != MeetingStatus.HELD
        meeting.minutes = minutes.strip()
        meeting.decisions = decisions.strip()
        meeting.minutes_at = timezone.now()
        meeting.status = MeetingStatus.HELD
        meeting.save(update_fields=["minutes", "decisions", "minutes_at", "status", "updated_at"])
        audit_record(
            actor=actor,
            action="meetings.minutes_record",
            obj=meeting,
            unit=meeting.unit,
            before=before,
            after={
                "minutes": meeting.minutes,
                "decisions": meeting.decisions,
                "status": meeting.status,
            },
        )
        if first_time:
            announce(HELD_EVENT, meeting_id=meeting.pk)
            transaction.on_commit(lambda: _room_close(meeting))
    return meeting


def task_assign(
    *, actor, meeting: Meeting, title: str, unit: Unit, due_date: datetime.date
) -> FollowUpTask:
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được giao nhiệm vụ của cuộc họp này."))
    if not permissions.can_invite_unit(actor, unit):
        raise PermissionDenied(_("Bạn không được giao nhiệm vụ cho đơn vị này."))
    if not title.strip():
        raise ValidationError({"title": _("Cần nêu nhiệm vụ.")})
    with transaction.atomic():
        task = FollowUpTask.objects.create(
            meeting=meeting, title=title.strip(), unit=unit, due_date=due_date
        )
        audit_record(
            actor=actor,
            action="meetings.task_assign",
            obj=task,
            unit=unit,
            after={"title": task.title, "unit": unit.code, "due_date": due_date.isoformat()},
        )
        officers = User.objects.filter(unit=unit, is_active=True).values_list("pk", flat=True)
        notify(
            recipients=list(officers),
            kind="meeting_task",
            title=_("Nhiệm vụ sau cuộc họp: %(title)s") % {"title": task.title},
            body=_("Hạn hoàn thành: %(due)s. Cuộc họp: %(meeting)s.")
            % {"due": due_date.strftime("%d/%m/%Y"), "meeting": meeting.title},
            url="/hop/nhiem-vu/",
            unit=unit,
            dedupe_key=f"meeting-task:{task.pk}",
        )
    return task


def task_mark_done(*, actor, task: FollowUpTask) -> FollowUpTask:
    if not permissions.can_mark_task_done(actor, task):
        raise PermissionDenied(_("Bạn không được đánh dấu nhiệm vụ này."))
    if task.done_at is not None:
        return task
    with transaction.atomic():
        task.done_at = timezone.now()
        task.done_by = actor
        task.save(update_fields=["done_at", "done_by"])
        audit_record(
            actor=actor,
            action="meetings.task_done",
            obj=task,
            unit=task.unit,
            after={"title": task.title, "done_at": task.done_at.isoformat()},
        )
    return task


def document_attach(*, actor, meeting: Meeting, file, title: str = "") -> MeetingDocument:
    """Attach a document, checked like every upload (``media.asset_upload``: real type, size)."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Bạn không được đính kèm tài liệu cho cuộc họp này."))
    with transaction.atomic():
        asset = asset_upload(
            actor=actor, file=file, allowed_kinds=("document", "image"), owner_unit=meeting.unit
        )
        doc = MeetingDocument.objects.create(
            meeting=meeting,
            asset=asset,
            title=(title or getattr(file, "name", "") or "tài liệu")[:255],
        )
        audit_record(
            actor=actor,
            action="meetings.document_attach",
            obj=doc,
            unit=meeting.unit,
            after={"title": doc.title, "meeting": str(meeting.uuid)},
        )
    return doc


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if created:
        audit_record(actor=user, action="meetings.calendar_feed_create", obj=feed)
    return feed


def calendar_feed_renew(*, user) -> CalendarFeed:
    """A new private address; the old one stops working."""
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.get_or_create(user=user)
        feed.token = _token()
        feed.save(update_fields=["token"])
        audit_record(actor=user, action="meetings.calendar_feed_renew", obj=feed)
    return feed


# --- e-mail (iMIP) -------------------------------------------------------------------------


def invitation_emails_send(
    *, meeting_id: int, user_ids: list[int], method: str, sequence: int
) -> dict[str, int]:
    """Queue for each person the iTIP message of the meeting (RFC 6047) in the platform's
    outbox (channels): a text part and a ``text/calendar; method=…`` part, plus the same
    calendar as ``invite.ics``; the task worker sends them with retries. Once per person,
    meeting version and method (a re-run queues nothing more); a newer change supersedes: an
    older sequence is not queued."""
    counts = {"queued": 0, "skipped": 0}
    meeting = Meeting.objects.select_related("organizer", "unit").filter(pk=meeting_id).first()
    if meeting is None or meeting.sequence != sequence:
        counts["skipped"] = len(user_ids)
        return counts
    people = list(User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""))
    counts["skipped"] = len(user_ids) - len(people)
    attendees = list(
        User.objects.filter(
            meeting_invitations__meeting=meeting, meeting_invitations__revoked_at__isnull=True
        )
    )
    base_url = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    body_ics = ical.calendar_for(meeting, attendees=attendees, method=method, base_url=base_url)
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        if method == "CANCEL":
            subject = _("Hủy cuộc họp: %(title)s") % {"title": meeting.title}
        else:
            subject = _("Giấy mời họp: %(title)s") % {"title": meeting.title}
        when = timezone.localtime(meeting.starts_at).strftime("%H:%M %d/%m/%Y")
        text = "\n".join(
            line
            for line in (
                meeting.title,
                _("Thời gian: %(when)s") % {"when": when},
                meeting.location,
                meeting.agenda,
                f"{base_url}/hop/{meeting.uuid}/" if base_url else "",
            )
            if line
        )
    calendar = body_ics.decode()
    for person in people:
        rows.append(
            {
                "channel": "email",
                "address": person.email,
                "subject": subject.replace("\n", " "),
                "body": text,
                "urgency": "urgent" if method == "CANCEL" else "normal",
                "idempotency_key": f"meeting:{meeting.uuid}:{sequence}:{method}:{person.pk}",
                "recipient_id": person.pk,
                "attachments": [
                    {
                        "filename": "invite.ics",
                        "mimetype": f"text/calendar; method={method}; charset=UTF-8",
                        "content": calendar,
                        "alternative": True,
                    },
                    {"filename": "invite.ics", "mimetype": "application/ics", "content": calendar},
                ],
            }
        )
    counts["queued"] = outbox_enqueue_many(rows=rows, source=f"meeting:{meeting.uuid}")
    return counts
