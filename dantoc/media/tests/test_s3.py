"""The S3 path against a real S3-compatible server started by the test (moto's server on a
loopback port): the storage settings built from the same environment variables production
uses, an upload, ffmpeg processing, and the derivative read back through Django's storage
API, through boto3 and through a signed address."""

from __future__ import annotations

import hashlib

import boto3
import pytest
import requests
from django.core.files.storage import default_storage
from moto.server import ThreadedMotoServer

from dantoc.core.env import default_storage_from_env
from dantoc.core.testing import free_port
from dantoc.media.models import MediaKind, MediaState
from dantoc.media.services import asset_process, asset_upload
from dantoc.media.tests.conftest import image_upload, upload_of

BUCKET = "dantoc-media-test"
KEYS = {"aws_access_key_id": "testing-key", "aws_secret_access_key": "testing-secret"}


@pytest.fixture(scope="session")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    client.create_bucket(Bucket=BUCKET)
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3_storage(s3_endpoint, s3_client, settings, monkeypatch, tmp_path):
    """STORAGES["default"] as settings.py builds it with DANTOC_MEDIA_STORAGE=s3."""
    monkeypatch.setenv("DANTOC_MEDIA_STORAGE", "s3")
    monkeypatch.setenv("DANTOC_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("DANTOC_S3_BUCKET", BUCKET)
    monkeypatch.setenv("DANTOC_S3_ACCESS_KEY_ID", KEYS["aws_access_key_id"])
    monkeypatch.setenv("DANTOC_S3_SECRET_ACCESS_KEY", KEYS["aws_secret_access_key"])
    monkeypatch.setenv("DANTOC_S3_REGION", "us-east-1")
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    # Nothing may land on local disk while object storage is configured.
    settings.MEDIA_ROOT = tmp_path / "must-stay-empty"
    return default_storage


def test_s3_storage_is_chosen_from_the_environment(s3_storage, s3_endpoint):
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    chosen = storages["default"]
    assert isinstance(chosen, S3Storage)
    assert (chosen.bucket_name, chosen.endpoint_url) == (BUCKET, s3_endpoint)


def test_audio_is_stored_processed_and_read_back_from_s3(
    people, s3_storage, s3_client, audio_file, tmp_path
):
    content = audio_file.read_bytes()
    asset = asset_upload(
        actor=people.editor,
        file=upload_of(audio_file, "loi-ke.mp3"),
        allowed_kinds=[MediaKind.AUDIO],
        process=False,
    )
    original = s3_client.get_object(Bucket=BUCKET, Key=asset.file.name)["Body"].read()
    assert (
        hashlib.sha256(original).hexdigest() == asset.sha256 == hashlib.sha256(content).hexdigest()
    )

    asset = asset_process(asset_id=asset.pk)
    assert asset.state == MediaState.READY, asset.failure_reason
    opus = asset.derivatives.get(profile="audio-opus-24k")

    with s3_storage.open(opus.file.name, "rb") as handle:
        through_storage = handle.read()
    through_boto = s3_client.get_object(Bucket=BUCKET, Key=opus.file.name)["Body"].read()
    assert through_storage == through_boto
    assert len(through_boto) == opus.bytes
    assert through_boto[:4] == b"OggS"
    # A signed, expiring address works without the keys (what a browser is sent).
    signed = s3_storage.url(opus.file.name)
    assert "Signature" in signed or "X-Amz-Signature" in signed
    assert requests.get(signed, timeout=10).content == through_boto

    keys = {item["Key"] for item in s3_client.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {asset.file.name} | {d.file.name for d in asset.derivatives.all()}
    assert not (tmp_path / "must-stay-empty").exists()


def test_image_derivatives_are_replaced_not_duplicated_on_s3(people, s3_storage, s3_client):
    asset = asset_upload(
        actor=people.editor,
        file=image_upload("anh.png", size=(800, 600)),
        allowed_kinds=[MediaKind.IMAGE],
        process=False,
    )
    asset_process(asset_id=asset.pk)
    asset.__class__.objects.filter(pk=asset.pk).update(state=MediaState.PROCESSING)
    asset = asset_process(asset_id=asset.pk)
    keys = sorted(item["Key"] for item in s3_client.list_objects_v2(Bucket=BUCKET)["Contents"])
    assert len(keys) == 1 + 4
    assert sorted(d.file.name for d in asset.derivatives.all()) == [
        k for k in keys if k != asset.file.name
    ]
