"""Demo meetings (load_demo_data; never in production): scheduled ones to join and past ones
with attendance, minutes and follow-up tasks, around Tuyên Quang's demo officers. Fixed
uuids make a second run find what the first made."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.meetings import services
from dantoc.meetings.models import Meeting, MeetingKind, MeetingMode

NS = uuid.UUID("6d1f7c52-5b0e-4c8e-9d41-1719a0c0ffee")


def _uuid(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


def _janus_joined(meeting: Meeting, invitation, at, minutes: int, pid: int) -> list[dict]:
    """Events shaped as Janus's event handler posts them (joined, then leaving)."""
    opaque = f"inv-{invitation.pk}-{services._sign(str(invitation.pk))}"
    micros = int(at.timestamp() * 1_000_000)
    base = {"type": 64, "opaque_id": opaque, "emitter": "demo"}
    data = {"room": meeting.room, "id": pid, "display": invitation.user.full_name}
    return [
        {**base, "timestamp": micros, "event": {"plugin": "janus.plugin.videoroom",
                                                 "data": {**data, "event": "joined"}}},
        {**base, "timestamp": micros + minutes * 60_000_000,
         "event": {"plugin": "janus.plugin.videoroom", "data": {**data, "event": "leaving"}}},
    ]  # fmt: skip


def demo_meetings_load() -> dict[str, int]:
    people = {u.username: u for u in User.objects.filter(
        username__in=["tinh.tuyenquang", "xa.lungcu", "xa.ngocduong", "bo.giamsat", "tinh.laocai"]
    ).select_related("unit")}  # fmt: skip
    province, lungcu, ngocduong = (
        people.get("tinh.tuyenquang"), people.get("xa.lungcu"), people.get("xa.ngocduong"),
    )  # fmt: skip
    if not (province and lungcu and ngocduong):
        return {"meetings": 0}
    now = timezone.localtime().replace(second=0, microsecond=0)
    made = 0
    plans = [
        ("giao-ban-truc-tuyen", "Giao ban trực tuyến tiến độ Chương trình 1719 với các xã",
         MeetingKind.MEETING, MeetingMode.ONLINE, now - datetime.timedelta(minutes=10),
         datetime.timedelta(hours=2), "", False),
        ("tap-huan-du-an-5", "Tập huấn nâng cao năng lực thực hiện Dự án 5 cho cán bộ xã",
         MeetingKind.TRAINING, MeetingMode.HYBRID, now + datetime.timedelta(days=3, hours=1),
         datetime.timedelta(hours=4), "Hội trường UBND tỉnh Tuyên Quang", False),
        ("so-ket-quy-3", "Sơ kết quý III thực hiện Chương trình MTQG 1719",
         MeetingKind.CONFERENCE, MeetingMode.HYBRID, now - datetime.timedelta(days=20),
         datetime.timedelta(hours=3), "Hội trường UBND tỉnh Tuyên Quang", True),
        ("hoi-thao-sinh-ke", "Hội thảo mô hình sinh kế vùng cao",
         MeetingKind.WORKSHOP, MeetingMode.IN_PERSON, now - datetime.timedelta(days=12),
         datetime.timedelta(hours=3), "Nhà văn hoá xã Lũng Cú", True),
    ]  # fmt: skip
    for key, title, kind, mode, start, length, place, past in plans:
        if Meeting.objects.filter(uuid=_uuid(key)).exists():
            continue
        meeting = services.meeting_schedule(
            actor=province, uuid=_uuid(key), title=title, kind=kind, mode=mode,
            unit=province.unit, starts_at=start, ends_at=start + length, location=place,
            agenda="1. Báo cáo tiến độ giải ngân\n2. Khó khăn, vướng mắc của các xã\n3. Kết luận",
            invitees=[lungcu, ngocduong],
        )  # fmt: skip
        made += 1
        if not past:
            continue
        invitations = list(meeting.invitations.select_related("user"))
        if meeting.is_online:
            events = []
            for n, inv in enumerate(invitations[:1], start=1):
                events += _janus_joined(meeting, inv, start + datetime.timedelta(minutes=2), 95, n)
            services.janus_events_record(events=events)
        for inv in invitations[1:] if meeting.is_online else invitations:
            services.attendance_check_in(actor=province, meeting=meeting, code=inv.checkin_code)
        services.minutes_record(
            actor=province, meeting=meeting,
            minutes=f"{title}. Các xã báo cáo tiến độ; đại biểu thảo luận các khó khăn về "
            "vốn và thủ tục.",
            decisions="Các xã hoàn thành hồ sơ giải ngân trước ngày 15 tháng sau.",
        )  # fmt: skip
        for who, days in ((lungcu, 10), (ngocduong, -3)):
            services.task_assign(
                actor=province, meeting=meeting, unit=who.unit,
                title=f"Hoàn thiện hồ sơ giải ngân ({who.unit.name})",
                due_date=timezone.localdate() + datetime.timedelta(days=days),
            )  # fmt: skip
    ministry = people.get("bo.giamsat")
    laocai = people.get("tinh.laocai")
    key = "hop-toan-quoc"
    if ministry and laocai and not Meeting.objects.filter(uuid=_uuid(key)).exists():
        start = now + datetime.timedelta(days=7)
        services.meeting_schedule(
            actor=ministry, uuid=_uuid(key), kind=MeetingKind.CONFERENCE, mode=MeetingMode.ONLINE,
            title="Hội nghị trực tuyến toàn quốc sơ kết Chương trình 1719 năm 2026",
            unit=ministry.unit, starts_at=start, ends_at=start + datetime.timedelta(hours=3),
            invitees=[province, laocai],
        )  # fmt: skip
        made += 1
    # A meeting the ministry itself held online: counted at the country level (BM-HOP-TW).
    key = "ban-chi-dao-tw"
    if ministry and laocai and not Meeting.objects.filter(uuid=_uuid(key)).exists():
        start = now - datetime.timedelta(days=5)
        meeting = services.meeting_schedule(
            actor=ministry, uuid=_uuid(key), kind=MeetingKind.MEETING, mode=MeetingMode.ONLINE,
            title="Họp trực tuyến Ban Chỉ đạo Trung ương về tiến độ giải ngân",
            unit=ministry.unit, starts_at=start, ends_at=start + datetime.timedelta(hours=2),
            invitees=[province, laocai],
        )  # fmt: skip
        services.minutes_record(
            actor=ministry, meeting=meeting,
            minutes="Các tỉnh báo cáo tiến độ giải ngân vốn năm 2026 và kiến nghị tháo gỡ.",
            decisions="Các tỉnh gửi báo cáo giải ngân quý IV trước ngày 20.",
        )  # fmt: skip
        made += 1
    return {"meetings": made}
