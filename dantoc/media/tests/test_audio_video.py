"""Audio and video made in the test with ffmpeg go through the real ffmpeg: low-bitrate
Opus and AAC, 240p/360p H.264 with a poster frame; durations and sizes are probed."""

from __future__ import annotations

import pytest

from dantoc.media.models import MediaAsset, MediaKind, MediaState
from dantoc.media.services import asset_process, asset_upload
from dantoc.media.tests.conftest import probe, upload_of


def _fetch(derivative, tmp_path):
    path = tmp_path / f"out-{derivative.profile}"
    with derivative.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def test_audio_becomes_opus_and_aac_of_the_same_duration(people, audio_file, tmp_path):
    asset = asset_upload(
        actor=people.editor,
        file=upload_of(audio_file, "bai-hat.mp3"),
        allowed_kinds=[MediaKind.AUDIO],
        process=False,
    )
    assert (asset.kind, asset.mime_type) == ("audio", "audio/mpeg")
    assert asset.duration_ms == pytest.approx(2000, abs=100)
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.READY, asset.failure_reason
    made = {d.profile: d for d in asset.derivatives.all()}
    assert set(made) == {"audio-opus-24k", "audio-aac-32k"}
    for profile, codec in (("audio-opus-24k", "opus"), ("audio-aac-32k", "aac")):
        info = probe(_fetch(made[profile], tmp_path))
        (stream,) = info["streams"]
        assert stream["codec_name"] == codec
        assert stream["channels"] == 1
        assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.15)
        assert made[profile].duration_ms == pytest.approx(2000, abs=150)
        assert made[profile].bytes == int(info["format"]["size"])
        # Low bitrate: two seconds stay well under 16 KB.
        assert made[profile].bytes < 16_000


def test_video_becomes_240p_and_360p_h264_with_a_poster(people, video_file, tmp_path):
    asset = asset_upload(
        actor=people.editor,
        file=upload_of(video_file, "le-hoi.mp4"),
        allowed_kinds=[MediaKind.VIDEO],
        process=False,
    )
    assert (asset.kind, asset.mime_type, asset.width, asset.height) == (
        "video",
        "video/mp4",
        640,
        480,
    )
    assert asset.duration_ms == pytest.approx(2000, abs=100)
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.READY, asset.failure_reason
    made = {d.profile: d for d in asset.derivatives.all()}
    assert set(made) == {"video-240p.mp4", "video-360p.mp4", "poster.jpg"}
    for profile, size in (("video-240p.mp4", (320, 240)), ("video-360p.mp4", (480, 360))):
        info = probe(_fetch(made[profile], tmp_path))
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
        assert video["codec_name"] == "h264"
        assert (video["width"], video["height"]) == size
        assert (made[profile].width, made[profile].height) == size
        assert [a["codec_name"] for a in audio] == ["aac"]
        assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.15)
        assert made[profile].duration_ms == pytest.approx(2000, abs=150)
    poster = probe(_fetch(made["poster.jpg"], tmp_path))
    assert poster["streams"][0]["codec_name"] == "mjpeg"
    assert (made["poster.jpg"].width, made["poster.jpg"].height) == (480, 360)
    assert made["poster.jpg"].mime_type == "image/jpeg"


def test_small_video_is_not_enlarged(people, tmp_path, ffmpeg_available):
    from dantoc.media.tests.conftest import ffmpeg_make

    small = ffmpeg_make(
        tmp_path / "small.webm",
        "-f",
        "lavfi",
        "-i",
        "testsrc=duration=1:size=160x120:rate=10",
        "-c:v",
        "libvpx",
        "-b:v",
        "100k",
    )
    asset = asset_upload(
        actor=people.editor, file=upload_of(small), allowed_kinds=[MediaKind.VIDEO], process=False
    )
    assert asset.mime_type == "video/webm"
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.READY, asset.failure_reason
    made = {d.profile: (d.width, d.height) for d in asset.derivatives.all()}
    assert made == {"video-240p.mp4": (160, 120), "poster.jpg": (160, 120)}


def test_corrupt_video_fails_with_a_reason(people, video_file, tmp_path):
    # The index is at the front, so the file still probes as a 2-second video, but most of
    # the picture data is cut off.
    truncated = tmp_path / "hong.mp4"
    truncated.write_bytes(video_file.read_bytes()[: video_file.stat().st_size // 2])
    asset = asset_upload(
        actor=people.editor,
        file=upload_of(truncated),
        allowed_kinds=[MediaKind.VIDEO],
        process=False,
    )
    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.FAILED
    assert asset.failure_reason.startswith("Không chuyển đổi được tệp")
    assert len(asset.failure_reason) > len("Không chuyển đổi được tệp: ")
    assert not asset.derivatives.exists()


def test_progress_is_written_while_ffmpeg_runs(people, video_file, monkeypatch):
    from dantoc.media import processing

    seen: list[int] = []
    original_step = processing._Progress.step

    def spy(self, fraction):
        original_step(self, fraction)
        seen.append(MediaAsset.objects.get(pk=self.asset_id).progress)

    monkeypatch.setattr(processing._Progress, "step", spy)
    asset = asset_upload(
        actor=people.editor,
        file=upload_of(video_file),
        allowed_kinds=[MediaKind.VIDEO],
        process=False,
    )
    asset_process(asset_id=asset.pk)
    assert seen == sorted(seen)
    assert any(0 < p < 100 for p in seen)
    assert MediaAsset.objects.get(pk=asset.pk).progress == 100
