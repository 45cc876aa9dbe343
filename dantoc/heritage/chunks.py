"""Large files (a festival's 500 MB video) sent in pieces, so that no request carries the
whole file on a slow link and none runs into the server's timeout: each piece is one request
(``Content-Range: bytes <first>-<last>/<total>``, at most ``CHUNK_MAX`` bytes) appended to a
staging file on local disk; the last piece hands the whole file to ``services.media_add``
(checked by content and size like any upload), and the task worker makes its derivatives with
the progress shown on the item's page. A piece sent twice (a retry after a lost answer) is
accepted without being written twice; a piece out of order is refused with what was received,
so the browser resumes from there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File

from dantoc.media.services import max_bytes_for

# Below Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which bounds a request's body.
CHUNK_MAX = 2 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)$")
_UPLOAD_ID = re.compile(r"[0-9a-f-]{8,64}$")


class ChunkError(Exception):
    def __init__(self, status: int, message: str, received: int = 0):
        super().__init__(message)
        self.status = status
        self.message = message
        self.received = received


@dataclass(frozen=True)
class Piece:
    first: int
    last: int
    total: int


def staging_path(*, user_id: int, item_uuid, upload_id: str) -> Path:
    folder = Path(getattr(settings, "HERITAGE_UPLOAD_DIR", settings.VAR_DIR / "uploads"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{user_id}-{item_uuid}-{upload_id}.part"


def parse(content_range: str, upload_id: str, body_length: int) -> Piece:
    match = _RANGE.match(content_range or "")
    if not match or not _UPLOAD_ID.match(upload_id or ""):
        raise ChunkError(400, "Content-Range hoặc mã tải lên không hợp lệ.")
    first, last, total = (int(g) for g in match.groups())
    if last < first or last >= total or last - first + 1 != body_length:
        raise ChunkError(400, "Độ dài phần tệp không khớp Content-Range.")
    if body_length > CHUNK_MAX:
        raise ChunkError(413, "Mỗi phần tệp tối đa 2 MB.")
    limit = max_bytes_for(["image", "audio", "video", "document"])
    if total > limit:
        raise ChunkError(413, f"Tệp vượt quá dung lượng cho phép {limit // (1024 * 1024)} MB.")
    return Piece(first, last, total)


def receive(path: Path, piece: Piece, body: bytes) -> bool:
    """Append ``body``; True when the file is complete."""
    size = path.stat().st_size if path.exists() else 0
    if piece.first < size:
        if piece.last + 1 > size:
            raise ChunkError(409, "Phần tệp chồng lên phần đã nhận.", size)
        return size == piece.total  # a repeated piece: already written
    if piece.first > size:
        raise ChunkError(409, "Thiếu phần trước: gửi tiếp từ byte đã nhận.", size)
    with path.open("ab") as out:
        out.write(body)
    return piece.last + 1 == piece.total


def as_upload(path: Path, name: str) -> File:
    handle = path.open("rb")
    upload = File(handle, name=Path(name).name[:200] or "video")
    return upload


def checked_name(name: str) -> str:
    cleaned = Path(name or "").name.strip()
    if not cleaned:
        raise ValidationError("Thiếu tên tệp.")
    return cleaned
