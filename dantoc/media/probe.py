"""What a file is, read from its content: magic bytes for documents, Pillow for images,
ffprobe for audio and video. The file's name is never consulted.

ffmpeg and ffprobe run with no standard input, only the ``file`` and ``pipe`` protocols (a
crafted playlist cannot make them fetch an address) and a time limit.
"""

from __future__ import annotations

import json
import subprocess
import threading
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from dantoc.media.models import MediaKind

PROTOCOLS = ["-protocol_whitelist", "file,pipe"]


class ProbeError(Exception):
    """The file is not one the platform accepts, or could not be read (message for people)."""


class BombError(ProbeError):
    pass


@dataclass(frozen=True)
class Detected:
    kind: str
    mime_type: str
    extension: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    has_audio: bool = False


_IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}

# ffprobe's format names (its first name for a family) accepted as audio or video containers.
_AV_FORMATS = {
    "mp3": ("audio/mpeg", "mp3", "audio/mpeg", "mp3"),
    "ogg": ("audio/ogg", "ogg", "video/ogg", "ogv"),
    "wav": ("audio/wav", "wav", None, None),
    "flac": ("audio/flac", "flac", None, None),
    "aac": ("audio/aac", "aac", None, None),
    "mov": ("audio/mp4", "m4a", "video/mp4", "mp4"),
    "matroska": ("audio/webm", "weba", "video/webm", "webm"),
    "avi": (None, None, "video/x-msvideo", "avi"),
    "mpeg": (None, None, "video/mpeg", "mpg"),
    "3gp": ("audio/3gpp", "3gp", "video/3gpp", "3gp"),
}
# Formats ffprobe reports for stills and text; such a file is not audio or video.
_STILL_CODECS = {"png", "mjpeg", "webp", "gif", "bmp", "tiff", "ansi", "text"}


def _run(args: list[str], *, timeout: int) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            args, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise ProbeError(
            _("Máy chủ chưa cài ffmpeg (scripts/ensure-system-packages.sh cài nó).")
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ProbeError(_("Đọc tệp quá %(n)s giây, đã dừng.") % {"n": timeout}) from exc


def ffprobe(path: Path) -> dict:
    """ffprobe's JSON description of ``path`` (its format and streams)."""
    result = _run(
        [
            "ffprobe",
            "-v",
            "error",
            *PROTOCOLS,
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            f"file:{path}",
        ],
        timeout=60,
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ProbeError(detail[-1] if detail else _("ffprobe không đọc được tệp."))
    return json.loads(result.stdout or b"{}")


def _duration_ms(info: dict) -> int | None:
    raw = info.get("format", {}).get("duration")
    try:
        return round(float(raw) * 1000) if raw not in (None, "N/A") else None
    except ValueError:
        return None


def _document(path: Path, head: bytes) -> Detected | None:
    if head.startswith(b"%PDF-"):
        return Detected(MediaKind.DOCUMENT, "application/pdf", "pdf")
    if head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype":
        # EPUB (OCF): an uncompressed "mimetype" entry first, holding the media type.
        if b"application/epub+zip" in head[38:80]:
            try:
                with zipfile.ZipFile(path) as package:
                    valid = "META-INF/container.xml" in package.namelist()
            except (zipfile.BadZipFile, OSError, ValueError):
                return None
            if valid:
                return Detected(MediaKind.DOCUMENT, "application/epub+zip", "epub")
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as package:
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return Detected(
                    MediaKind.DOCUMENT,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "docx",
                )
            if "xl/workbook.xml" in names:
                return Detected(
                    MediaKind.DOCUMENT,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                )
    return None


def _image(path: Path, head: bytes) -> Detected | None:
    is_image = (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[:6] in (b"GIF87a", b"GIF89a")
    )
    if not is_image:
        return None
    limit = settings.MEDIA_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Opening reads the header only; the size is checked before any pixel is decoded.
            with Image.open(path) as image:
                width, height = image.size
                image_format = image.format
                if width * height > limit:
                    raise BombError(_bomb_message(width, height, limit))
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BombError(_bomb_message(None, None, limit)) from exc
    except BombError:
        raise
    except Exception as exc:  # Pillow raises many kinds for a damaged file
        raise ProbeError(_("Ảnh bị hỏng, không đọc được.")) from exc
    if image_format not in _IMAGE_FORMATS:
        return None
    mime_type, extension = _IMAGE_FORMATS[image_format]
    return Detected(MediaKind.IMAGE, mime_type, extension, width=width, height=height)


def _bomb_message(width: int | None, height: int | None, limit: int) -> str:
    if width:
        return _(
            "Ảnh quá lớn (%(width)s × %(height)s điểm ảnh): tối đa %(limit)s triệu điểm ảnh. "
            "Hãy thu nhỏ ảnh rồi tải lên lại."
        ) % {"width": width, "height": height, "limit": limit // 1_000_000}
    return _("Ảnh quá lớn: tối đa %(limit)s triệu điểm ảnh. Hãy thu nhỏ ảnh rồi tải lên lại.") % {
        "limit": limit // 1_000_000
    }


def _audio_video(path: Path) -> Detected | None:
    try:
        info = ffprobe(path)
    except ProbeError:
        return None
    format_name = (info.get("format", {}).get("format_name") or "").split(",")[0]
    if format_name not in _AV_FORMATS:
        return None
    streams = info.get("streams", [])
    video = [
        s
        for s in streams
        if s.get("codec_type") == "video"
        and s.get("codec_name") not in _STILL_CODECS
        and not s.get("disposition", {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    audio_mime, audio_ext, video_mime, video_ext = _AV_FORMATS[format_name]
    duration = _duration_ms(info)
    if video and video_mime:
        width, height = video[0].get("width"), video[0].get("height")
        rotation = _rotation(video[0])
        if rotation in (90, 270) and width and height:
            width, height = height, width
        return Detected(
            MediaKind.VIDEO,
            video_mime,
            video_ext,
            width=width,
            height=height,
            duration_ms=duration,
            has_audio=bool(audio),
        )
    if audio and audio_mime:
        return Detected(
            MediaKind.AUDIO, audio_mime, audio_ext, duration_ms=duration, has_audio=True
        )
    return None


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return abs(int(side["rotation"])) % 360
    try:
        return abs(int(stream.get("tags", {}).get("rotate", 0))) % 360
    except ValueError:
        return 0


def detect(path: Path) -> Detected | None:
    """What the file at ``path`` is, or None when it is none of the accepted kinds."""
    with path.open("rb") as handle:
        head = handle.read(80)
    return _document(path, head) or _image(path, head) or _audio_video(path)


def run_ffmpeg(
    args: list[str],
    *,
    duration_ms: int | None,
    on_progress: Callable[[float], None] | None = None,
    timeout: int | None = None,
) -> None:
    """Run ffmpeg with ``args`` (inputs and outputs), reporting the fraction done from its
    ``-progress`` output. Raises ProbeError with ffmpeg's last error line on failure."""
    timeout = timeout or settings.MEDIA_FFMPEG_TIMEOUT
    command = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-xerror",
        "-y",
        "-progress",
        "pipe:1",
        "-nostats",
        *PROTOCOLS,
        *args,
    ]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise ProbeError(_("Máy chủ chưa cài ffmpeg.")) from exc
    timed_out = threading.Event()

    def _kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, _kill)
    timer.start()
    errors: list[bytes] = []
    # stderr is read on its own thread so that a chatty error stream cannot fill its pipe and
    # stall ffmpeg while progress lines are read here.
    reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
    reader.start()
    try:
        for raw in process.stdout:
            key, _sep, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and on_progress and duration_ms:
                try:
                    done = int(value) / 1000 / duration_ms
                except ValueError:
                    continue
                on_progress(max(0.0, min(done, 1.0)))
        process.wait()
    finally:
        timer.cancel()
        reader.join(timeout=5)
    if timed_out.is_set():
        raise ProbeError(_("Chuyển đổi quá %(n)s giây, đã dừng.") % {"n": timeout})
    if process.returncode != 0:
        lines = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
        raise ProbeError(
            lines[-1][:300]
            if lines
            else _("ffmpeg dừng với mã %(code)s.") % {"code": process.returncode}
        )
