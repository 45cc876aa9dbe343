"""Events, nominations, QR check-in, head counts, feedback, e-learning and certificates,
through the real pages and services, over the personas of conftest.py."""

from __future__ import annotations

import base64
import datetime
import json
import re

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from dantoc.audit.models import AuditEntry
from dantoc.geo.models import EthnicGroup
from dantoc.meetings.models import Meeting
from dantoc.training import credentials, services
from dantoc.training.models import (
    Attendance,
    Certificate,
    Choice,
    Course,
    Event,
    Lesson,
    Participant,
    Question,
)

pytestmark = pytest.mark.django_db


def _when(days, hour=0):
    return timezone.now().replace(microsecond=0) + datetime.timedelta(days=days, hours=hour)


@pytest.fixture
def event(people):
    event = services.event_create(
        actor=people.province,
        unit=people.province.unit,
        kind="training",
        title="Tập huấn báo cáo",
        starts_at=_when(3),
        ends_at=_when(3, 10),
        venue="Hội trường",
    )
    services.session_add(
        actor=people.province,
        event=event,
        title="Sáng",
        mode="in_person",
        starts_at=_when(3),
        ends_at=_when(3, 3),
        trainers="Cô Mai",
    )
    services.session_add(
        actor=people.province,
        event=event,
        title="Chiều",
        mode="online",
        starts_at=_when(3, 5),
        ends_at=_when(3, 8),
    )
    return event


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _independent_verify(token: str, jwk: dict) -> dict:
    """Verify the compact JWS with ``cryptography`` alone (not joserfc, which signed it)."""
    header, payload, signature = token.split(".")
    key = Ed25519PublicKey.from_public_bytes(_b64(jwk["x"]))
    key.verify(_b64(signature), f"{header}.{payload}".encode())
    assert json.loads(_b64(header)) == {"alg": "EdDSA", "typ": "vc+jwt", "kid": jwk["kid"]}
    return json.loads(_b64(payload))


def test_province_officer_creates_an_event_with_sessions_through_the_page(login, people):
    client = login(people.province)
    start = timezone.localtime(_when(5))
    response = client.post(
        reverse("training:event_create"),
        {
            "kind": "workshop",
            "title": "Hội thảo chuyển đổi số",
            "audience": "officials",
            "venue": "Tuyên Quang",
            "description": "",
            "mode": "hybrid",
            "trainers": "TS. A",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    event = Event.objects.get(title="Hội thảo chuyển đổi số")
    assert response.status_code == 302
    assert event.unit == people.province.unit
    assert event.sessions.get().mode == "hybrid"
    assert AuditEntry.objects.filter(
        action="training.event_create", object_id=str(event.pk)
    ).exists()
    page = client.get(reverse("training:event_detail", args=[event.uuid]))
    room = event.sessions.get().meeting_ref
    assert room and f'href="/hop/{room}/"' in page.content.decode()  # the meetings app's room


def test_event_end_before_start_is_refused_and_nothing_is_saved(login, people):
    client = login(people.province)
    start = timezone.localtime(_when(5))
    response = client.post(
        reverse("training:event_create"),
        {
            "kind": "workshop",
            "title": "Sai giờ",
            "audience": "officials",
            "mode": "in_person",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 200
    assert "Thời gian kết thúc phải sau thời gian bắt đầu." in response.content.decode()
    assert not Event.objects.filter(title="Sai giờ").exists()


@pytest.mark.parametrize("persona", ["commune", "other_province", "editor"])
def test_only_the_organisers_scope_manages_the_event(login, people, event, persona):
    client = login(getattr(people, persona))
    response = client.post(
        reverse("training:session_create", args=[event.uuid]),
        {
            "title": "X",
            "mode": "in_person",
            "starts_at": "2030-01-01T08:00",
            "ends_at": "2030-01-01T09:00",
        },
    )
    assert response.status_code in (302, 404)
    assert event.sessions.count() == 2


def test_anonymous_visitor_is_sent_to_sign_in(client, event):
    response = client.get(reverse("training:event_detail", args=[event.uuid]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_province_cannot_see_the_event(login, people, event):
    client = login(people.other_province)
    assert client.get(reverse("training:event_detail", args=[event.uuid])).status_code == 404


def test_nominations_stay_within_the_nominating_units_scope(people, event):
    other = people.other_commune  # xã Ngọc Đường, in the same province
    with pytest.raises(Exception, match="Chỉ cử được"):
        services.participant_nominate(actor=people.commune, event=event, nominee=other)
    assert not Participant.objects.filter(event=event).exists()
    with pytest.raises(Exception, match="Chỉ cử được"):
        services.participant_nominate(
            actor=people.other_province, event=event, nominee=people.commune
        )
    participant = services.participant_nominate(actor=people.province, event=event, nominee=other)
    again = services.participant_nominate(actor=people.province, event=event, nominee=other)
    assert participant.pk == again.pk and Participant.objects.filter(event=event).count() == 1


def test_quota_per_unit_is_kept(people, event):
    services.quota_set(actor=people.province, event=event, unit=people.commune.unit, places=1)
    services.participant_register(actor=people.commune, event=event)
    with pytest.raises(Exception, match="hết 1 chỗ"):
        # A second official of the same commune.
        from dantoc.accounts.services import user_create

        second = user_create(
            actor=None,
            username="xa.lungcu.2",
            password="x" * 20,
            unit=people.commune.unit,
            roles=["commune_reporter"],
            check_password=False,
        )
        services.participant_register(actor=second, event=event)


def test_confirmation_sends_an_icalendar_invitation_and_cancel_sends_cancel(
    login, people, event, django_capture_on_commit_callbacks
):
    official = people.commune
    official.email = "lungcu@example.invalid"
    official.save(update_fields=["email"])
    client = login(official)
    client.post(reverse("training:event_register", args=[event.uuid]))
    participant = Participant.objects.get(event=event, user=people.commune)
    assert participant.status == "registered"
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_confirm(actor=people.province, participant=participant)
    from dantoc.channels.services import outbox_send_due

    assert mail.outbox == []  # stored in the outbox with the confirmation; the worker sends
    outbox_send_due()
    invitations = [m for m in mail.outbox if m.attachments]
    assert len(invitations) == 1
    _name, body, mimetype = invitations[0].attachments[0]
    assert mimetype.startswith("text/calendar; method=REQUEST")
    cal = Calendar.from_ical(body)
    assert cal["method"] == "REQUEST"
    vevents = cal.walk("VEVENT")
    assert len(vevents) == 2 and all(str(v["uid"]).startswith(str(event.uuid)) for v in vevents)
    # The online session's room (meetings app) is in the training's invitation; the meetings
    # app sent no second invitation (one e-mail with a calendar, above) but invited them.
    online = event.sessions.get(mode="online")
    assert online.meeting_ref and online.online_url == f"/hop/{online.meeting_ref}/"
    assert online.online_url in str(vevents[1]["location"])
    room = Meeting.objects.get(uuid=online.meeting_ref)
    assert room.invitations.filter(user=official, revoked_at__isnull=True).exists()
    first_sequence = int(vevents[0]["sequence"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=people.province, event=event)
    outbox_send_due()
    cancel = Calendar.from_ical(next(m for m in mail.outbox if m.attachments).attachments[0][1])
    assert cancel["method"] == "CANCEL"
    assert int(cancel.walk("VEVENT")[0]["sequence"]) > first_sequence
    assert Meeting.objects.get(pk=room.pk).status == "cancelled"
    assert len([m for m in mail.outbox if m.attachments]) == 1  # the training's CANCEL only


def test_online_attendance_comes_from_the_sessions_room(login, people, event):
    from dantoc.meetings import services as meeting_services

    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    other = services.participant_nominate(
        actor=people.province, event=event, nominee=people.other_commune
    )
    services.participant_confirm(actor=people.province, participant=other)
    in_person, online = event.sessions.order_by("starts_at")
    room = Meeting.objects.get(uuid=online.meeting_ref)
    invitation = room.invitations.get(user=people.commune)
    signature = meeting_services._sign(str(invitation.pk))
    joined = [{
        "emitter": "janus", "type": 64, "timestamp": int(online.starts_at.timestamp() * 1e6),
        "session_id": 1, "handle_id": 2, "opaque_id": f"inv-{invitation.pk}-{signature}",
        "event": {"plugin": "janus.plugin.videoroom",
                  "data": {"event": "joined", "room": room.room, "id": 9, "display": "x"}},
    }]  # fmt: skip
    assert meeting_services.janus_events_record(events=joined)["joined"] == 1
    # Both were at the venue in the morning (checked in by the organiser).
    for p in (participant, other):
        services.attendance_record(
            actor=people.province, session=in_person, participant=p, method="qr"
        )
    services.event_complete(actor=people.province, event=event)
    row = Attendance.objects.get(participant=participant, session=online)
    assert row.method == "online" and row.present
    assert not Attendance.objects.filter(participant=other, session=online).exists()
    assert Certificate.objects.filter(event=event).count() == 1  # the one present at both
    # A participant who withdraws loses the room's invitation too.
    services.participant_cancel(actor=people.other_commune, participant=other)
    assert room.invitations.get(user=people.other_commune).revoked_at is not None


def test_qr_check_in_by_the_organiser_is_recorded_once(login, people, event):
    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    # The participant sees their code.
    own = login(people.commune)
    page = own.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    url = re.search(r'src="(/tap-huan/su-kien/[^"]+/ma-qr.svg)"', page).group(1)
    svg = own.get(url)
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    token = services.checkin_token(participant)
    organiser = login(people.province)
    checkin_url = reverse("training:checkin", args=[token])
    session = event.sessions.first()
    for _attempt in range(3):  # a weak connection: the phone retries the POST
        response = organiser.post(checkin_url, {"session": session.pk})
        assert response.status_code == 200
    assert Attendance.objects.filter(participant=participant, session=session).count() == 1
    assert "Đã ghi" in response.content.decode()
    # The participant cannot check themselves (or anyone) in.
    assert own.post(checkin_url, {"session": session.pk}).status_code == 403


def test_a_forged_check_in_code_is_refused(login, people, event):
    organiser = login(people.province)
    token = services.checkin_token(
        services.participant_nominate(actor=people.province, event=event, nominee=people.commune)
    )
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = organiser.post(reverse("training:checkin", args=[forged]), {"session": 1})
    assert response.status_code == 400
    assert not Attendance.objects.exists()


def test_manual_correction_and_completion_issue_certificates(login, people, event):
    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    client = login(people.province)
    ticks = [f"{participant.pk}:{s.pk}" for s in event.sessions.all()]
    client.post(reverse("training:attendance_manual", args=[event.uuid]), {"present": ticks})
    assert Attendance.objects.filter(participant=participant, present=True).count() == 2
    client.post(reverse("training:attendance_manual", args=[event.uuid]), {"present": ticks[:1]})
    assert Attendance.objects.filter(participant=participant, present=True).count() == 1
    client.post(reverse("training:event_finish", args=[event.uuid]))
    assert not Certificate.objects.filter(user=people.commune).exists()
    client.post(reverse("training:attendance_manual", args=[event.uuid]), {"present": ticks})
    client.post(reverse("training:event_finish", args=[event.uuid]))
    client.post(reverse("training:event_finish", args=[event.uuid]))
    assert Certificate.objects.filter(user=people.commune, event=event).count() == 1


def test_citizen_training_keeps_counts_not_names(login, people):
    event = services.event_create(
        actor=people.commune,
        unit=people.commune.unit,
        kind="training",
        title="Kỹ năng số",
        audience="citizens",
        starts_at=_when(-2),
        ends_at=_when(-2, 3),
    )
    session = services.session_add(
        actor=people.commune,
        event=event,
        title="Buổi 1",
        mode="in_person",
        starts_at=_when(-2),
        ends_at=_when(-2, 3),
    )
    group = EthnicGroup.objects.get(code="08")
    client = login(people.commune)
    url = reverse("training:headcount_save", args=[event.uuid])
    client.post(
        url, {"session": session.pk, "group": group.pk, "n:female:16-30": "12", "n:male:31-45": "5"}
    )
    assert sum(h.count for h in session.headcounts.all()) == 17
    response = client.post(
        url, {"session": session.pk, "group": group.pk, "n:female:16-30": "-3"}, follow=True
    )
    assert "Số liệu không hợp lệ." in response.content.decode()
    assert sum(h.count for h in session.headcounts.all()) == 17


def test_feedback_only_from_participants_and_summarised(login, people, event):
    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    with pytest.raises(Exception, match="Chỉ người tham dự"):
        services.feedback_submit(
            actor=people.other_commune, event=event, content_rating=1, trainer_rating=1
        )
    client = login(people.commune)
    client.post(
        reverse("training:feedback", args=[event.uuid]),
        {"content_rating": "4", "trainer_rating": "5", "comment": "Hay"},
    )
    client.post(
        reverse("training:feedback", args=[event.uuid]),
        {"content_rating": "2", "trainer_rating": "5", "comment": "Hay"},
    )
    from dantoc.training.selectors import feedback_summary, trainer_results

    summary = feedback_summary(event=event)
    assert summary["n"] == 1 and summary["content"] == 2
    assert {"trainer": "Cô Mai", "events": 1, "n": 1, "rating": 5.0} in trainer_results(
        user=people.province
    )


@pytest.fixture
def course(people):
    course = Course.objects.create(
        title="Khóa 1", unit=people.ministry.unit, pass_score=60, is_published=True
    )
    for n in (1, 2):
        Lesson.objects.create(course=course, position=n, title=f"Bài {n}", body="Đoạn một.\n\nHai.")
    for n in (1, 2):
        q = Question.objects.create(
            course=course, position=n, text=f"Câu {n}?", explanation="Vì thế."
        )
        Choice.objects.create(question=q, text="Đúng", is_correct=True)
        Choice.objects.create(question=q, text="Sai", is_correct=False)
    return course


def test_quiz_does_not_expose_answers_and_progress_resumes(login, people, course):
    client = login(people.commune)
    lesson = client.get(reverse("training:lesson_detail", args=[course.uuid, 2]))
    assert len(lesson.content) <= 60 * 1024
    detail = client.get(reverse("training:course_detail", args=[course.uuid])).content.decode()
    assert reverse("training:lesson_detail", args=[course.uuid, 2]) in detail  # "Học tiếp"
    page = client.get(reverse("training:quiz", args=[course.uuid])).content.decode()
    assert "is_correct" not in page and "Vì thế" not in page and "Đúng." not in page


def test_passing_the_quiz_issues_a_verifiable_open_badge(login, people, course, client):
    learner = login(people.commune)
    questions = list(course.questions.all())
    wrong = {f"q{q.pk}": q.choices.get(is_correct=False).pk for q in questions}
    response = learner.post(reverse("training:quiz", args=[course.uuid]), wrong)
    assert "Chưa đạt" in response.content.decode()
    assert not Certificate.objects.exists()
    right = {f"q{q.pk}": q.choices.get(is_correct=True).pk for q in questions}
    learner.post(reverse("training:quiz", args=[course.uuid]), right)
    learner.post(reverse("training:quiz", args=[course.uuid]), right)
    certificate = Certificate.objects.get(user=people.commune, course=course)

    token = learner.get(
        reverse("training:certificate_credential", args=[certificate.uuid])
    ).content.decode()
    jwk = learner.get(reverse("training:issuer_profile")).json()["publicKey"]
    credential = _independent_verify(token, jwk)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["credentialSubject"]["achievement"]["name"] == "Khóa 1"
    assert "ethnic" not in token and people.commune.username not in json.dumps(credential)

    # A tampered credential fails, in the independent check and on the public page.
    header, _payload, signature = token.split(".")
    forged = dict(credential, name="Khóa khác")
    forged_payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    tampered = f"{header}.{forged_payload}.{signature}"
    with pytest.raises(InvalidSignature):
        _independent_verify(tampered, jwk)
    check = client.post(reverse("training:credential_check"), {"credential": tampered})
    assert check.status_code == 422 and "không hợp lệ" in check.content.decode()
    good = client.post(reverse("training:credential_check"), {"credential": token})
    assert good.status_code == 200 and "Chữ ký đúng." in good.content.decode()

    # The PDF carries the holder's name and the verification address.
    pdf = learner.get(reverse("training:certificate_pdf", args=[certificate.uuid]))
    text = PdfReader(__import__("io").BytesIO(pdf.content)).pages[0].extract_text()
    assert "GIẤY CHỨNG NHẬN" in text and str(certificate.uuid) in text
    # Somebody else cannot download it.
    other = login(people.other_commune)
    assert (
        other.get(reverse("training:certificate_pdf", args=[certificate.uuid])).status_code == 404
    )


def test_revocation_shows_on_the_public_page(login, people, course, client):
    certificate = services.certificate_issue(actor=None, user=people.commune, course=course)
    public = reverse("training:certificate_verify", args=[certificate.uuid])
    assert "Chứng nhận hợp lệ" in client.get(public).content.decode()
    login(people.other_province).post(
        reverse("training:certificate_revoke", args=[certificate.uuid]), {"reason": "x"}
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    ministry = login(people.ministry)
    ministry.post(
        reverse("training:certificate_revoke", args=[certificate.uuid]), {"reason": "Cấp nhầm"}
    )
    page = client.get(public).content.decode()
    assert "Chứng nhận đã bị thu hồi" in page and "Cấp nhầm" in page
    token = certificate.credential
    check = client.post(reverse("training:credential_check"), {"credential": token})
    assert "đã bị thu hồi" in check.content.decode()


def test_the_signing_key_is_made_once_and_kept_private(settings):
    first = credentials.public_jwk()
    assert credentials.public_jwk() == first
    from pathlib import Path

    assert oct(Path(settings.TRAINING_BADGE_KEY_FILE).stat().st_mode & 0o777) == "0o600"
    assert "d" not in first


def test_reminders_go_once_per_session(people, event):
    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    now = event.starts_at - datetime.timedelta(hours=2)
    assert services.reminders_send(now=now) == 2
    assert services.reminders_send(now=now) == 0


def test_demo_data_loads_twice_without_duplicates():
    from dantoc.accounts.demo import demo_users_load
    from dantoc.training.demo import demo_training_load

    demo_users_load()
    first = demo_training_load()
    second = demo_training_load()
    assert first["certificates"] == second["certificates"] == 3
    assert Certificate.objects.filter(revoked_at__isnull=False).count() == 1
    assert Event.objects.count() == 3


def test_the_trained_share_drills_to_officials_not_trained_and_reminds_them(login, people, course):
    services.quiz_submit(
        actor=people.commune,
        course=course,
        answers={q.pk: q.choices.get(is_correct=True).pk for q in course.questions.all()},
    )
    client = login(people.province)
    page = client.get(reverse("training:goal")).content.decode()
    assert "Xã Lũng Cú" in page or people.commune.unit.name in page
    commune_page = client.get(
        reverse("training:goal") + f"?unit={people.other_commune.unit.code}"
    ).content.decode()
    assert str(people.other_commune) in commune_page  # not trained yet
    assert str(people.commune) not in commune_page
    client.post(reverse("training:goal"), {"unit": people.other_commune.unit.code})
    from dantoc.notifications.models import Notification

    assert (
        Notification.objects.filter(
            recipient=people.other_commune, kind="training.untrained"
        ).count()
        == 1
    )
    assert not Notification.objects.filter(
        recipient=people.commune, kind="training.untrained"
    ).exists()
    # Another province's officer cannot look at this province's officials.
    other = login(people.other_province)
    assert (
        other.get(reverse("training:goal") + f"?unit={people.commune.unit.code}").status_code == 404
    )
    from dantoc.training.selectors import trained_share

    row = trained_share(unit=people.commune.unit, children=[], year=timezone.localdate().year)[0]
    assert row["trained"] == 1 and row["total"] >= 1


def test_a_session_is_taught_by_an_expert_from_the_expert_database(login, people, event):
    from dantoc.experts.models import Expert

    expert = Expert.objects.create(full_name="TS. Lò Văn Giàng", organisation="Đại học Tây Bắc")
    withdrawn = Expert.objects.create(full_name="Người đã rút", consent_withdrawn_at=timezone.now())
    client = login(people.province)
    page = client.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    assert "TS. Lò Văn Giàng — Đại học Tây Bắc" in page and "Người đã rút" not in page
    start = timezone.localtime(_when(4)).replace(tzinfo=None)
    form = {
        "title": "Thực hành",
        "mode": "in_person",
        "venue": "Phòng 1",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "trainers": "Cô Mai",
    }
    refused = client.post(
        reverse("training:session_create", args=[event.uuid]),
        {**form, "trainer_expert": str(withdrawn.uuid)},
    )
    assert refused.status_code == 302 and not event.sessions.filter(title="Thực hành").exists()
    client.post(
        reverse("training:session_create", args=[event.uuid]),
        {**form, "trainer_expert": str(expert.uuid)},
    )
    session = event.sessions.get(title="Thực hành")
    assert session.trainer_expert_ref == str(expert.uuid)
    assert session.trainers == "TS. Lò Văn Giàng, Cô Mai"
    page = client.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    assert f'href="/chuyen-gia/{expert.uuid}/"' in page

    # The trainers' results page names them and links the expert's profile.
    results = client.get(reverse("training:trainers")).content.decode()
    assert f'href="/chuyen-gia/{expert.uuid}/">TS. Lò Văn Giàng</a>' in results
    assert "Cô Mai" in results
    assert login(people.commune).get(reverse("training:trainers")).status_code == 200
    assert login(people.editor).get(reverse("training:trainers")).status_code == 404


def test_the_hourly_task_reminds_and_keeps_itself_scheduled(people, event):
    from django_tasks_db.models import DBTaskResult

    from dantoc.training import tasks

    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    assert tasks.schedule() is True
    assert tasks.schedule() is False  # already waiting: not twice
    at = event.sessions.order_by("starts_at").first().starts_at - datetime.timedelta(hours=2)
    assert services.reminders_send(now=at) == 2  # both sessions start within 24 hours
    assert services.reminders_send(now=at) == 0
    nxt = tasks.next_hour(timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 59, 59)))
    assert (nxt.hour, nxt.minute, nxt.second) == (10, 0, 5)
    assert DBTaskResult.objects.filter(task_path__endswith="training_hourly_task").count() == 1


def test_an_organiser_writes_a_course_on_the_editor_page_and_publishes_it(login, people):
    client = login(people.province)
    assert (
        client.post(reverse("training:course_manage"), {"title": "", "pass_score": 70}).status_code
        == 400
    )
    response = client.post(
        reverse("training:course_manage"),
        {"title": "An toàn thông tin cho cán bộ xã", "summary": "Ba bài.", "pass_score": 80},
    )
    course = Course.objects.get(title="An toàn thông tin cho cán bộ xã")
    edit = reverse("training:course_edit", args=[course.uuid])
    assert response.status_code == 302 and response["Location"] == edit
    assert course.unit == people.province.unit and not course.is_published
    # Not publishable yet: no lesson, no question.
    refused = client.post(edit, {"action": "publish"})
    assert refused.status_code == 400 and "chưa có bài học" in refused.content.decode()
    for title in ("Mật khẩu", "Thư lừa đảo", "Cập nhật phần mềm"):
        client.post(edit, {"action": "lesson_add", "title": title, "body": f"Nội dung {title}."})
    assert list(course.lessons.values_list("position", "title")) == [
        (1, "Mật khẩu"),
        (2, "Thư lừa đảo"),
        (3, "Cập nhật phần mềm"),
    ]
    bad = client.post(
        edit, {"action": "question_add", "text": "Mật khẩu mạnh?", "choices": "Một\nHai"}
    )
    assert bad.status_code == 400 and "dấu *" in bad.content.decode()
    client.post(
        edit,
        {
            "action": "question_add",
            "text": "Mật khẩu mạnh là?",
            "choices": "123456\n* Dài, có chữ và số, không dùng lại\nNgày sinh",
            "explanation": "Dài và không dùng lại.",
        },
    )
    question = course.questions.get()
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("123456", False),
        ("Dài, có chữ và số, không dùng lại", True),
        ("Ngày sinh", False),
    ]
    second = course.lessons.get(position=2)
    client.post(edit, {"action": "lesson_delete", "lesson": second.pk})
    assert list(course.lessons.values_list("position", "title")) == [
        (1, "Mật khẩu"),
        (2, "Cập nhật phần mềm"),
    ]
    assert client.post(edit, {"action": "publish"}).status_code == 302
    course.refresh_from_db()
    assert course.is_published
    # A commune official learns it; the quiz page shows no answer before submission.
    learner = login(people.commune)
    quiz = learner.get(reverse("training:quiz", args=[course.uuid])).content.decode()
    assert "Dài, có chữ và số" in quiz and "đúng" not in quiz.lower().replace("đúng giờ", "")
    # Another province's officer cannot open the editor; every change was audited.
    assert login(people.other_province).get(edit).status_code == 404
    actions = set(
        AuditEntry.objects.filter(object_id=str(course.pk)).values_list("action", flat=True)
    )
    assert {"training.course_create", "training.lesson_add", "training.lesson_delete",
            "training.question_add", "training.course_publish"} <= actions  # fmt: skip
