"""Meetings of the programme (họp, hội nghị, hội thảo, tập huấn): scheduling, invitations,
rooms on Janus, attendance, minutes and follow-up tasks.

Rows are written only by ``meetings.services``. A meeting's ``uuid`` is its iCalendar ``UID``
and the name of its Janus room; ``sequence`` is the iCalendar ``SEQUENCE``, raised by every
change sent to the invitees (RFC 5546 §2.1.4).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _token() -> str:
    return secrets.token_urlsafe(24)


class MeetingKind(models.TextChoices):
    MEETING = "hop", _("Họp")
    CONFERENCE = "hoi_nghi", _("Hội nghị")
    WORKSHOP = "hoi_thao", _("Hội thảo")
    TRAINING = "tap_huan", _("Tập huấn")


class MeetingMode(models.TextChoices):
    IN_PERSON = "truc_tiep", _("Trực tiếp")
    ONLINE = "truc_tuyen", _("Trực tuyến")
    HYBRID = "ket_hop", _("Kết hợp trực tiếp và trực tuyến")


ONLINE_MODES = (MeetingMode.ONLINE, MeetingMode.HYBRID)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Đã lên lịch")
    HELD = "held", _("Đã họp")
    CANCELLED = "cancelled", _("Đã hủy")


class Meeting(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("tên cuộc họp"), max_length=200)
    agenda = models.TextField(_("chương trình"), blank=True)
    kind = models.CharField(_("loại"), max_length=16, choices=MeetingKind.choices)
    mode = models.CharField(_("hình thức"), max_length=16, choices=MeetingMode.choices)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị chủ trì")
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organised_meetings",
        verbose_name=_("người tổ chức"),
    )
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=MeetingStatus.choices, default="scheduled"
    )
    sequence = models.PositiveIntegerField(default=0)
    # The Janus room's own secret (edit/destroy); participants never see it.
    room_secret = models.CharField(max_length=64, default=_token, editable=False)
    minutes = models.TextField(_("biên bản"), blank=True)
    decisions = models.TextField(_("kết luận, quyết định"), blank=True)
    minutes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["unit", "starts_at"], name="meeting_unit_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def room(self) -> str:
        return f"dantoc-{self.uuid}"

    @property
    def is_online(self) -> bool:
        return self.mode in ONLINE_MODES


class Invitation(models.Model):
    """One invited person; ``token`` opens the Janus room (and only while not revoked);
    ``checkin_code`` is the QR code on the invitation, scanned at the venue."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_invitations"
    )
    # The invited unit through which the person was picked (blank: invited by name).
    via_unit = models.ForeignKey(
        "geo.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    checkin_code = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("giấy mời họp")
        verbose_name_plural = _("giấy mời họp")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once_per_person")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.meeting} → {self.user}"


class AttendanceChannel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    IN_PERSON = "in_person", _("Tại hội trường")


class Attendance(models.Model):
    """One presence: a Janus participant from joining to leaving, or a check-in at the venue."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="attendances"
    )
    channel = models.CharField(max_length=16, choices=AttendanceChannel.choices)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # Janus's participant id in the room (online); a replayed event finds its row by it.
    janus_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("lượt dự họp")
        verbose_name_plural = _("lượt dự họp")
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "janus_id"],
                condition=~models.Q(janus_id=""),
                name="attendance_janus_participant_once",
            ),
            models.UniqueConstraint(
                fields=["invitation"],
                condition=models.Q(channel="in_person"),
                name="attendance_checkin_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.get_channel_display()} · {self.joined_at:%d/%m/%Y %H:%M}"

    @property
    def duration(self):
        return (self.left_at - self.joined_at) if self.left_at else None


class MeetingDocument(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tài liệu cuộc họp")
        verbose_name_plural = _("tài liệu cuộc họp")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class FollowUpTask(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("nhiệm vụ"), max_length=255)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị thực hiện")
    )
    due_date = models.DateField(_("hạn hoàn thành"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("nhiệm vụ sau cuộc họp")
        verbose_name_plural = _("nhiệm vụ sau cuộc họp")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class CalendarFeed(models.Model):
    """A person's private calendar address (``/hop/lich/<token>.ics``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_calendar"
    )
    token = models.CharField(max_length=64, unique=True, default=_token)

    class Meta:
        verbose_name = _("lịch cá nhân (iCalendar)")
        verbose_name_plural = _("lịch cá nhân (iCalendar)")

    def __str__(self) -> str:
        return f"lịch của {self.user}"
