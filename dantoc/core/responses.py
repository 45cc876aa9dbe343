"""Responses for large machine-readable answers (analytics tables, exports)."""

from __future__ import annotations

import gzip

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

# From this size a body is compressed by the view, at gzip's fastest level, instead of by
# GZipMiddleware at level 6. A province's commune table (574 KB of JSON): level 6 took
# 16 ms and gave 117 KB, level 1 took 3.5 ms and gives 144 KB. nginx's default is level 1 too.
COMPRESS_FROM_BYTES = 64 * 1024
COMPRESS_LEVEL = 1


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether the client takes a gzip body (``Accept-Encoding: gzip``, not ``gzip;q=0``)."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        name, _sep, params = part.partition(";")
        if name.strip().lower() != "gzip":
            continue
        for param in params.split(";"):
            key, _eq, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def bulk_response(request: HttpRequest, body: bytes, *, content_type: str) -> HttpResponse:
    """``body`` as a response, gzip-compressed here when it is large and the client takes
    gzip (GZipMiddleware leaves a response that has a Content-Encoding alone)."""
    response = HttpResponse(content_type=content_type)
    if len(body) >= COMPRESS_FROM_BYTES and accepts_gzip(request):
        body = gzip.compress(body, compresslevel=COMPRESS_LEVEL, mtime=0)
        response["Content-Encoding"] = "gzip"
    response.content = body
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
