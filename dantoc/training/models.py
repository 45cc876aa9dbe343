"""Conferences, workshops and training courses; e-learning courses; certificates.

An ``Event`` is organised by a unit and made of ``Session`` rows (in person, online or hybrid).
Officials take part through a ``Participant`` row (nominated by a unit or self-registered, then
confirmed by the organiser); ``Attendance`` says which sessions they came to (QR check-in,
manual correction, or online). Citizen trainings keep head counts (``CitizenHeadcount``) by sex,
ethnic group and age band instead of accounts. A ``Course`` of short ``Lesson`` rows ends with a
quiz (``Question``/``Choice``); ``CourseProgress`` keeps where the learner is. A ``Certificate``
is issued for a completed training or a passed course, with a signed Open Badges 3.0 credential.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Hội nghị")
    WORKSHOP = "workshop", _("Hội thảo")
    TRAINING = "training", _("Tập huấn")


class EventStatus(models.TextChoices):
    OPEN = "open", _("Đang nhận đăng ký")
    CLOSED = "closed", _("Đã khóa đăng ký")
    CANCELLED = "cancelled", _("Đã hủy")


class Audience(models.TextChoices):
    OFFICIALS = "officials", _("Cán bộ, công chức")
    CITIZENS = "citizens", _("Người dân")


class Event(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("loại"), max_length=16, choices=EventKind.choices)
    title = models.CharField(_("tên"), max_length=250)
    description = models.TextField(_("nội dung"), blank=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị tổ chức")
    )
    audience = models.CharField(
        _("đối tượng"), max_length=16, choices=Audience.choices, default=Audience.OFFICIALS
    )
    # Who may take part, narrowed within the organising unit's subtree (empty: no narrowing).
    # Officials: the levels of their unit, their roles, the units (and those under them).
    # Citizens: the communes (or wider units) whose people the training is for.
    audience_levels = models.JSONField(_("cấp đơn vị dự"), default=list, blank=True)
    audience_roles = models.JSONField(_("vai trò dự"), default=list, blank=True)
    audience_units = models.ManyToManyField(
        "geo.Unit", blank=True, related_name="+", verbose_name=_("đơn vị dự")
    )
    venue = models.CharField(_("địa điểm"), max_length=250, blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=EventStatus.choices, default=EventStatus.OPEN
    )
    # RFC 5545 SEQUENCE of the invitations sent for this event: raised on every change that
    # attendees' calendars must take (time, place, cancellation).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sự kiện đào tạo")
        verbose_name_plural = _("sự kiện đào tạo")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="training_event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    HYBRID = "hybrid", _("Kết hợp")


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("tên phiên"), max_length=250)
    mode = models.CharField(
        _("hình thức"), max_length=16, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    venue = models.CharField(_("địa điểm"), max_length=250, blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    # The online room of an online or hybrid session: filled by the meetings app when it
    # creates the room (the lead wires ``meetings`` at merge); blank until then.
    online_url = models.CharField(_("đường dẫn phòng họp trực tuyến"), max_length=500, blank=True)
    meeting_ref = models.CharField(max_length=64, blank=True, editable=False)
    # Trainers as free text; ``trainer_expert_ref`` will hold the expert database's id once
    # that app exists (kept as text so that this app never imports it).
    trainers = models.CharField(_("giảng viên"), max_length=500, blank=True)
    trainer_expert_ref = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("phiên")
        verbose_name_plural = _("phiên")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Quota(models.Model):
    """How many participants a unit (and the units under it) may send."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    places = models.PositiveIntegerField(_("số chỗ"))

    class Meta:
        verbose_name = _("chỉ tiêu cử người")
        verbose_name_plural = _("chỉ tiêu cử người")
        constraints = [
            models.UniqueConstraint(fields=["event", "unit"], name="training_quota_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.places}"


class ParticipantStatus(models.TextChoices):
    NOMINATED = "nominated", _("Được cử")
    REGISTERED = "registered", _("Tự đăng ký")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    CANCELLED = "cancelled", _("Đã hủy")


class Participant(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_participations"
    )
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=ParticipantStatus.choices)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed = models.BooleanField(_("hoàn thành"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("người tham dự")
        verbose_name_plural = _("người tham dự")
        ordering = ["unit__path", "user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="training_participant_once")
        ]

    def __str__(self) -> str:
        return str(self.user)


class CheckinMethod(models.TextChoices):
    QR = "qr", _("Quét mã QR")
    MANUAL = "manual", _("Ban tổ chức ghi")
    ONLINE = "online", _("Tham dự trực tuyến")


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendances"
    )
    method = models.CharField(max_length=8, choices=CheckinMethod.choices)
    present = models.BooleanField(default=True)
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant"], name="training_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}@{self.session_id}"


class Sex(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class AgeBand(models.TextChoices):
    UNDER_16 = "lt16", _("Dưới 16")
    Y16_30 = "16-30", _("16–30")
    Y31_45 = "31-45", _("31–45")
    Y46_60 = "46-60", _("46–60")
    OVER_60 = "gt60", _("Trên 60")


class CitizenHeadcount(models.Model):
    """Citizens who attended a session, counted, never named."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="headcounts")
    sex = models.CharField(max_length=8, choices=Sex.choices)
    ethnic_group = models.ForeignKey("geo.EthnicGroup", on_delete=models.PROTECT, related_name="+")
    age_band = models.CharField(max_length=8, choices=AgeBand.choices)
    count = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("số người dân tham dự")
        verbose_name_plural = _("số người dân tham dự")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sex", "ethnic_group", "age_band"],
                name="training_headcount_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.count}"


class Feedback(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="feedback"
    )
    content_rating = models.PositiveSmallIntegerField(_("nội dung"))
    trainer_rating = models.PositiveSmallIntegerField(_("giảng viên"))
    comment = models.TextField(_("góp ý"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("đánh giá sau sự kiện")
        verbose_name_plural = _("đánh giá sau sự kiện")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.content_rating}/{self.trainer_rating}"


class Material(models.Model):
    """A document, picture, audio or video of an event (slides, the recording, a handout),
    kept by the media pipeline; shown to whoever may see the event."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("tên tài liệu"), max_length=250)
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu sự kiện")
        verbose_name_plural = _("tài liệu sự kiện")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Course(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("tên khóa học"), max_length=250)
    summary = models.TextField(_("giới thiệu"), blank=True)
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    pass_score = models.PositiveSmallIntegerField(_("điểm đạt (%)"), default=70)
    is_published = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("khoá học trực tuyến")
        verbose_name_plural = _("khoá học trực tuyến")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=250)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    media = models.ForeignKey(
        "media.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bài học")
        verbose_name_plural = _("bài học")
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="training_lesson_order")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    explanation = models.TextField(blank=True)

    class Meta:
        verbose_name = _("câu hỏi kiểm tra")
        verbose_name_plural = _("câu hỏi kiểm tra")
        ordering = ["course", "position"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=300)
    is_correct = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phương án trả lời")
        verbose_name_plural = _("phương án trả lời")
        ordering = ["question", "pk"]

    def __str__(self) -> str:
        return self.text


class CourseProgress(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lessons_done = models.JSONField(default=list)
    last_lesson = models.PositiveSmallIntegerField(default=0)
    best_score = models.PositiveSmallIntegerField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    passed_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tiến độ học")
        verbose_name_plural = _("tiến độ học")
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="training_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.course_id}"


class Certificate(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_certificates"
    )
    holder_name = models.CharField(max_length=200)
    achievement = models.CharField(max_length=300)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    issuer_unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    # The signed Open Badges 3.0 credential (VC-JOSE: a compact JWS, EdDSA).
    credential = models.TextField(editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("chứng nhận")
        verbose_name_plural = _("chứng nhận")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "event"],
                condition=models.Q(event__isnull=False),
                name="training_certificate_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(course__isnull=False),
                name="training_certificate_once_per_course",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.achievement}"


class RosterEntry(models.Model):
    """An official on a unit's roster (danh sách cán bộ phải tập huấn), uploaded as XLSX by the
    unit: many officials who manage or carry out the programme have no account. An entry whose
    e-mail is an account of the same unit's subtree is that account (``user``) and is counted
    once. ``trained_on`` records a training done outside the platform (another organiser's
    course); training on the platform is read from events and courses."""

    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    trained_on = models.DateField(_("ngày hoàn thành tập huấn"), null=True, blank=True)
    trained_where = models.CharField(_("lớp tập huấn"), max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cán bộ trong danh sách tập huấn")
        verbose_name_plural = _("danh sách cán bộ phải tập huấn")
        ordering = ["unit__path", "full_name", "pk"]
        indexes = [models.Index(fields=["unit", "trained_on"], name="training_roster_unit")]

    def __str__(self) -> str:
        return self.full_name
