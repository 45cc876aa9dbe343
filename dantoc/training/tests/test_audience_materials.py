"""An event's audience narrowed by levels, roles and units; its materials through the media
pipeline; lesson media served to learners; learners' progress kept right when a lesson is
deleted; the Open Badges credential read by an independent OB 3.0 verifier."""

from __future__ import annotations

import base64
import datetime
import io
import json
import re
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from dantoc.audit.models import AuditEntry
from dantoc.media.models import MediaAsset
from dantoc.media.processing import asset_process
from dantoc.training import credentials, selectors, services
from dantoc.training.models import (
    Course,
    CourseProgress,
    Event,
    Lesson,
    Material,
    Participant,
)


def _when(days, hour=0):
    return timezone.now().replace(microsecond=0) + datetime.timedelta(days=days, hours=hour)


def _event(people, **audience):
    return services.event_create(
        actor=people.province,
        unit=people.province.unit,
        kind="training",
        title="Tập huấn cho cán bộ xã",
        starts_at=_when(3),
        ends_at=_when(3, 8),
        **audience,
    )


def _pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Slides")
    return bytes(pdf.output())


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def test_an_event_for_commune_officials_refuses_the_province_and_its_nominations(people):
    event = _event(people, audience_levels=["commune"])
    with pytest.raises(PermissionDenied):
        services.participant_register(actor=people.province_admin, event=event)
    mine = services.participant_register(actor=people.commune, event=event)
    assert mine.status == "registered"
    nominees = set(selectors.nominees_for(user=people.province, event=event))
    assert people.other_commune in nominees and people.province_admin not in nominees
    with pytest.raises(PermissionDenied):
        services.participant_nominate(
            actor=people.province, event=event, nominee=people.province_admin
        )


def test_an_event_for_some_units_and_roles(people):
    event = _event(people, audience_units=[people.other_commune.unit])
    with pytest.raises(PermissionDenied):
        services.participant_register(actor=people.commune, event=event)
    with pytest.raises(PermissionDenied):
        services.participant_nominate(actor=people.province, event=event, nominee=people.commune)
    services.participant_register(actor=people.other_commune, event=event)
    assert list(selectors.nominees_for(user=people.province, event=event)) == []

    admins = _event(people, audience_roles=["system_admin"])
    services.participant_register(actor=people.province_admin, event=admins)
    with pytest.raises(PermissionDenied):
        services.participant_register(actor=people.commune, event=admins)
    assert Participant.objects.filter(event=admins).count() == 1


def test_a_wrong_audience_is_refused_with_reasons_and_nothing_saved(people):
    before = Event.objects.count()
    with pytest.raises(ValidationError) as error:
        _event(
            people,
            audience_levels=["country"],
            audience_roles=["no_such_role"],
            audience_units=[people.other_province.unit],
        )
    problems = error.value.message_dict
    assert set(problems) == {"audience_levels", "audience_roles", "audience_units"}
    assert "Lào Cai" in problems["audience_units"][0]
    with pytest.raises(ValidationError):
        services.event_create(
            actor=people.province,
            unit=people.province.unit,
            kind="training",
            title="Người dân",
            audience="citizens",
            starts_at=_when(1),
            ends_at=_when(1, 2),
            audience_levels=["commune"],
        )
    assert Event.objects.count() == before


def test_the_organiser_sets_the_audience_on_the_pages(login, people):
    client = login(people.province)
    start = timezone.localtime(_when(5))
    form = {
        "kind": "workshop",
        "title": "Hội thảo cho hai xã",
        "audience": "officials",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "mode": "in_person",
        "audience_levels": ["commune"],
        "audience_units": f"{people.commune.unit.code}\n{people.other_commune.unit.code}",
    }
    assert client.get(reverse("training:event_create")).status_code == 200
    response = client.post(reverse("training:event_create"), form)
    event = Event.objects.get(title="Hội thảo cho hai xã")
    assert response.status_code == 302
    assert event.audience_levels == ["commune"]
    assert set(event.audience_units.all()) == {people.commune.unit, people.other_commune.unit}
    page = client.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    assert "Dành cho" in page and people.other_commune.unit.name in page

    # A name that matches nothing is named back; the event keeps its audience.
    bad = client.post(
        reverse("training:event_audience", args=[event.uuid]),
        {"audience_units": "Xã Không Có Thật"},
        follow=True,
    )
    assert "Không tìm thấy đơn vị “Xã Không Có Thật”" in bad.content.decode()
    assert event.audience_units.count() == 2
    client.post(
        reverse("training:event_audience", args=[event.uuid]),
        {"audience_units": people.other_commune.unit.code},
    )
    assert list(event.audience_units.all()) == [people.other_commune.unit]
    assert AuditEntry.objects.filter(action="training.event_audience").count() == 1
    # Only the organiser's scope changes it.
    login(people.commune).post(
        reverse("training:event_audience", args=[event.uuid]), {"audience_units": ""}
    )
    assert event.audience_units.count() == 1


def test_materials_are_kept_by_the_media_pipeline_and_shown_to_who_sees_the_event(login, people):
    event = _event(people)
    organiser = login(people.province)
    url = reverse("training:material_create", args=[event.uuid])
    # A file that is not a document, picture, audio or video: refused, nothing kept.
    refused = organiser.post(
        url,
        {"title": "Trang web", "file": SimpleUploadedFile("a.pdf", b"<html><script>x</script>")},
        follow=True,
    )
    assert "PDF, EPUB, DOCX, XLSX" in refused.content.decode()
    assert not Material.objects.exists() and not MediaAsset.objects.exists()

    organiser.post(url, {"title": "Bài giảng", "file": SimpleUploadedFile("slides.pdf", _pdf())})
    material = Material.objects.get()
    assert material.asset.kind == "document" and material.title == "Bài giảng"
    file_url = reverse("training:material_file", args=[event.uuid, material.uuid])

    learner = login(people.commune)  # an official of a commune under the organiser
    page = learner.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    assert "Bài giảng" in page and file_url in page
    download = learner.get(file_url + "?v=goc")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == _pdf_bytes(material)
    part = learner.get(file_url + "?v=goc", HTTP_RANGE="bytes=0-3")
    assert part.status_code == 206 and b"".join(part.streaming_content) == b"%PDF"
    assert login(people.other_province).get(file_url).status_code == 404

    # Only the organiser's scope removes it; removing it removes the file and is audited.
    learner.post(reverse("training:material_remove", args=[event.uuid, material.uuid]))
    assert Material.objects.exists()
    organiser.post(reverse("training:material_remove", args=[event.uuid, material.uuid]))
    assert not Material.objects.exists() and not MediaAsset.objects.exists()
    assert {"training.material_add", "training.material_delete"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def _pdf_bytes(material) -> bytes:
    with material.asset.file.open("rb") as handle:
        return handle.read()


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg makes the audio derivatives")
def test_an_audio_material_plays_from_its_phone_sized_derivative(login, people, tmp_path):
    wav = tmp_path / "tom-tat.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=2", str(wav)],
        check=True,
    )  # fmt: skip
    event = _event(people)
    material = services.material_add(
        actor=people.province,
        event=event,
        title="",
        file=SimpleUploadedFile("tom-tat.wav", wav.read_bytes()),
    )
    assert material.title == "tom-tat"  # the file's name when no title is given
    asset_process(asset_id=material.asset_id)
    learner = login(people.commune)
    page = learner.get(reverse("training:event_detail", args=[event.uuid])).content.decode()
    sources = re.findall(r'<source src="([^"]+)"', page)
    assert sources and all("/tai-lieu/" in s for s in sources)
    first = learner.get(sources[0].replace("&amp;", "&"))
    assert first.status_code == 200 and first["Content-Type"].startswith("audio/")


def test_a_lessons_picture_is_served_to_learners_not_only_to_its_uploader(login, people):
    course = Course.objects.create(title="Khoá có ảnh", unit=people.province.unit, pass_score=50)
    services.lesson_add(
        actor=people.province,
        course=course,
        title="Ảnh",
        body="Xem ảnh.",
        media_file=SimpleUploadedFile("anh.jpg", _jpeg()),
    )
    media_url = reverse("training:lesson_media", args=[course.uuid, 1])
    learner = login(people.commune)
    assert learner.get(media_url + "?v=goc").status_code == 404  # not published yet
    assert login(people.province).get(media_url + "?v=goc").status_code == 200  # its editor
    course.is_published = True
    course.save()
    page = learner.get(reverse("training:lesson_detail", args=[course.uuid, 1])).content.decode()
    src = re.search(r'<img src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert src.startswith(media_url)
    assert learner.get(src).status_code == 200


def test_deleting_a_lesson_keeps_each_learners_progress_on_the_right_lessons(people):
    course = Course.objects.create(
        title="Bốn bài", unit=people.province.unit, pass_score=50, is_published=True
    )
    for n in range(1, 5):
        Lesson.objects.create(course=course, position=n, title=f"Bài {n}", body="x")
    for n in (1, 2, 3):
        services.lesson_open(actor=people.commune, course=course, position=n)
    services.lesson_open(actor=people.other_commune, course=course, position=4)
    services.lesson_delete(actor=people.province, lesson=course.lessons.get(position=2))
    mine = CourseProgress.objects.get(course=course, user=people.commune)
    other = CourseProgress.objects.get(course=course, user=people.other_commune)
    # "Bài 3" (now at position 2) stays done; the deleted lesson is nobody's.
    assert mine.lessons_done == [1, 2] and mine.last_lesson == 2
    assert other.lessons_done == [3] and other.last_lesson == 3
    assert course.lessons.get(position=2).title == "Bài 3"


def test_the_credential_passes_an_independent_open_badges_3_verifier(people, client):
    """openbadgeslib (PyPI, an OB 3.0 implementation of its own) checks the signature, the
    credential's structure and the JWT claims OB 3.0 §8.2 requires (iss, nbf, jti, sub)."""
    from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

    course = Course.objects.create(
        title="Khoá kiểm chứng", unit=people.ministry.unit, pass_score=50, is_published=True
    )
    certificate = services.certificate_issue(actor=None, user=people.commune, course=course)
    jwk = client.get(reverse("training:issuer_profile")).json()["publicKey"]
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    pem = Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verified = OB3Verifier(pem).verify(certificate.credential)
    assert verified.issuer.id == "https://dantoc.example" + reverse("training:issuer_profile")
    assert credentials.verify(certificate.credential).valid

    # The same credential with one word changed fails the independent verifier and ours.
    header, payload, signature = certificate.credential.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["name"] = "Khoá khác"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    tampered = f"{header}.{forged}.{signature}"
    with pytest.raises(OB3VerificationError):
        OB3Verifier(pem).verify(tampered)
    assert not credentials.verify(tampered).valid
