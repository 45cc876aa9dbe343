"""Existing article images become media assets (a copy of the original with its checksum,
waiting for the task worker): run ``manage.py media_process_waiting`` after migrating so
their phone-sized derivatives are made. Reverse: the links and those assets are removed."""

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.db import migrations
from django.utils import timezone

BATCH = 200

_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


def _type_of(content: bytes):
    for magic, found in _TYPES.items():
        if content.startswith(magic):
            return found
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def forwards(apps, schema_editor):
    Article = apps.get_model("portal", "Article")
    MediaAsset = apps.get_model("media", "MediaAsset")
    pending = Article.objects.exclude(image="").filter(image_asset__isnull=True).order_by("pk")
    last = 0
    while True:
        batch = list(pending.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        for article in batch:
            last = article.pk
            try:
                with article.image.open("rb") as handle:
                    content = handle.read()
            except OSError:
                continue  # a missing file stays as it is (the page shows no picture either)
            found = _type_of(content)
            if found is None:
                continue
            mime_type, extension = found
            asset = MediaAsset(
                uuid=uuid.uuid4(),
                original_name=article.image.name.rsplit("/", 1)[-1][:255],
                sha256=hashlib.sha256(content).hexdigest(),
                bytes=len(content),
                kind="image",
                mime_type=mime_type,
                extension=extension,
                state="waiting",
                progress=0,
                owner_unit_id=article.unit_id,
                uploaded_by_id=article.created_by_id,
                created_at=timezone.now(),
            )
            name = f"media/originals/{asset.created_at:%Y/%m}/{asset.uuid}.{extension}"
            asset.file.name = article.image.storage.save(name, ContentFile(content))
            asset.save()
            Article.objects.filter(pk=article.pk).update(image_asset=asset)


def backwards(apps, schema_editor):
    Article = apps.get_model("portal", "Article")
    MediaAsset = apps.get_model("media", "MediaAsset")
    ids = list(
        Article.objects.filter(image_asset__isnull=False).values_list("image_asset_id", flat=True)
    )
    Article.objects.filter(image_asset__isnull=False).update(image_asset=None)
    for start in range(0, len(ids), BATCH):
        for asset in MediaAsset.objects.filter(pk__in=ids[start : start + BATCH]):
            for derivative in asset.derivatives.all():
                derivative.file.storage.delete(derivative.file.name)
            asset.file.storage.delete(asset.file.name)
            asset.delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_article_image_asset")]

    operations = [migrations.RunPython(forwards, backwards)]
