"""Meetings without a browser: scheduling and invitations (iCalendar parsed with the
``icalendar`` library), permissions per persona, joining rules against a real Janus (tokens
added, revoked and refused by Janus itself), attendance from Janus's events, check-in,
minutes, follow-up tasks, the calendar feed and the figures of the 30 % goal."""

from __future__ import annotations

import base64
import datetime
import uuid

import pytest
import requests
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from icalendar import Calendar

from dantoc.audit.models import AuditEntry
from dantoc.meetings import figures, health, janus, selectors, services
from dantoc.meetings.models import (
    Attendance,
    FollowUpTask,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingMode,
)
from dantoc.notifications.models import Notification
from dantoc.reporting.models import DataValue

pytestmark = pytest.mark.django_db


def _schedule(people, *, start=None, mode=MeetingMode.ONLINE, invitees=None, **kw):
    start = start or timezone.now() - datetime.timedelta(minutes=5)
    return services.meeting_schedule(
        actor=kw.pop("actor", people.province),
        title=kw.pop("title", "Họp giao ban Chương trình 1719"),
        kind=kw.pop("kind", MeetingKind.MEETING),
        mode=mode,
        unit=kw.pop("unit", people.province.unit),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location=kw.pop("location", "Hội trường UBND tỉnh" if mode != MeetingMode.ONLINE else ""),
        invitees=invitees if invitees is not None else [people.commune, people.other_commune],
        **kw,
    )


def _ics(message) -> Calendar:
    parts = [a for a in message.attachments if a[0] == "invite.ics"]
    assert parts, "the invitation carries invite.ics"
    alternative = [a for a in message.alternatives if a[1].startswith("text/calendar")]
    assert alternative and "method=" in alternative[0][1]
    return Calendar.from_ical(parts[0][1])


def test_scheduling_invites_notifies_and_audits_and_a_retry_makes_nothing_twice(people):
    token = uuid.uuid4()
    meeting = _schedule(people, uuid=token)
    again = _schedule(people, uuid=token)
    assert again.pk == meeting.pk and Meeting.objects.count() == 1
    assert set(meeting.invitations.values_list("user__username", flat=True)) == {
        "xa.lungcu", "xa.ngocduong"
    }  # fmt: skip
    notices = Notification.objects.filter(kind="meeting_invitation")
    assert {n.recipient_id for n in notices} == {people.commune.pk, people.other_commune.pk}
    assert all(n.url == f"/hop/{meeting.uuid}/" for n in notices)
    assert AuditEntry.objects.filter(action="meetings.meeting_schedule").count() == 1


def test_invitation_update_and_cancel_are_itip_messages_calendar_apps_accept(people):
    for person in (people.commune, people.other_commune):
        person.email = f"{person.username}@example.vn"
        person.save(update_fields=["email"])
    meeting = _schedule(people)
    ids = [people.commune.pk, people.other_commune.pk]
    from dantoc.channels.models import OutboxMessage
    from dantoc.channels.services import outbox_send_due

    services.invitation_emails_send(
        meeting_id=meeting.pk, user_ids=ids, method="REQUEST", sequence=0
    )
    # Stored in the platform's outbox first (once per person and version), then sent.
    assert OutboxMessage.objects.filter(source=f"meeting:{meeting.uuid}").count() == 2
    assert (
        services.invitation_emails_send(
            meeting_id=meeting.pk, user_ids=ids, method="REQUEST", sequence=0
        )["queued"]
        == 0
    )
    assert mail.outbox == []
    outbox_send_due()
    assert len(mail.outbox) == 2
    assert mail.outbox[0].alternatives[0][1].startswith("text/calendar; method=REQUEST")
    cal = _ics(mail.outbox[0])
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "REQUEST"
    assert str(event["UID"]) == f"{meeting.uuid}@dantoc" and int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendees = {str(a) for a in event.get("ATTENDEE")}
    assert attendees == {"mailto:xa.lungcu@example.vn", "mailto:xa.ngocduong@example.vn"}
    assert event["ATTENDEE"][0].params["RSVP"] == "TRUE"
    assert event.decoded("DTSTART") == meeting.starts_at.replace(microsecond=0)
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Asia/Ho_Chi_Minh"

    later = meeting.starts_at + datetime.timedelta(days=1)
    meeting = services.meeting_update(
        actor=people.province, meeting=meeting, starts_at=later,
        ends_at=later + datetime.timedelta(hours=1),
    )  # fmt: skip
    mail.outbox.clear()
    # An e-mail queued for an older version is not sent any more.
    stale = services.invitation_emails_send(
        meeting_id=meeting.pk, user_ids=ids, method="REQUEST", sequence=0
    )
    assert stale["queued"] == 0
    services.invitation_emails_send(
        meeting_id=meeting.pk, user_ids=ids, method="REQUEST", sequence=1
    )
    outbox_send_due()
    event = _ics(mail.outbox[0]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{meeting.uuid}@dantoc" and int(event["SEQUENCE"]) == 1

    meeting = services.meeting_cancel(actor=people.province, meeting=meeting)
    mail.outbox.clear()
    services.invitation_emails_send(
        meeting_id=meeting.pk, user_ids=ids, method="CANCEL", sequence=2
    )
    outbox_send_due()
    cal = _ics(mail.outbox[0])
    event = cal.walk("VEVENT")[0]
    assert cal["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert "Hủy cuộc họp" in mail.outbox[0].subject


def test_officers_invite_only_units_and_people_they_may_address(people):
    from dantoc.geo.models import Unit

    other_province = Unit.objects.get(code="15", valid_to__isnull=True)
    with pytest.raises(PermissionDenied):
        services.invitees_resolve(actor=people.province, units=[other_province])
    with pytest.raises(PermissionDenied):
        _schedule(people, invitees=[people.other_province])
    with pytest.raises(PermissionDenied):  # a commune officer invites within the commune only
        _schedule(
            people, actor=people.commune, unit=people.commune.unit, invitees=[people.other_commune]
        )
    with pytest.raises(PermissionDenied):  # an editor organises nothing
        _schedule(people, actor=people.editor, unit=people.editor.unit, invitees=[])
    # The ministry invites every province's officers.
    chosen = services.invitees_resolve(
        actor=people.ministry, units=[other_province, people.province.unit]
    )
    assert {p.username for p, _u in chosen} >= {"tinh.laocai", "tinh.tuyenquang"}
    assert Meeting.objects.count() == 0


def test_bad_times_and_missing_place_are_refused_with_reasons(people):
    start = timezone.now()
    with pytest.raises(ValidationError) as error:
        services.meeting_schedule(
            actor=people.province, title="x", kind="hop", mode=MeetingMode.HYBRID,
            unit=people.province.unit, starts_at=start, ends_at=start, invitees=[],
        )  # fmt: skip
    assert set(error.value.message_dict) == {"ends_at", "location"}
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize("persona", ["anonymous", "commune", "other_province", "editor"])
def test_pages_of_a_meeting_are_closed_to_people_not_invited(people, client, login, persona):
    meeting = _schedule(people, invitees=[people.other_commune])
    browser = client if persona == "anonymous" else login(getattr(people, persona))
    detail = browser.get(f"/hop/{meeting.uuid}/")
    room = browser.get(f"/hop/{meeting.uuid}/phong/")
    attendance = browser.get(f"/hop/{meeting.uuid}/diem-danh/")
    if persona == "anonymous":
        assert detail.status_code == room.status_code == attendance.status_code == 302
    else:
        assert detail.status_code == 404
        assert room.status_code == 403
        assert attendance.status_code == 403
    assert not Attendance.objects.exists()


def test_organiser_and_invitee_pages_work(people, login):
    meeting = _schedule(people, mode=MeetingMode.HYBRID)
    province = login(people.province)
    for url in ("/hop/", "/hop/moi/", f"/hop/{meeting.uuid}/", f"/hop/{meeting.uuid}/diem-danh/",
                f"/hop/{meeting.uuid}/bien-ban/", "/hop/nhiem-vu/", "/hop/lich/",
                f"/hop/{meeting.uuid}/sua/"):  # fmt: skip
        assert province.get(url).status_code == 200, url
    csv = province.get(f"/hop/{meeting.uuid}/diem-danh/?format=csv")
    assert csv["Content-Type"].startswith("text/csv") and "Xa Lungcu" in csv.content.decode()
    commune = login(people.commune)
    page = commune.get(f"/hop/{meeting.uuid}/").content.decode()
    assert "Mã QR điểm danh" in page and "Vào phòng họp" in page
    ics = commune.get(f"/hop/{meeting.uuid}/giay-moi.ics")
    assert Calendar.from_ical(ics.content)["METHOD"] == "REQUEST"


def test_the_attendance_list_downloads_for_excel_and_a_formula_in_a_name_stays_text(people, login):
    import io

    from openpyxl import load_workbook

    reporter = people.commune
    reporter.full_name = '=HYPERLINK("http://x.example","Bấm")'
    reporter.save(update_fields=["full_name"])
    meeting = _schedule(people, mode=MeetingMode.HYBRID)
    province = login(people.province)
    csv = province.get(f"/hop/{meeting.uuid}/diem-danh/?format=csv").content.decode("utf-8-sig")
    # Written with a leading quote, which a spreadsheet shows as text (core.csvfiles).
    assert '"\'=HYPERLINK(""http://x.example"",""Bấm"")"' in csv
    xlsx = province.get(f"/hop/{meeting.uuid}/diem-danh/?format=xlsx")
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == meeting.title and rows[1][0] == "Họ và tên"
    names = {r[0] for r in rows[2:]}
    assert '=HYPERLINK("http://x.example","Bấm")' in names  # a string, not a formula
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == reporter.full_name)
    assert cell.data_type == "s"
    assert province.get(f"/hop/{meeting.uuid}/diem-danh/").status_code == 200
    assert (
        login(people.commune).get(f"/hop/{meeting.uuid}/diem-danh/?format=xlsx").status_code == 403
    )


def test_scheduling_through_the_page_with_a_group_of_units(people, login):
    province = login(people.province)
    start = timezone.localtime() + datetime.timedelta(days=2)
    token = uuid.uuid4()
    data = {
        "token": str(token), "title": "Hội nghị trực tuyến các xã", "kind": "hoi_nghi",
        "mode": "truc_tuyen", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "audience": "communes", "province": people.province.unit_id, "agenda": "",
    }  # fmt: skip
    response = province.post("/hop/moi/", data)
    assert response.status_code == 302
    again = province.post("/hop/moi/", data)  # a double click
    assert again.status_code == 302 and Meeting.objects.count() == 1
    meeting = Meeting.objects.get(uuid=token)
    assert {"xa.lungcu", "xa.ngocduong"} <= set(
        meeting.invitations.values_list("user__username", flat=True)
    )
    bad = province.post(
        "/hop/moi/", {**data, "token": str(uuid.uuid4()), "audience": "communes", "province": ""}
    )
    assert bad.status_code == 200 and "Chọn tỉnh" in bad.content.decode()


def test_joining_is_refused_outside_the_window_and_for_revoked_or_unknown_tokens(
    people, janus_settings
):
    early = _schedule(people, start=timezone.now() + datetime.timedelta(hours=3))
    with pytest.raises(ValidationError, match="Phòng họp mở lúc"):
        services.meeting_join(user=people.commune, meeting=early)
    past = _schedule(people, start=timezone.now() - datetime.timedelta(hours=5))
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.meeting_join(user=people.commune, meeting=past)
    with pytest.raises(PermissionDenied):
        services.meeting_join(user=people.province, meeting=past)

    meeting = _schedule(people)
    ticket = services.meeting_join(user=people.commune, meeting=meeting)
    jc = janus.client()
    assert ticket.token in jc.tokens()
    assert ticket.janus_url == janus_settings.url

    def session_with(token: str) -> dict:
        return requests.post(
            janus_settings.url,
            json={"janus": "create", "transaction": "t", "token": token},
            timeout=5,
        ).json()

    assert session_with(ticket.token)["janus"] == "success"
    invitation = Invitation.objects.get(meeting=meeting, user=people.commune)
    services.invitation_revoke(actor=people.province, invitation=invitation)
    assert ticket.token not in jc.tokens()
    refused = session_with(ticket.token)
    assert refused["janus"] == "error" and refused["error"]["code"] == 403
    assert session_with("made-up-token")["error"]["code"] == 403
    with pytest.raises(PermissionDenied):
        services.meeting_join(user=people.commune, meeting=meeting)
    # Janus's admin API answers on loopback only, and never to Debian's public secret.
    answer = requests.post(
        janus_settings.admin_url,
        json={
            "janus": "list_tokens",
            "transaction": "t",
            "admin_secret": janus.DEBIAN_DEFAULT_ADMIN_SECRET,
        },
        timeout=5,
    ).json()
    assert answer["janus"] == "error"
    config = (janus_settings.folder / "janus.transport.http.jcfg").read_text()
    assert 'admin_ip = "127.0.0.1"' in config and 'ip = "127.0.0.1"' in config
    assert (
        janus.DEBIAN_DEFAULT_ADMIN_SECRET not in (janus_settings.folder / "janus.jcfg").read_text()
    )
    report = health.janus_health()
    assert report["status"] == "ok" and report["version"].startswith("1.") and report["videoroom"]


def _events(meeting, invitation, *, pid=7, event="joined", at=None):
    at = at or timezone.now()
    return [{
        "emitter": "test", "type": 64, "timestamp": int(at.timestamp() * 1_000_000),
        "session_id": 1, "handle_id": 2,
        "opaque_id": f"inv-{invitation.pk}-{services._sign(str(invitation.pk))}",
        "event": {"plugin": "janus.plugin.videoroom",
                  "data": {"event": event, "room": meeting.room, "id": pid, "display": "x"}},
    }]  # fmt: skip


def test_janus_events_endpoint_takes_loopback_posts_with_the_password_only(
    people, client, janus_settings
):
    meeting = _schedule(people)
    invitation = meeting.invitations.get(user=people.commune)
    body = _events(meeting, invitation)
    good = (
        "Basic "
        + base64.b64encode(f"janus:{janus_settings.keys.events_password}".encode()).decode()
    )
    url = "/hop/janus/su-kien/"
    kw = {"content_type": "application/json"}
    assert client.post(url, body, **kw).status_code == 403
    assert client.post(url, body, HTTP_AUTHORIZATION="Basic amFudXM6eA==", **kw).status_code == 403
    assert (
        client.post(url, body, HTTP_AUTHORIZATION=good, REMOTE_ADDR="10.0.0.5", **kw).status_code
        == 403
    )
    assert not Attendance.objects.exists()
    assert client.post(url, body, HTTP_AUTHORIZATION=good, **kw).json()["joined"] == 1
    # Janus retransmits: nothing doubles.
    assert client.post(url, body, HTTP_AUTHORIZATION=good, **kw).json()["joined"] == 0
    left = timezone.now() + datetime.timedelta(minutes=42)
    client.post(
        url, _events(meeting, invitation, event="leaving", at=left), HTTP_AUTHORIZATION=good, **kw
    )
    row = Attendance.objects.get()
    assert row.invitation == invitation and row.channel == "online"
    assert 41 <= row.duration.total_seconds() / 60 <= 43
    assert client.post(url, b"{not json", HTTP_AUTHORIZATION=good, **kw).status_code == 400
    # A forged opaque id gives a row without a person, never someone else's attendance.
    forged = _events(meeting, invitation, pid=9)
    forged[0]["opaque_id"] = f"inv-{invitation.pk}-forged"
    client.post(url, forged, HTTP_AUTHORIZATION=good, **kw)
    assert Attendance.objects.get(janus_id="9").invitation is None


def test_check_in_at_the_venue_with_the_invitation_code(people, login):
    meeting = _schedule(people, mode=MeetingMode.HYBRID)
    invitation = meeting.invitations.get(user=people.commune)
    with pytest.raises(PermissionDenied):
        services.attendance_check_in(
            actor=people.other_commune, meeting=meeting, code=invitation.checkin_code
        )
    province = login(people.province)
    url = f"/hop/{meeting.uuid}/diem-danh/{invitation.checkin_code}/"
    assert province.get(url).status_code == 200
    assert province.post(url).status_code == 302
    assert province.post(url).status_code == 302  # a second scan
    assert Attendance.objects.filter(channel="in_person").count() == 1
    rows = {r["person"].username: r for r in selectors.attendance_rows(meeting)}
    assert rows["xa.lungcu"]["present"] and not rows["xa.ngocduong"]["present"]
    with pytest.raises(ValidationError):
        services.attendance_check_in(actor=people.province, meeting=meeting, code="nope")


def test_minutes_tasks_and_the_figures_of_the_30_percent_goal(people, login):
    start = timezone.now() - datetime.timedelta(hours=3)
    online = _schedule(people, start=start)
    in_person = _schedule(
        people, start=start, mode=MeetingMode.IN_PERSON, kind=MeetingKind.TRAINING
    )
    with pytest.raises(ValidationError):
        services.minutes_record(actor=people.province, meeting=online, minutes="  ")
    with pytest.raises(PermissionDenied):
        services.minutes_record(actor=people.commune, meeting=online, minutes="x")
    services.minutes_record(
        actor=people.province, meeting=online, minutes="Biên bản", decisions="KL"
    )
    services.minutes_record(actor=people.province, meeting=in_person, minutes="Biên bản")
    for meeting in (online, in_person):  # the listener runs after commit
        figures.on_meetings_meeting_held(meeting_id=meeting.pk)
    period, _s, _e = figures.quarter_of(start)
    values = {
        (v.indicator.code, v.options_key.removeprefix("LOAI_HOP=")): v.value
        for v in DataValue.objects.filter(
            unit=people.province.unit, period__code=period
        ).select_related("indicator")
    }
    assert values[("HOP_SO_CUOC", "hop")] == values[("HOP_TRUC_TUYEN", "hop")]
    assert float(values[("HOP_SO_CUOC", "hop")]) == 1
    assert float(values[("HOP_SO_CUOC", "tap_huan")]) == 1
    assert float(values[("HOP_TRUC_TUYEN", "tap_huan")]) == 0
    # Written again: the same totals, nothing added.
    figures.on_meetings_meeting_held(meeting_id=online.pk)
    assert float(DataValue.objects.get(
        unit=people.province.unit, period__code=period, indicator__code="HOP_SO_CUOC",
        options_key="LOAI_HOP=hop").value) == 1  # fmt: skip

    # The list behind the share, and the share itself among the dashboard's key figures.
    province = login(people.province)
    local = timezone.localtime(start)
    page = province.get(f"/hop/thong-ke/?unit=08&year={local.year}").content.decode()
    assert "<strong>50,0 %</strong>" in page and online.title in page
    assert province.get("/hop/thong-ke/?unit=15").status_code == 404  # another province
    dashboard = province.get(f"/analytics/?unit=08&year={local.year}&all=1").content.decode()
    assert "Tỷ lệ cuộc họp trực tuyến" in dashboard and "/hop/thong-ke/?unit=08" in dashboard

    due = timezone.localdate() - datetime.timedelta(days=1)
    task = services.task_assign(
        actor=people.province,
        meeting=online,
        title="Nộp hồ sơ",
        unit=people.commune.unit,
        due_date=due,
    )
    assert Notification.objects.filter(kind="meeting_task", recipient=people.commune).exists()
    assert list(selectors.tasks_overdue(people.province)) == [task]
    with pytest.raises(PermissionDenied):
        services.task_mark_done(actor=people.other_commune, task=task)
    commune = login(people.commune)
    assert commune.post(f"/hop/nhiem-vu/{task.pk}/xong/").status_code == 302
    task.refresh_from_db()
    assert task.done_by == people.commune and not selectors.tasks_overdue(people.province).exists()
    assert FollowUpTask.objects.count() == 1


def test_calendar_feed_is_private_and_renewable(people, client, login):
    meeting = _schedule(people)
    feed = services.calendar_feed_get_or_create(user=people.commune)
    answer = client.get(f"/hop/lich/{feed.token}.ics")
    cal = Calendar.from_ical(answer.content)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [f"{meeting.uuid}@dantoc"]
    old = feed.token
    services.calendar_feed_renew(user=people.commune)
    assert client.get(f"/hop/lich/{old}.ics").status_code == 404
    assert client.get("/hop/lich/guess.ics").status_code == 404


def test_documents_are_checked_like_every_upload(people, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dantoc.meetings.models import MeetingDocument

    settings.MEDIA_ROOT = tmp_path
    meeting = _schedule(people)
    province = login(people.province)
    url = f"/hop/{meeting.uuid}/tai-lieu/"
    fake = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    answer = province.post(url, {"file": fake, "title": "Báo cáo"}, follow=True)
    assert "Lỗi:" in answer.content.decode() and not MeetingDocument.objects.exists()
    pdf = SimpleUploadedFile(
        "bao-cao.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "application/pdf",
    )
    province.post(url, {"file": pdf, "title": "Báo cáo tiến độ"})
    assert MeetingDocument.objects.get().title == "Báo cáo tiến độ"
    commune = login(people.commune)  # an invitee reads, does not attach
    other = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    assert commune.post(url, {"file": other}).status_code == 403
    assert "Báo cáo tiến độ" in commune.get(f"/hop/{meeting.uuid}/").content.decode()


def test_an_invitation_is_one_e_mail_the_icalendar_one_not_also_the_plain_notice(
    people, django_capture_on_commit_callbacks
):
    """The notice stays in the inbox; its plain e-mail is not queued beside the invitation."""
    from dantoc.accounts.models import User
    from dantoc.channels.models import OutboxMessage

    User.objects.filter(pk__in=[people.commune.pk, people.other_commune.pk]).update(
        email="hop@example.vn"
    )
    meeting = _schedule(people)
    notices = Notification.objects.filter(kind="meeting_invitation")
    assert notices.count() == 2
    plain = OutboxMessage.objects.filter(idempotency_key__startswith="notification:")
    assert not plain.exists()
    services.invitation_emails_send(
        meeting_id=meeting.pk,
        user_ids=[people.commune.pk, people.other_commune.pk],
        method="REQUEST",
        sequence=meeting.sequence,
    )
    invitations = OutboxMessage.objects.filter(source=f"meeting:{meeting.uuid}")
    assert invitations.count() == 2 and all(m.attachments for m in invitations)
    # Other notices still send their e-mail.
    from dantoc.notifications.services import notify

    notify(recipients=[people.commune], kind="test", title="Nhắc", body="", unit=meeting.unit)
    assert list(plain.values_list("subject", flat=True)) == ["[dantoc] Nhắc"]


def test_meetings_the_ministry_hosts_count_in_the_national_share(people, login):
    """The ministry's own meetings are kept at the country unit on the computed form
    ``BM-HOP-TW`` and the national figure adds them to the provinces' (analytics rolls a
    unit's own values up with its children's)."""
    from dantoc.analytics.models import RollupTotal
    from dantoc.geo.models import Unit, UnitLevel

    country = Unit.objects.get(level=UnitLevel.COUNTRY)
    start = timezone.now() - datetime.timedelta(hours=3)
    central = _schedule(
        people, start=start, actor=people.ministry, unit=country, invitees=[people.province],
        title="Hội nghị trực tuyến toàn quốc sơ kết Chương trình",
    )  # fmt: skip
    provincial = _schedule(people, start=start, mode=MeetingMode.IN_PERSON)
    services.minutes_record(actor=people.ministry, meeting=central, minutes="Biên bản")
    services.minutes_record(actor=people.province, meeting=provincial, minutes="Biên bản")
    for meeting in (central, provincial):
        figures.on_meetings_meeting_held(meeting_id=meeting.pk)
    period, _s, _e = figures.quarter_of(start)
    own = DataValue.objects.get(
        unit=country, period__code=period, indicator__code="HOP_TRUC_TUYEN",
        options_key="LOAI_HOP=hop",
    )  # fmt: skip
    assert float(own.value) == 1
    national = {
        r.indicator.code: r.approved_sum
        for r in RollupTotal.objects.filter(unit=country, period__code=period).select_related(
            "indicator"
        )
    }
    # Two meetings held in the country, one of them (the ministry's) online: 50 %.
    assert national["HOP_SO_CUOC"] == 2 and national["HOP_TRUC_TUYEN"] == 1
    ministry = login(people.ministry)
    local = timezone.localtime(start)
    listing = ministry.get(f"/hop/thong-ke/?unit=VN&year={local.year}").content.decode()
    assert "<strong>50,0 %</strong>" in listing and central.title in listing


def test_no_one_types_into_a_form_the_platform_computes(people, login):
    """Computed forms (meetings held, device readings) take values from the platform only:
    not from the entry page, not from a person's import, and they are on no one's to-do
    list; only they may be kept at the country level."""
    from dantoc.geo.models import Unit, UnitLevel
    from dantoc.reporting import dhis2
    from dantoc.reporting import selectors as reporting_selectors
    from dantoc.reporting.services import (
        ReportClosed,
        datavalues_save,
        form_check_definition,
        period_resolve,
    )
    from dantoc.reporting.services.bulk import datavalues_import

    form = reporting_selectors.form_get(code="BM-HOP-XA")
    assert form.computed
    period = period_resolve(
        period_type=form.period_type, code=figures.quarter_of(timezone.now())[0]
    )
    with pytest.raises(ReportClosed, match="nền tảng tự tính"):
        datavalues_save(
            actor=people.commune, form=form, unit=people.commune.unit, period=period,
            inputs=[], source="web",
        )  # fmt: skip
    payload = dhis2.parse_json(
        b'{"dataSet": "BM-HOP-XA", "period": "%s", "orgUnit": "%s", "dataValues": '
        b'[{"dataElement": "HOP_SO_CUOC", "categoryOptionCombo": "LOAI_HOP=hop", "value": "9"}]}'
        % (period.code.encode(), people.commune.unit.code.encode())
    )
    summary = datavalues_import(actor=people.province, rows=payload.rows, dataset_code="BM-HOP-XA")
    assert summary.status == "ERROR" and "nền tảng tự tính" in summary.conflicts[0].value
    assert not DataValue.objects.filter(indicator__code="HOP_SO_CUOC").exists()
    commune = login(people.commune)
    todo = commune.get("/reporting/").content.decode()
    assert "BM-HOP-XA" not in todo
    page = commune.get(f"/reporting/BM-HOP-XA/{period.code}/{people.commune.unit.code}/")
    assert page.status_code == 200 and "nền tảng tự tính" in page.content.decode()
    definition = reporting_selectors.form_definition(reporting_selectors.form_get(code="BM-HOP-TW"))
    assert definition["reporting_level"] == "country" and not form_check_definition(definition)
    definition["computed"] = False
    assert [e.column for e in form_check_definition(definition)] == ["reporting_level"]
    assert Unit.objects.filter(level=UnitLevel.COUNTRY).exists()
