"""Writes of the training part: events, sessions, nominations and registration, check-in,
head counts, feedback, e-learning progress and quizzes, certificates. Every write is atomic
and audited; mail and notices go out after commit."""

from __future__ import annotations

import datetime
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from dantoc.accounts.models import Role, User
from dantoc.audit.services import audit_record
from dantoc.channels.models import OutboxMessage
from dantoc.channels.services import outbox_enqueue
from dantoc.core.events import announce
from dantoc.geo.models import LEVEL_DEPTH, Unit
from dantoc.media.services import asset_delete, asset_upload
from dantoc.meetings import services as meeting_services
from dantoc.meetings.models import Attendance as MeetingAttendance
from dantoc.meetings.models import (
    AttendanceChannel,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingStatus,
)
from dantoc.notifications.services import notify
from dantoc.training import calendar, credentials, permissions, xapi
from dantoc.training.models import (
    Attendance,
    Audience,
    Certificate,
    CheckinMethod,
    Choice,
    CitizenHeadcount,
    Course,
    CourseProgress,
    Event,
    EventStatus,
    Feedback,
    Lesson,
    Material,
    Participant,
    ParticipantStatus,
    Question,
    Quota,
    RosterEntry,
    Session,
)
from dantoc.training.selectors import officials_goal

logger = logging.getLogger(__name__)
CHECKIN_SALT = "dantoc.training.checkin"
# Announced after commit when officials become trained (an event completed, a course passed):
# ``figures`` recounts their units' share of the 100 % goal.
OFFICIALS_TRAINED = "training.officials_trained"
LIVE = (ParticipantStatus.NOMINATED, ParticipantStatus.REGISTERED, ParticipantStatus.CONFIRMED)


def _site() -> str:
    return (settings.SITE_URL or "http://localhost:8000").rstrip("/")


# --- events and sessions ---------------------------------------------------------------------


def _audience_check(*, actor, unit, audience: str, levels, roles, units) -> tuple[list, list]:
    """The narrowing of an event's audience, checked: levels at or below the organising unit,
    roles that exist, units in the organiser's scope and under the organising unit. Citizens'
    events are narrowed by units (their communes) only."""
    levels, roles = sorted(set(levels or ())), sorted(set(roles or ()))
    errors = {}
    if audience == "citizens" and (levels or roles):
        errors["audience_levels"] = (
            "Tập huấn cho người dân chỉ chọn xã (đơn vị), không chọn cấp hay vai trò."
        )
    depth = LEVEL_DEPTH.get(unit.level, 0)
    wrong = [lv for lv in levels if lv not in LEVEL_DEPTH or LEVEL_DEPTH[lv] < depth]
    if wrong:
        errors["audience_levels"] = "Cấp không thuộc đơn vị tổ chức: " + ", ".join(wrong) + "."
    known = set(Role.objects.filter(code__in=roles).values_list("code", flat=True))
    if set(roles) - known:
        errors["audience_roles"] = (
            "Vai trò không có: " + ", ".join(sorted(set(roles) - known)) + "."
        )
    outside = [
        u.name
        for u in units or ()
        if not u.path.startswith(unit.path) or not permissions.unit_in_scope(actor, u)
    ]
    if outside:
        errors["audience_units"] = "Đơn vị không thuộc đơn vị tổ chức: " + ", ".join(outside) + "."
    if errors:
        raise ValidationError(errors)
    return levels, roles


def _audience_state(event: Event) -> dict:
    return {
        "audience": event.audience,
        "levels": event.audience_levels,
        "roles": event.audience_roles,
        "units": sorted(event.audience_units.values_list("code", flat=True)),
    }


def event_create(
    *,
    actor,
    unit,
    kind: str,
    title: str,
    starts_at,
    ends_at,
    audience="officials",
    venue: str = "",
    description: str = "",
    audience_levels=(),
    audience_roles=(),
    audience_units=(),
) -> Event:
    """Create an event of ``unit``. ``audience_levels`` / ``audience_roles`` /
    ``audience_units`` narrow who may take part (nothing given: every official, or every
    citizen, of the organising unit's subtree)."""
    if not permissions.can_organise(actor) or not permissions.unit_in_scope(actor, unit):
        raise PermissionDenied("Anh/chị không tổ chức sự kiện cho đơn vị này.")
    if ends_at < starts_at:
        raise ValidationError({"ends_at": "Thời gian kết thúc phải sau thời gian bắt đầu."})
    levels, roles = _audience_check(
        actor=actor,
        unit=unit,
        audience=audience,
        levels=audience_levels,
        roles=audience_roles,
        units=audience_units,
    )
    with transaction.atomic():
        event = Event.objects.create(
            unit=unit,
            kind=kind,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            audience=audience,
            audience_levels=levels,
            audience_roles=roles,
            venue=venue.strip(),
            description=description.strip(),
            created_by=actor,
        )
        event.audience_units.set(audience_units)
        audit_record(
            actor=actor,
            action="training.event_create",
            obj=event,
            unit=unit,
            after={"title": event.title, "kind": kind, **_audience_state(event)},
        )
    return event


def event_audience_set(*, actor, event: Event, levels=(), roles=(), units=()) -> Event:
    """Change whom the event is for. People already taking part stay (the organiser cancels
    a participation if needed); new registrations and nominations follow the new audience."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    levels, roles = _audience_check(
        actor=actor,
        unit=event.unit,
        audience=event.audience,
        levels=levels,
        roles=roles,
        units=units,
    )
    with transaction.atomic():
        before = _audience_state(event)
        event.audience_levels, event.audience_roles = levels, roles
        event.save(update_fields=["audience_levels", "audience_roles", "updated_at"])
        event.audience_units.set(units)
        after = _audience_state(event)
        if after != before:
            audit_record(
                actor=actor,
                action="training.event_audience",
                obj=event,
                unit=event.unit,
                before=before,
                after=after,
            )
    return event


MATERIAL_KINDS = ("document", "image", "audio", "video")


def material_add(*, actor, event: Event, title: str, file) -> Material:
    """Attach a file to an event: slides, a handout, the recording. Kept by the media
    pipeline (what it really is and its size checked; phone-sized derivatives of pictures,
    audio and video made in the background)."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    title = (title or "").strip() or Path(getattr(file, "name", "") or "").stem
    if not title:
        raise ValidationError({"title": "Cần có tên tài liệu."})
    with transaction.atomic():
        asset = asset_upload(
            actor=actor, file=file, allowed_kinds=MATERIAL_KINDS, owner_unit=event.unit
        )
        material = Material.objects.create(
            event=event, title=title[:250], asset=asset, added_by=actor
        )
        audit_record(
            actor=actor,
            action="training.material_add",
            obj=event,
            unit=event.unit,
            after={"material": str(material.uuid), "title": material.title, "kind": asset.kind},
        )
    return material


def material_delete(*, actor, material: Material) -> None:
    event = material.event
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    with transaction.atomic():
        asset = material.asset
        audit_record(
            actor=actor,
            action="training.material_delete",
            obj=event,
            unit=event.unit,
            before={"material": str(material.uuid), "title": material.title},
        )
        material.delete()
        asset_delete(actor=actor, asset=asset)


def session_add(
    *,
    actor,
    event: Event,
    title: str,
    starts_at,
    ends_at,
    mode: str,
    venue: str = "",
    trainers: str = "",
    online_url: str = "",
    trainer_expert=None,
) -> Session:
    """Add a session. ``trainer_expert``: an ``experts.Expert`` who teaches it (named among
    the trainers, linked to the profile, and the event recorded in the expert's history)."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    if ends_at < starts_at:
        raise ValidationError({"ends_at": "Thời gian kết thúc phải sau thời gian bắt đầu."})
    if mode == "in_person" and online_url:
        raise ValidationError({"online_url": "Phiên trực tiếp không có phòng họp trực tuyến."})
    with transaction.atomic():
        session = Session.objects.create(
            event=event,
            title=title.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            venue=venue.strip(),
            trainers=_trainers_with(trainers.strip(), trainer_expert),
            online_url=online_url.strip(),
            trainer_expert_ref=str(trainer_expert.uuid) if trainer_expert else "",
        )
        Event.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
        event.sequence += 1
        _session_room(actor=actor, session=session)
        audit_record(
            actor=actor,
            action="training.session_add",
            obj=session,
            unit=event.unit,
            after={"title": session.title, "mode": mode, "meeting": session.meeting_ref},
        )
    return session


def _trainers_with(trainers: str, expert) -> str:
    if expert is None:
        return trainers
    names = [n.strip() for n in trainers.split(",") if n.strip()]
    if expert.full_name not in names:
        names.insert(0, expert.full_name)
    return ", ".join(names)[:500]


# --- online sessions: rooms of the meetings app -----------------------------------------------

MEETING_KINDS = {"conference": MeetingKind.CONFERENCE, "workshop": MeetingKind.WORKSHOP}
MEETING_MODES = {"online": MeetingMode.ONLINE, "hybrid": MeetingMode.HYBRID}
# uuid5 names of the rooms: a retried session_add finds the room already made.
ROOM_NAMESPACE = uuid.UUID("6f1c1d52-3f3e-4d3b-9a57-1e0d0c7a2c22")


def _session_room(*, actor, session: Session) -> None:
    """An online or hybrid session of an officials' event gets a room of the meetings app
    (Janus, attendance recorded there), its confirmed participants invited. The training's own
    iCalendar invitation carries the room's address, so the meetings app sends none
    (``tell=False``). A session given an outside room address keeps it."""
    mode = MEETING_MODES.get(session.mode)
    event = session.event
    if mode is None or session.online_url or event.audience != Audience.OFFICIALS:
        return
    people = [
        p.user
        for p in event.participants.filter(status=ParticipantStatus.CONFIRMED).select_related(
            "user__unit"
        )
    ]
    try:
        meeting = meeting_services.meeting_schedule(
            actor=actor,
            title=f"{event.title}: {session.title}"[:200],
            kind=MEETING_KINDS.get(event.kind, MeetingKind.TRAINING),
            mode=mode,
            unit=event.unit,
            starts_at=session.starts_at,
            ends_at=max(session.ends_at, session.starts_at + datetime.timedelta(minutes=1)),
            agenda=event.description,
            location=session.venue or event.venue,
            invitees=people,
            uuid=uuid.uuid5(ROOM_NAMESPACE, f"{event.uuid}/{session.pk}"),
            tell=False,
        )
    except (PermissionDenied, ValidationError) as exc:
        reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        raise ValidationError(
            {"mode": f"Không tạo được phòng họp trực tuyến cho phiên này: {reason}"}
        ) from exc
    session.meeting_ref = str(meeting.uuid)
    session.online_url = reverse("meetings:detail", args=[meeting.uuid])
    session.save(update_fields=["meeting_ref", "online_url"])


def _rooms(event: Event) -> list[Meeting]:
    refs = [r for r in event.sessions.values_list("meeting_ref", flat=True) if r]
    return list(Meeting.objects.filter(uuid__in=refs, status=MeetingStatus.SCHEDULED))


def _rooms_invite(*, actor, event: Event, user) -> None:
    for meeting in _rooms(event):
        meeting_services.invitations_add(actor=actor, meeting=meeting, people=[user], tell=False)


def _rooms_uninvite(*, actor, event: Event, user) -> None:
    for meeting in _rooms(event):
        for invitation in meeting.invitations.filter(user=user, revoked_at__isnull=True):
            meeting_services.invitation_revoke(actor=actor, invitation=invitation)


def online_attendance_collect(*, event: Event) -> int:
    """Attendance of the online sessions taken from their rooms: a confirmed participant who
    joined the room (Janus) is present, method "online". A row the organiser wrote by hand
    is left as it is. Returns the rows added."""
    added = 0
    participants = {
        p.user_id: p for p in event.participants.filter(status=ParticipantStatus.CONFIRMED)
    }
    for session in event.sessions.exclude(meeting_ref=""):
        joined = set(
            MeetingAttendance.objects.filter(
                meeting__uuid=session.meeting_ref,
                channel=AttendanceChannel.ONLINE,
                invitation__isnull=False,
            ).values_list("invitation__user_id", flat=True)
        )
        recorded = set(session.attendances.values_list("participant_id", flat=True))
        rows = [
            Attendance(session=session, participant=participants[user_id], method="online")
            for user_id in sorted(joined)
            if user_id in participants and participants[user_id].pk not in recorded
        ]
        Attendance.objects.bulk_create(rows, ignore_conflicts=True)
        added += len(rows)
    return added


def quota_set(*, actor, event: Event, unit, places: int) -> Quota:
    if not permissions.can_manage_event(actor, event) or not unit.path.startswith(event.unit.path):
        raise PermissionDenied("Anh/chị không đặt chỉ tiêu cho đơn vị này.")
    with transaction.atomic():
        quota, _created = Quota.objects.update_or_create(
            event=event, unit=unit, defaults={"places": places}
        )
        audit_record(
            actor=actor,
            action="training.quota_set",
            obj=event,
            unit=event.unit,
            after={"unit": unit.code, "places": places},
        )
    return quota


def _quota_check(event: Event, unit) -> None:
    for quota in Quota.objects.filter(event=event).select_related("unit"):
        if unit.path.startswith(quota.unit.path):
            taken = Participant.objects.filter(
                event=event, status__in=LIVE, unit__path__startswith=quota.unit.path
            ).count()
            if taken >= quota.places:
                raise ValidationError(
                    f"{quota.unit.name} đã dùng hết {quota.places} chỗ được phân bổ."
                )


def _participant_add(*, actor, event: Event, user, status: str) -> Participant:
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()  # quotas in order
        existing = Participant.objects.filter(event=event, user=user).first()
        if existing is not None and existing.status != ParticipantStatus.CANCELLED:
            return existing  # a retried nomination changes nothing
        _quota_check(event, user.unit)
        if existing is not None:
            existing.status = status
            existing.nominated_by = actor if status == ParticipantStatus.NOMINATED else None
            existing.save(update_fields=["status", "nominated_by"])
            participant = existing
        else:
            participant = Participant.objects.create(
                event=event,
                user=user,
                unit=user.unit,
                status=status,
                nominated_by=actor if status == ParticipantStatus.NOMINATED else None,
            )
        audit_record(
            actor=actor,
            action=f"training.participant_{status}",
            obj=participant,
            unit=user.unit,
            after={"event": str(event.uuid), "user": user.username},
        )
    return participant


def participant_nominate(*, actor, event: Event, nominee) -> Participant:
    if not permissions.can_nominate(actor, event, nominee):
        raise PermissionDenied("Chỉ cử được cán bộ thuộc đơn vị mình, cho sự kiện đang mở.")
    participant = _participant_add(
        actor=actor, event=event, user=nominee, status=ParticipantStatus.NOMINATED
    )
    url = reverse("training:event_detail", args=[event.uuid])
    notify(
        recipients=[nominee],
        kind="training.nominated",
        title=f"Được cử tham dự: {event.title}",
        body="Đơn vị đã cử anh/chị tham dự. Ban tổ chức sẽ xác nhận và gửi giấy mời.",
        url=url,
        unit=nominee.unit,
        dedupe_key=f"training.nominated.{participant.pk}",
    )
    return participant


def participant_register(*, actor, event: Event) -> Participant:
    if not permissions.can_register(actor, event):
        raise PermissionDenied("Sự kiện này không nhận đăng ký của anh/chị.")
    return _participant_add(
        actor=actor, event=event, user=actor, status=ParticipantStatus.REGISTERED
    )


def participant_confirm(*, actor, participant: Participant) -> Participant:
    event = participant.event
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    if participant.status == ParticipantStatus.CONFIRMED:
        return participant
    if participant.status == ParticipantStatus.CANCELLED:
        raise ValidationError("Người này đã hủy tham dự.")
    with transaction.atomic():
        before = participant.status
        participant.status = ParticipantStatus.CONFIRMED
        participant.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="training.participant_confirm",
            obj=participant,
            unit=participant.unit,
            before={"status": before},
            after={"status": participant.status},
        )
        url = reverse("training:event_detail", args=[event.uuid])
        notify(
            recipients=[participant.user],
            kind="training.invitation",
            title=f"Giấy mời: {event.title}",
            body="Anh/chị được xác nhận tham dự. Mã QR điểm danh có trên trang sự kiện.",
            url=url,
            unit=participant.unit,
            dedupe_key=f"training.invited.{participant.pk}",
        )
        _rooms_invite(actor=actor, event=event, user=participant.user)
        invitation_send(participant=participant, method="REQUEST")
    return participant


def participant_cancel(*, actor, participant: Participant) -> Participant:
    event = participant.event
    own = actor.pk == participant.user_id
    if (
        not own
        and not permissions.can_manage_event(actor, event)
        and not (
            permissions.can_organise(actor) and permissions.unit_in_scope(actor, participant.unit)
        )
    ):
        raise PermissionDenied("Anh/chị không hủy được người tham dự này.")
    if participant.status == ParticipantStatus.CANCELLED:
        return participant
    with transaction.atomic():
        was_confirmed = participant.status == ParticipantStatus.CONFIRMED
        before = participant.status
        participant.status = ParticipantStatus.CANCELLED
        participant.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="training.participant_cancel",
            obj=participant,
            unit=participant.unit,
            before={"status": before},
            after={"status": participant.status},
        )
        if was_confirmed:
            _rooms_uninvite(actor=actor, event=event, user=participant.user)
            invitation_send(participant=participant, method="CANCEL")
    return participant


def event_cancel(*, actor, event: Event) -> Event:
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    if event.status == EventStatus.CANCELLED:
        return event
    with transaction.atomic():
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.save(update_fields=["status", "sequence", "updated_at"])
        audit_record(
            actor=actor,
            action="training.event_cancel",
            obj=event,
            unit=event.unit,
            after={"status": event.status},
        )
        confirmed = list(
            event.participants.filter(status=ParticipantStatus.CONFIRMED).select_related("user")
        )
        notify(
            recipients=[p.user for p in confirmed],
            kind="training.cancelled",
            title=f"Hủy sự kiện: {event.title}",
            body="Ban tổ chức đã hủy sự kiện.",
            url=reverse("training:event_detail", args=[event.uuid]),
            unit=event.unit,
            dedupe_key=f"training.cancelled.{event.pk}",
        )
        for meeting in _rooms(event):
            meeting_services.meeting_cancel(actor=actor, meeting=meeting, tell=False)
        for participant in confirmed:
            invitation_send(participant=participant, method="CANCEL")
    return event


def invitation_send(*, participant: Participant, method: str) -> bool:
    """Queue the invitation e-mail (or its cancellation) with the calendar entry attached in
    the platform's outbox (channels: stored with the change that causes it, sent by the task
    worker with retries). One message per change of the participant: the key counts the
    messages queued for them before."""
    address = (participant.user.email or "").strip()
    if not address:
        return False
    event = Event.objects.select_related("unit").get(pk=participant.event_id)
    ics = calendar.invitation_ics(event=event, participant=participant, method=method)
    subject = ("Giấy mời: " if method == "REQUEST" else "Hủy: ") + event.title
    prefix = f"training:{event.uuid}:{participant.pk}:"
    earlier = OutboxMessage.objects.filter(idempotency_key__startswith=prefix).count()
    outbox_enqueue(
        channel="email",
        address=address,
        subject=subject[:200],
        body=f"{event.title}\n{event.venue}\n{_site()}"
        + reverse("training:event_detail", args=[event.uuid]),
        urgency="urgent" if method == "CANCEL" else "normal",
        idempotency_key=f"{prefix}{method}:{earlier + 1}",
        source=f"training:{event.uuid}",
        recipient_id=participant.user_id,
        attachments=[
            {
                "filename": "invite.ics",
                "mimetype": f"text/calendar; method={method}; charset=UTF-8",
                "content": ics.decode(),
            }
        ],
    )
    return True


def reminders_send(*, now: datetime.datetime | None = None, within_hours: int = 24) -> int:
    """Remind confirmed participants of sessions starting within ``within_hours``; once per
    session and participant (the notice's dedupe key), so the task may run as often as liked."""
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=within_hours),
        )
        .exclude(event__status=EventStatus.CANCELLED)
        .select_related("event")
    )
    sent = 0
    for session in sessions:
        participants = session.event.participants.filter(
            status=ParticipantStatus.CONFIRMED
        ).select_related("user")
        for participant in participants:
            sent += len(
                notify(
                    recipients=[participant.user],
                    kind="training.reminder",
                    title=f"Nhắc lịch: {session.event.title}",
                    body=f"{session.title}: {timezone.localtime(session.starts_at):%H:%M %d/%m/%Y}",
                    url=reverse("training:event_detail", args=[session.event.uuid]),
                    dedupe_key=f"training.reminder.{session.pk}.{participant.pk}",
                )
            )
    return sent


# --- attendance ------------------------------------------------------------------------------


def checkin_token(participant: Participant) -> str:
    """The participant's check-in code: signed, so a phone can print it offline and the venue
    can trust it; it names only the participant row."""
    return signing.dumps(
        {"p": participant.pk, "e": participant.event_id}, salt=CHECKIN_SALT, compress=True
    )


def checkin_token_read(token: str) -> Participant:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT, max_age=60 * 60 * 24 * 400)
    except signing.BadSignature as error:
        raise ValidationError("Mã điểm danh không hợp lệ.") from error
    participant = (
        Participant.objects.select_related("user", "unit", "event", "event__unit")
        .filter(pk=data.get("p"), event_id=data.get("e"))
        .first()
    )
    if participant is None:
        raise ValidationError("Không tìm thấy người tham dự của mã này.")
    return participant


def attendance_record(
    *, actor, session: Session, participant: Participant, method: str, present: bool = True
) -> Attendance:
    """Record (or correct) one participant's presence at one session; repeating it is
    harmless (one row per session and participant)."""
    if session.event_id != participant.event_id:
        raise ValidationError("Người này không tham dự sự kiện của phiên.")
    if not permissions.can_manage_event(actor, session.event):
        raise PermissionDenied("Anh/chị không điểm danh cho sự kiện này.")
    if participant.status == ParticipantStatus.CANCELLED:
        raise ValidationError("Người này đã hủy tham dự.")
    if method not in CheckinMethod.values:
        raise ValidationError("Cách điểm danh không hợp lệ.")
    for attempt in range(2):
        try:
            with transaction.atomic():
                row = Attendance.objects.filter(session=session, participant=participant).first()
                before = None if row is None else {"present": row.present, "method": row.method}
                if row is None:
                    row = Attendance.objects.create(
                        session=session,
                        participant=participant,
                        method=method,
                        present=present,
                        recorded_by=actor,
                    )
                elif row.present != present or row.method != method:
                    row.present, row.method, row.recorded_by = present, method, actor
                    row.save(update_fields=["present", "method", "recorded_by", "recorded_at"])
                else:
                    return row
                audit_record(
                    actor=actor,
                    action="training.attendance_record",
                    obj=participant,
                    unit=participant.unit,
                    before=before,
                    after={"session": session.pk, "present": present, "method": method},
                )
                return row
        except IntegrityError:
            if attempt:  # two scans of one code at once: the other one recorded it
                raise
    raise AssertionError("unreachable")


def headcount_record(
    *, actor, session: Session, ethnic_group, counts: list[tuple[str, str, int]]
) -> int:
    """Replace one ethnic group's head counts at a citizen session: (sex, age band, count)."""
    if not permissions.can_manage_event(actor, session.event):
        raise PermissionDenied("Anh/chị không ghi số liệu cho sự kiện này.")
    with transaction.atomic():
        session.headcounts.filter(ethnic_group=ethnic_group).delete()
        rows = [
            CitizenHeadcount(
                session=session, sex=sex, ethnic_group=ethnic_group, age_band=band, count=count
            )
            for sex, band, count in counts
            if count
        ]
        CitizenHeadcount.objects.bulk_create(rows)
        total = sum(r.count for r in rows)
        audit_record(
            actor=actor,
            action="training.headcount_record",
            obj=session,
            unit=session.event.unit,
            after={"ethnic_group": ethnic_group.code, "rows": len(rows), "total": total},
        )
    return total


def event_complete(*, actor, event: Event) -> int:
    """Mark participants present at every session as having completed the training and issue
    their certificates; returns the number of certificates issued now."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied("Anh/chị không quản lý sự kiện này.")
    sessions = event.sessions.count()
    issued = 0
    units: set[int] = set()
    with transaction.atomic():
        online = online_attendance_collect(event=event)
        for participant in event.participants.filter(status=ParticipantStatus.CONFIRMED):
            present = participant.attendances.filter(present=True).count()
            if sessions and present >= sessions:
                if not participant.completed:
                    participant.completed = True
                    participant.save(update_fields=["completed"])
                    xapi.record(
                        xapi.event_completed(
                            user_ref=user_subject_ref(participant.user),
                            event=event,
                            at=timezone.now(),
                            url=reverse("training:event_detail", args=[event.uuid]),
                        )
                    )
                if not Certificate.objects.filter(user=participant.user, event=event).exists():
                    certificate_issue(actor=actor, user=participant.user, event=event)
                    issued += 1
                units.add(participant.unit_id)
        announce(
            OFFICIALS_TRAINED,
            unit_ids=sorted(units),
            year=timezone.localtime(event.ends_at).year,
        )
        audit_record(
            actor=actor,
            action="training.event_complete",
            obj=event,
            unit=event.unit,
            after={"certificates_issued": issued, "online_attendance_added": online},
        )
    return issued


# --- feedback --------------------------------------------------------------------------------


def feedback_submit(
    *, actor, event: Event, content_rating: int, trainer_rating: int, comment: str = ""
) -> Feedback:
    participant = Participant.objects.filter(
        event=event, user=actor, status=ParticipantStatus.CONFIRMED
    ).first()
    if participant is None:
        raise PermissionDenied("Chỉ người tham dự mới đánh giá được.")
    for value in (content_rating, trainer_rating):
        if value not in range(1, 6):
            raise ValidationError("Điểm đánh giá từ 1 đến 5.")
    with transaction.atomic():
        feedback, _created = Feedback.objects.update_or_create(
            participant=participant,
            defaults={
                "event": event,
                "content_rating": content_rating,
                "trainer_rating": trainer_rating,
                "comment": comment.strip()[:2000],
            },
        )
        audit_record(
            actor=actor,
            action="training.feedback_submit",
            obj=event,
            unit=event.unit,
            after={"content": content_rating, "trainer": trainer_rating},
        )
    return feedback


# --- e-learning ------------------------------------------------------------------------------


def lesson_open(*, actor, course: Course, position: int) -> CourseProgress:
    if not permissions.can_view_training(actor) or not course.is_published:
        raise PermissionDenied("Khóa học chưa mở.")
    with transaction.atomic():
        progress, _created = CourseProgress.objects.select_for_update().get_or_create(
            course=course, user=actor
        )
        if position not in progress.lessons_done:
            progress.lessons_done = sorted({*progress.lessons_done, position})
        progress.last_lesson = position
        progress.save(update_fields=["lessons_done", "last_lesson", "updated_at"])
    return progress


def quiz_submit(*, actor, course: Course, answers: dict[int, int]) -> tuple[int, bool, dict]:
    """Score the answers (question id → choice id); returns (score %, passed, per question
    whether it was right). Passing the first time issues the certificate."""
    if not permissions.can_view_training(actor) or not course.is_published:
        raise PermissionDenied("Khóa học chưa mở.")
    questions = list(course.questions.prefetch_related("choices"))
    if not questions:
        raise ValidationError("Khóa học chưa có câu hỏi.")
    right = {}
    for question in questions:
        chosen = answers.get(question.pk)
        right[question.pk] = any(c.pk == chosen and c.is_correct for c in question.choices.all())
    score = round(100 * sum(right.values()) / len(questions))
    passed = score >= course.pass_score
    with transaction.atomic():
        progress, _created = CourseProgress.objects.select_for_update().get_or_create(
            course=course, user=actor
        )
        progress.attempts += 1
        progress.best_score = max(progress.best_score or 0, score)
        fields = ["attempts", "best_score", "updated_at"]
        if passed and progress.passed_at is None:
            progress.passed_at = timezone.now()
            fields.append("passed_at")
            xapi.record(
                xapi.course_passed(
                    user_ref=user_subject_ref(actor),
                    course=course,
                    score=score,
                    at=progress.passed_at,
                    url=reverse("training:course_detail", args=[course.uuid]),
                )
            )
            announce(
                OFFICIALS_TRAINED,
                unit_ids=[actor.unit_id],
                year=timezone.localtime(progress.passed_at).year,
            )
        progress.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="training.quiz_submit",
            obj=course,
            unit=actor.unit,
            after={"score": score, "passed": passed},
        )
        if passed and not Certificate.objects.filter(user=actor, course=course).exists():
            certificate_issue(actor=None, user=actor, course=course)
    return score, passed, right


# --- certificates ----------------------------------------------------------------------------


def certificate_issue(
    *, actor, user, event: Event | None = None, course: Course | None = None
) -> Certificate:
    if (event is None) == (course is None):
        raise ValueError("a certificate is for one event or one course")
    subject = event or course
    issuer_unit = subject.unit
    kind = "Hoàn thành khóa tập huấn" if event is not None else "Hoàn thành khóa học trực tuyến"
    with transaction.atomic():
        certificate = Certificate(
            user=user,
            holder_name=str(user),
            achievement=f"{kind}: {subject.title}",
            event=event,
            course=course,
            issuer_unit=issuer_unit,
            issued_at=timezone.now(),
        )
        base = _site()
        page = base + reverse("training:certificate_verify", args=[certificate.uuid])
        achievement_path = (
            reverse("training:event_detail", args=[event.uuid])
            if event is not None
            else reverse("training:course_detail", args=[course.uuid])
        )
        certificate.credential = credentials.sign(
            credentials.credential_build(
                certificate_url=page,
                issuer_url=base + reverse("training:issuer_profile"),
                issuer_name=issuer_unit.name,
                holder_name=certificate.holder_name,
                holder_ref=f"urn:uuid:{user_subject_ref(user)}",
                achievement_url=base + achievement_path,
                achievement_name=subject.title,
                achievement_description=kind,
                criteria=(
                    "Tham dự đủ các phiên của khóa tập huấn."
                    if event is not None
                    else f"Đạt từ {course.pass_score}% số câu hỏi của bài kiểm tra."
                ),
                issued_at=certificate.issued_at.replace(microsecond=0).isoformat(),
                status_url=page,
            )
        )
        certificate.save()
        audit_record(
            actor=actor,
            action="training.certificate_issue",
            obj=certificate,
            unit=issuer_unit,
            after={"achievement": certificate.achievement},
        )
        notify(
            recipients=[user],
            kind="training.certificate",
            title=f"Chứng nhận: {subject.title}",
            body="Chứng nhận (PDF và Open Badges 3.0) đã sẵn sàng để tải về.",
            url=reverse("training:certificate_verify", args=[certificate.uuid]),
            dedupe_key=f"training.certificate.{certificate.uuid}",
        )
    return certificate


def user_subject_ref(user) -> str:
    """A stable, non-personal identifier of the holder (a name-based UUID of the account)."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{_site()}/users/{user.pk}"))


def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    if not permissions.can_manage_certificates(actor, certificate):
        raise PermissionDenied("Anh/chị không thu hồi được chứng nhận này.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Cần ghi lý do thu hồi."})
    if certificate.revoked_at is not None:
        return certificate
    with transaction.atomic():
        certificate.revoked_at = timezone.now()
        certificate.revocation_reason = reason[:300]
        certificate.save(update_fields=["revoked_at", "revocation_reason"])
        audit_record(
            actor=actor,
            action="training.certificate_revoke",
            obj=certificate,
            unit=certificate.issuer_unit,
            after={"reason": certificate.revocation_reason},
        )
    return certificate


def untrained_remind(*, actor, unit, year: int) -> int:
    """ "Nhắc": tell each unit of the subtree that has officials not yet trained this year —
    its officers (organisers) with the count, accounts and roster alike, and the untrained
    officials who have an account themselves — once per unit and day. Returns the notices."""

    if not permissions.can_organise(actor) or not permissions.unit_in_scope(actor, unit):
        raise PermissionDenied("Anh/chị không nhắc được đơn vị này.")
    missing = [o for o in officials_goal(unit=unit, year=year) if not o.trained]
    by_unit: dict[int, list] = {}
    for official in missing:
        by_unit.setdefault(official.unit_id, []).append(official)
    officers: dict[int, list] = {}
    for user in User.objects.filter(
        is_active=True, unit_id__in=list(by_unit), roles__in=permissions.ORGANISER_ROLES
    ).distinct():
        officers.setdefault(user.unit_id, []).append(user)
    accounts = {
        u.pk: u
        for u in User.objects.filter(pk__in=[o.user_id for o in missing if o.user_id][:5000])
    }
    units = {u.pk: u for u in Unit.objects.filter(pk__in=list(by_unit))}
    today = timezone.localdate().isoformat()
    sent = 0
    with transaction.atomic():
        for unit_id, officials in sorted(by_unit.items()):
            people = {u.pk: u for u in officers.get(unit_id, [])}
            people.update(
                {o.user_id: accounts[o.user_id] for o in officials if o.user_id in accounts}
            )
            if not people:
                continue
            without = sum(1 for o in officials if o.user_id is None)
            sent += len(
                notify(
                    recipients=list(people.values()),
                    kind="training.untrained",
                    title=f"Chưa tham gia tập huấn năm {year}",
                    body=f"{len(officials)} cán bộ của đơn vị chưa hoàn thành tập huấn năm {year}"
                    + (f" ({without} người trong danh sách chưa có tài khoản)" if without else "")
                    + ". Hãy đăng ký một lớp tập huấn hoặc học khóa trực tuyến.",
                    url=reverse("training:event_list"),
                    unit=units[unit_id],
                    dedupe_key=f"training.untrained.{year}.{unit_id}.{today}",
                )
            )
        audit_record(
            actor=actor,
            action="training.untrained_remind",
            obj=unit,
            unit=unit,
            after={"year": year, "units": len(by_unit), "notices": sent},
        )
    return sent


# --- rosters of officials to train ------------------------------------------------------------

ROSTER_CHANGED = "training.roster_changed"


def roster_replace(*, actor, rows) -> dict:
    """Replace the roster of every unit named in ``rows`` (from ``roster.roster_xlsx_read``)
    with those rows, in one transaction: the same file uploaded twice leaves one copy. An
    entry whose e-mail is an active account of the entry's unit subtree is linked to it (the
    official is then counted once). Returns the counts written."""

    units = {row.unit.pk: row.unit for row in rows}
    for unit in units.values():
        if not permissions.can_organise(actor) or not permissions.unit_in_scope(actor, unit):
            raise PermissionDenied("Anh/chị không cập nhật được danh sách của đơn vị này.")
    from django.db.models.functions import Lower

    emails = sorted({row.email for row in rows if row.email})
    accounts: dict[str, list] = {}
    for start in range(0, len(emails), 500):
        for pk, email, path in (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(is_active=True, email_lower__in=emails[start : start + 500])
            .values_list("pk", "email_lower", "unit__path")
        ):
            accounts.setdefault(email, []).append((pk, path or ""))

    def account_for(row):
        for pk, path in accounts.get(row.email, []) if row.email else []:
            if path.startswith(row.unit.path):
                return pk
        return None

    with transaction.atomic():
        removed, _detail = RosterEntry.objects.filter(unit_id__in=list(units)).delete()
        entries = RosterEntry.objects.bulk_create(
            [
                RosterEntry(
                    unit=row.unit,
                    full_name=row.full_name,
                    position=row.position,
                    email=row.email,
                    phone=row.phone,
                    trained_on=row.trained_on,
                    trained_where=row.trained_where,
                    user_id=account_for(row),
                    uploaded_by=actor,
                )
                for row in rows
            ],
            batch_size=1000,
        )
        summary = {
            "units": len(units),
            "entries": len(entries),
            "removed": removed,
            "linked_to_accounts": sum(1 for e in entries if e.user_id),
            "trained_outside": sum(1 for e in entries if e.trained_on),
        }
        audit_record(
            actor=actor,
            action="training.roster_replace",
            obj=actor.unit,
            unit=actor.unit,
            after={**summary, "unit_codes": sorted(u.code for u in units.values())[:200]},
        )
        unit_ids = sorted(units)
        announce(ROSTER_CHANGED, unit_ids=unit_ids)
    return summary


# --- the course editor ------------------------------------------------------------------------


def _course_check(actor, course: Course) -> None:
    if not permissions.can_edit_course(actor, course):
        raise PermissionDenied("Anh/chị không sửa được khóa học này.")


def course_create(*, actor, title: str, summary: str = "", pass_score: int = 70) -> Course:
    if not permissions.can_organise(actor):
        raise PermissionDenied("Anh/chị không tạo được khóa học.")
    title = title.strip()
    if not title:
        raise ValidationError({"title": "Cần có tên khóa học."})
    if not 1 <= pass_score <= 100:
        raise ValidationError({"pass_score": "Điểm đạt từ 1 đến 100 (%)."})
    with transaction.atomic():
        course = Course.objects.create(
            title=title[:250], summary=summary.strip(), pass_score=pass_score, unit=actor.unit
        )
        audit_record(
            actor=actor,
            action="training.course_create",
            obj=course,
            unit=actor.unit,
            after={"title": course.title, "pass_score": pass_score},
        )
    return course


def course_update(*, actor, course: Course, title: str, summary: str, pass_score: int) -> Course:
    _course_check(actor, course)
    if not title.strip():
        raise ValidationError({"title": "Cần có tên khóa học."})
    if not 1 <= pass_score <= 100:
        raise ValidationError({"pass_score": "Điểm đạt từ 1 đến 100 (%)."})
    with transaction.atomic():
        before = {"title": course.title, "summary": course.summary, "pass_score": course.pass_score}
        course.title, course.summary, course.pass_score = title.strip()[:250], summary, pass_score
        course.save(update_fields=["title", "summary", "pass_score"])
        audit_record(
            actor=actor,
            action="training.course_update",
            obj=course,
            unit=course.unit,
            before=before,
            after={"title": course.title, "summary": course.summary, "pass_score": pass_score},
        )
    return course


def course_problems(course: Course) -> list[str]:
    """Why the course cannot be published yet (empty when it can)."""
    problems = []
    if not course.lessons.exists():
        problems.append("Khóa học chưa có bài học nào.")
    questions = list(course.questions.prefetch_related("choices"))
    if not questions:
        problems.append("Khóa học chưa có câu hỏi kiểm tra nào.")
    for q in questions:
        choices = list(q.choices.all())
        if len(choices) < 2 or not any(c.is_correct for c in choices):
            problems.append(f"Câu {q.position}: cần ít nhất hai phương án và một phương án đúng.")
    return problems


def course_publish(*, actor, course: Course, published: bool) -> Course:
    _course_check(actor, course)
    if published:
        problems = course_problems(course)
        if problems:
            raise ValidationError(problems)
    with transaction.atomic():
        course.is_published = published
        course.save(update_fields=["is_published"])
        audit_record(
            actor=actor,
            action="training.course_publish" if published else "training.course_unpublish",
            obj=course,
            unit=course.unit,
            after={"is_published": published},
        )
    return course


def lesson_add(*, actor, course: Course, title: str, body: str, media_file=None) -> Lesson:
    """Add a lesson at the end. ``media_file``: a picture, audio or video for the lesson, kept
    by the media pipeline (phone-sized derivatives made in the background)."""
    _course_check(actor, course)
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = "Cần có tên bài học."
    if not body:
        errors["body"] = "Bài học cần có nội dung."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        media = None
        if media_file is not None:
            media = asset_upload(
                actor=actor,
                file=media_file,
                allowed_kinds=("image", "audio", "video"),
                owner_unit=course.unit,
            )
        last = course.lessons.order_by("-position").values_list("position", flat=True).first()
        lesson = Lesson.objects.create(
            course=course, position=(last or 0) + 1, title=title[:250], body=body, media=media
        )
        audit_record(
            actor=actor,
            action="training.lesson_add",
            obj=course,
            unit=course.unit,
            after={"position": lesson.position, "title": lesson.title, "media": bool(media)},
        )
    return lesson


def _part_delete(*, actor, part, action: str) -> None:
    """Remove a lesson or a question; the later ones of its course move up one, so positions
    stay 1, 2, 3… (the unique order constraint holds at every step: each moves into the
    place just freed)."""
    course = part.course
    _course_check(actor, course)
    model = type(part)
    with transaction.atomic():
        position = part.position
        part.delete()
        for later in model.objects.filter(course=course, position__gt=position).order_by(
            "position"
        ):
            model.objects.filter(pk=later.pk).update(position=later.position - 1)
        if model is Lesson:
            _progress_shift(course=course, removed=position)
        audit_record(
            actor=actor, action=action, obj=course, unit=course.unit, after={"position": position}
        )


def _progress_shift(*, course: Course, removed: int) -> None:
    """Learners' progress is kept as lesson positions: after lesson ``removed`` is deleted,
    it is no longer done by anyone, and the lessons after it were done under the position
    one higher."""

    def moved(position: int) -> int:
        return position - 1 if position > removed else position

    rows = CourseProgress.objects.select_for_update().filter(course=course)
    for progress in rows.only("pk", "lessons_done", "last_lesson"):
        done = sorted({moved(p) for p in progress.lessons_done if p != removed})
        last = moved(progress.last_lesson) if progress.last_lesson != removed else removed - 1
        if done != progress.lessons_done or last != progress.last_lesson:
            CourseProgress.objects.filter(pk=progress.pk).update(
                lessons_done=done, last_lesson=max(last, 0)
            )


def lesson_delete(*, actor, lesson: Lesson) -> None:
    _part_delete(actor=actor, part=lesson, action="training.lesson_delete")


def question_add(
    *, actor, course: Course, text: str, explanation: str, choices: list[tuple[str, bool]]
) -> Question:
    _course_check(actor, course)
    choices = [(t.strip()[:300], right) for t, right in choices if t.strip()]
    errors = {}
    if not text.strip():
        errors["text"] = "Cần có câu hỏi."
    if len(choices) < 2:
        errors["choices"] = "Cần ít nhất hai phương án trả lời, mỗi phương án một dòng."
    elif not any(right for _t, right in choices):
        errors["choices"] = "Đánh dấu phương án đúng bằng dấu * ở đầu dòng."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        last = course.questions.order_by("-position").values_list("position", flat=True).first()
        question = Question.objects.create(
            course=course,
            position=(last or 0) + 1,
            text=text.strip()[:500],
            explanation=explanation.strip(),
        )
        Choice.objects.bulk_create(
            [Choice(question=question, text=t, is_correct=right) for t, right in choices]
        )
        audit_record(
            actor=actor,
            action="training.question_add",
            obj=course,
            unit=course.unit,
            after={"position": question.position, "choices": len(choices)},
        )
    return question


def question_delete(*, actor, question: Question) -> None:
    _part_delete(actor=actor, part=question, action="training.question_delete")
