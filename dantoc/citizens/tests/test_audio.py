"""Recorded audio with its transcript, per item and language: uploaded by an editor through
the media pipeline (checked by content, transcoded small), heard by the public once a second
editor approved it, in the language the page is shown in; listens counted without tracking."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.audit.models import AuditEntry
from dantoc.citizens import services
from dantoc.citizens.models import ItemAudio, ItemReach
from dantoc.citizens.views import COMMUNE_COOKIE
from dantoc.media.models import MediaAsset
from dantoc.media.processing import asset_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def wav(tmp_path_factory) -> bytes:
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.fail("ffmpeg is missing: run scripts/ensure-system-packages.sh")
    path = tmp_path_factory.mktemp("audio") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=440:duration=2:sample_rate=16000", "-ac", "1", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path.read_bytes()


def _upload(item, editor, wav, language="vi", transcript="Lời đọc thử."):
    audio = services.audio_save(
        actor=editor,
        item=item,
        language=language,
        transcript=transcript,
        file=SimpleUploadedFile("ghi-am.wav", wav),
    )
    asset_process(asset_id=audio.asset_id)
    return audio


def test_a_recording_is_transcoded_small_and_heard_after_a_second_editor(
    client, people, second_editor, make_item, wav
):
    item = make_item(title="Tiêm chủng")
    audio = _upload(item, people.editor, wav, transcript="Mang con đi tiêm đủ mũi.")
    profiles = set(audio.asset.derivatives.values_list("profile", flat=True))
    assert {"audio-opus-24k", "audio-aac-32k"} <= profiles
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Mang con đi tiêm" not in page  # not approved yet
    with pytest.raises(PermissionDenied):
        services.audio_approve(actor=people.editor, audio=audio)  # the uploader
    services.audio_approve(actor=second_editor, audio=audio)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "<audio" in page and 'preload="none"' in page
    assert "Mang con đi tiêm đủ mũi." in page  # the transcript below the player
    url = f"/dong-bao/nghe/{audio.uuid}/"
    assert url + "?v=audio-opus-24k" in page
    response = client.get(url, {"v": "audio-opus-24k"})
    assert response.status_code == 200 and response["Content-Type"].startswith("audio/ogg")
    opus = b"".join(response.streaming_content)
    assert len(opus) < len(wav) / 4
    assert client.get(url, {"v": "goc"}).status_code == 404  # never the original
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"citizens.audio_save", "citizens.audio_approve", "media.asset_upload"} <= actions


def test_a_file_that_is_not_audio_is_refused_and_nothing_is_kept(people, make_item):
    item = make_item()
    fake = SimpleUploadedFile("ghi-am.mp3", b"<html>not audio</html>" * 50)
    with pytest.raises(ValidationError) as caught:
        services.audio_save(
            actor=people.editor, item=item, language="vi", transcript="Lời.", file=fake
        )
    assert "nội dung tệp được kiểm tra" in " ".join(caught.value.messages)
    assert not ItemAudio.objects.exists() and not MediaAsset.objects.exists()
    with pytest.raises(ValidationError):
        services.audio_save(actor=people.editor, item=item, language="vi", transcript="Lời.")
    with pytest.raises(ValidationError):
        services.audio_save(
            actor=people.editor,
            item=item,
            language="vi",
            transcript="  ",
            file=SimpleUploadedFile("a.wav", b"RIFF"),
        )


def test_a_recording_in_an_ethnic_language_plays_only_with_its_published_translation(
    client, people, second_editor, make_item, wav
):
    item = make_item(translations={"hmn": {"title": "Txhaj tshuaj"}})
    audio = _upload(item, people.editor, wav, language="hmn", transcript="Txhaj tshuaj.")
    services.audio_approve(actor=second_editor, audio=audio)
    heard = client.get(item.get_absolute_url(), {"ban-dich": "hmn"}).content.decode()
    assert f"/dong-bao/nghe/{audio.uuid}/" in heard
    vietnamese = client.get(item.get_absolute_url()).content.decode()
    assert f"/dong-bao/nghe/{audio.uuid}/" not in vietnamese
    from dantoc.editorial import services as editorial

    editorial.translation_withdraw(actor=second_editor, item=item, language="hmn")
    assert client.get(f"/dong-bao/nghe/{audio.uuid}/", {"v": "audio-opus-24k"}).status_code == 404


def test_a_new_transcript_waits_for_approval_again_and_a_retry_keeps_one_recording(
    people, second_editor, make_item, wav
):
    item = make_item()
    audio = _upload(item, people.editor, wav)
    services.audio_approve(actor=second_editor, audio=audio)
    again = services.audio_save(
        actor=people.editor, item=item, language="vi", transcript="Lời đọc sửa."
    )
    assert again.pk == audio.pk and not again.is_approved
    _upload(item, people.editor, wav)
    _upload(item, people.editor, wav)
    assert ItemAudio.objects.filter(item=item).count() == 1
    assert MediaAsset.objects.count() == 1  # the replaced files are removed


def test_listens_are_counted_per_province_and_language_and_not_per_person(
    client, people, second_editor, make_item, lung_cu, wav
):
    item = make_item()
    audio = _upload(item, people.editor, wav)
    services.audio_approve(actor=second_editor, audio=audio)
    client.cookies[COMMUNE_COOKIE] = "00715"
    url = f"/dong-bao/nghe/{audio.uuid}/"
    client.get(url, {"v": "audio-opus-24k"})
    client.get(url, {"v": "audio-opus-24k"}, HTTP_RANGE="bytes=5000-")  # the same play
    client.get(url, {"v": "audio-aac-32k"}, HTTP_RANGE="bytes=0-")
    row = ItemReach.objects.get(item=item)
    assert (row.province_code, row.language, row.listens) == ("08", "vi", 2)


@pytest.mark.parametrize(
    "persona, status", [("anonymous", 302), ("commune", 403), ("other_editor", 403)]
)
def test_the_audio_page_is_for_the_items_editors(
    client, login, people, laocai_editor, make_item, persona, status
):
    item = make_item()
    url = f"/dong-bao/bien-tap/{item.uuid}/ghi-am/"
    if persona == "commune":
        login(people.commune)
    elif persona == "other_editor":
        login(laocai_editor)
    assert client.get(url).status_code == status


def test_an_editor_uploads_on_the_page_and_another_approves(
    login, people, second_editor, make_item, wav
):
    item = make_item(translations={"rad": {"title": "Čŭt êa jrao"}})
    editor = login(people.editor)
    url = f"/dong-bao/bien-tap/{item.uuid}/ghi-am/"
    response = editor.post(
        url,
        {"language": "rad", "transcript": "Čŭt êa jrao.", "file": SimpleUploadedFile("a.wav", wav)},
    )
    assert response.status_code == 302
    audio = ItemAudio.objects.get(item=item, language="rad")
    asset_process(asset_id=audio.asset_id)
    listing = editor.get("/dong-bao/bien-tap/").content.decode()
    assert "♪?" in listing
    refused = editor.get(url, {"language": "rad"}).content.decode()
    assert "không tự duyệt" in refused
    reviewer = login(second_editor)
    page = reviewer.get(url, {"language": "rad"}).content.decode()
    assert f"/dong-bao/nghe/{audio.uuid}/?v=audio-opus-24k" in page  # they can listen first
    assert reviewer.get(f"/dong-bao/nghe/{audio.uuid}/", {"v": "audio-opus-24k"}).status_code == 200
    reviewer.post(url, {"language": "rad", "action": "duyet"})
    audio.refresh_from_db()
    assert audio.is_approved
