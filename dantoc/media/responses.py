"""Streaming a stored file to the browser, from local disk or object storage alike.

Given the request, the response answers HTTP Range requests (RFC 9110 §14): a PDF viewer
reads a large document page by page and a phone's audio player seeks, without downloading
the whole file. One range is served (206 with Content-Range); several ranges, which no
client of ours asks for, get the whole file (200), as the RFC allows; a range beyond the
end gets 416. Every answer says ``Accept-Ranges: bytes``.
"""

from __future__ import annotations

import re

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from dantoc.media.selectors import derivatives_by_profile

_CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _headers(response, *, public: bool, max_age: int) -> None:
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # A derivative never changes under its address (a re-run replaces it with the same content).
    response["Cache-Control"] = f"public, max-age={max_age}" if public else "private, max-age=300"
    response["Accept-Ranges"] = "bytes"


def requested_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a single ``Range`` header within ``size``; None when the header
    is absent, malformed or asks several ranges (the whole file is sent); False when the
    range cannot be satisfied."""
    match = _RANGE.match((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _slice(handle, start: int, end: int):
    try:
        handle.seek(start)
        remaining = end - start + 1
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def stored_file_response(
    file,
    *,
    mime_type: str,
    public: bool,
    max_age: int = 3600,
    request=None,
    filename: str | None = None,
    as_attachment: bool = False,
):
    try:
        handle = file.open("rb")
        size = file.size
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    wanted = requested_range(request.headers.get("Range", ""), size) if request else None
    if request is not None and request.headers.get("If-Range"):
        wanted = None  # we send no validators, so a conditional range gets the whole file
    if wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        _headers(response, public=public, max_age=max_age)
        return response
    if wanted:
        start, end = wanted
        response = StreamingHttpResponse(
            _slice(handle, start, end), status=206, content_type=mime_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(
            handle, content_type=mime_type, as_attachment=as_attachment, filename=filename or ""
        )
    _headers(response, public=public, max_age=max_age)
    return response


ORIGINAL = "goc"  # the profile name of the uploaded file itself, in addresses


def asset_profile_response(
    asset, profile: str, *, public: bool, request=None, filename: str | None = None
):
    """The uploaded file (``profile`` ``goc``) or one of its derivatives, for any app's view
    that has already checked who may see the asset; 404 for a profile the asset lacks."""
    if profile == ORIGINAL:
        return stored_file_response(
            asset.file,
            mime_type=asset.mime_type,
            public=public,
            request=request,
            filename=filename,
        )
    derivative = derivatives_by_profile(asset).get(profile)
    if derivative is None:
        raise Http404
    return stored_file_response(
        derivative.file, mime_type=derivative.mime_type, public=public, request=request
    )
