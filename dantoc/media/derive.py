"""The derivatives made from an original, as files in a working folder. ``services`` stores
them; nothing here touches the database or the storage.

Sizes are for cheap phones on 3G: images 360 and 720 px wide (WebP, and JPEG for browsers
without WebP), audio as mono Opus at 24 kbit/s (and AAC at 32 kbit/s for Safari), video as
H.264 baseline 240p and 360p with a poster frame. Nothing is enlarged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from dantoc.media.models import MediaKind
from dantoc.media.probe import ProbeError, ffprobe, run_ffmpeg

IMAGE_WIDTHS = (360, 720)
VIDEO_HEIGHTS = (240, 360)


@dataclass(frozen=True)
class Made:
    profile: str
    path: Path
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class Step:
    """One derivative to make; ``make`` writes it into the folder and says what it made."""

    profile: str
    make: Callable[[Path, Path, Callable[[float], None]], Made]


def _image_steps(width: int) -> list[Step]:
    steps = []
    targets = [w for w in IMAGE_WIDTHS if w <= width] or [IMAGE_WIDTHS[0]]
    for target in targets:
        for fmt in ("webp", "jpg"):
            profile = f"image-{target}.{fmt}"
            steps.append(Step(profile, _image_maker(profile, target, fmt)))
    return steps


def _image_maker(profile: str, target: int, fmt: str):
    def make(original: Path, folder: Path, progress) -> Made:
        try:
            with Image.open(original) as source:
                source.seek(0)  # the first frame of an animated GIF or WebP
                # Phone photos are stored sideways with an orientation tag: turn the pixels.
                image = ImageOps.exif_transpose(source)
                image.load()
        except Exception as exc:
            raise ProbeError(_("Ảnh bị hỏng, không đọc được.")) from exc
        if image.width > target:
            height = max(1, round(image.height * target / image.width))
            image = image.resize((target, height), Image.Resampling.LANCZOS)
        out = folder / profile
        # Derivatives carry no metadata: EXIF may hold where and when a photo was taken.
        if fmt == "webp":
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            image.save(out, "WEBP", quality=75, method=4)
            mime = "image/webp"
        else:
            if image.mode != "RGB":
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                image = flat
            image.save(out, "JPEG", quality=78, optimize=True, progressive=True)
            mime = "image/jpeg"
        return Made(profile, out, mime, width=image.width, height=image.height)

    return make


def _audio_steps() -> list[Step]:
    return [
        Step(
            "audio-opus-24k",
            _av_maker(
                "audio-opus-24k",
                "audio/ogg; codecs=opus",
                ["-vn", "-ac", "1", "-c:a", "libopus", "-b:a", "24k", "-f", "ogg"],
            ),
        ),
        Step(
            "audio-aac-32k",
            _av_maker(
                "audio-aac-32k",
                "audio/mp4",
                [
                    "-vn",
                    "-ac",
                    "1",
                    "-c:a",
                    "aac",
                    "-b:a",
                    "32k",
                    "-movflags",
                    "+faststart",
                    "-f",
                    "mp4",
                ],
            ),
        ),
    ]


def _video_steps(height: int, has_audio: bool) -> list[Step]:
    targets = [h for h in VIDEO_HEIGHTS if h <= height] or [VIDEO_HEIGHTS[0]]
    steps = []
    for target in targets:
        profile = f"video-{target}p.mp4"
        audio = ["-c:a", "aac", "-b:a", "48k", "-ac", "1"] if has_audio else ["-an"]
        steps.append(
            Step(
                profile,
                _av_maker(
                    profile,
                    "video/mp4",
                    [
                        "-map",
                        "0:v:0",
                        *(["-map", "0:a:0"] if has_audio else []),
                        # Even width, height no larger than the source's.
                        "-vf",
                        f"scale=-2:'min({target},ih)':flags=bicubic,format=yuv420p",
                        "-c:v",
                        "libx264",
                        "-preset",
                        "veryfast",
                        "-profile:v",
                        "baseline",
                        "-crf",
                        "30",
                        "-maxrate",
                        "300k" if target <= 240 else "500k",
                        "-bufsize",
                        "1000k",
                        *audio,
                        "-movflags",
                        "+faststart",
                        "-f",
                        "mp4",
                    ],
                ),
            )
        )
    steps.append(Step("poster.jpg", _poster))
    return steps


def _av_maker(profile: str, mime_type: str, output_args: list[str]):
    def make(original: Path, folder: Path, progress) -> Made:
        out = folder / profile
        info = ffprobe(original)
        duration = _duration_ms(info)
        run_ffmpeg(
            ["-i", f"file:{original}", *output_args, f"file:{out}"],
            duration_ms=duration,
            on_progress=progress,
        )
        return _described(profile, out, mime_type)

    return make


def _poster(original: Path, folder: Path, progress) -> Made:
    out = folder / "poster.jpg"
    duration = _duration_ms(ffprobe(original)) or 0
    # A frame a little way in: the very first is often black.
    at = min(1.0, duration / 2000)
    run_ffmpeg(
        [
            "-ss",
            f"{at:.3f}",
            "-i",
            f"file:{original}",
            "-frames:v",
            "1",
            "-vf",
            "scale=-2:'min(360,ih)'",
            "-q:v",
            "4",
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            f"file:{out}",
        ],
        duration_ms=None,
    )
    if not out.exists() or out.stat().st_size == 0:
        raise ProbeError(_("Không lấy được khung hình làm ảnh bìa."))
    with Image.open(out) as image:
        return Made("poster.jpg", out, "image/jpeg", width=image.width, height=image.height)


def _duration_ms(info: dict) -> int | None:
    raw = info.get("format", {}).get("duration")
    try:
        return round(float(raw) * 1000) if raw not in (None, "N/A") else None
    except ValueError:
        return None


def _described(profile: str, path: Path, mime_type: str) -> Made:
    """What ffprobe says the output is: its real duration and picture size are recorded."""
    info = ffprobe(path)
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    return Made(
        profile,
        path,
        mime_type,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        duration_ms=_duration_ms(info),
    )


def steps_for(
    kind: str, *, width: int | None, height: int | None, has_audio: bool = True
) -> list[Step]:
    if kind == MediaKind.IMAGE:
        return _image_steps(width or IMAGE_WIDTHS[0])
    if kind == MediaKind.AUDIO:
        return _audio_steps()
    if kind == MediaKind.VIDEO:
        return _video_steps(height or VIDEO_HEIGHTS[0], has_audio)
    return []
