"""Streaming a stored file to the browser, from local disk or object storage alike."""

from __future__ import annotations

from django.http import FileResponse, Http404


def stored_file_response(file, *, mime_type: str, public: bool, max_age: int = 3600):
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=mime_type)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # A derivative never changes under its address (a re-run replaces it with the same content).
    response["Cache-Control"] = f"public, max-age={max_age}" if public else "private, max-age=300"
    return response
