"""Large machine-readable answers are compressed by the view, at gzip's fastest level."""

from __future__ import annotations

import gzip

import pytest
from django.test import RequestFactory

from dantoc.core.responses import COMPRESS_FROM_BYTES, accepts_gzip, bulk_response

BIG = b'{"rows": [' + b'["BENCH_01", "2026Q3", "26734", "1234.5"], ' * 3000 + b"[]]}"


def request_with(accept_encoding: str | None):
    headers = {} if accept_encoding is None else {"HTTP_ACCEPT_ENCODING": accept_encoding}
    return RequestFactory().get("/api/analytics", **headers)


@pytest.mark.parametrize(
    "header, takes",
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip ; q=0.0", False),
        ("deflate, br", False),
        ("x-gzip-not", False),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding_is_read_as_the_client_means_it(header, takes):
    assert accepts_gzip(request_with(header)) is takes


def test_a_large_answer_is_sent_compressed_and_comes_back_whole():
    assert len(BIG) > COMPRESS_FROM_BYTES
    response = bulk_response(request_with("gzip, br"), BIG, content_type="application/json")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < len(BIG) / 5
    assert gzip.decompress(response.content) == BIG


@pytest.mark.parametrize("header", ["identity", "gzip;q=0", None])
def test_a_client_that_does_not_take_gzip_gets_the_plain_body(header):
    response = bulk_response(request_with(header), BIG, content_type="application/json")
    assert not response.has_header("Content-Encoding")
    assert response.content == BIG


def test_a_small_answer_is_left_to_the_middleware():
    # The view leaves it alone; GZipMiddleware decides (and compresses at its own level).
    small = b'{"rows": []}'
    response = bulk_response(request_with("gzip"), small, content_type="application/json")
    assert not response.has_header("Content-Encoding") and response.content == small
