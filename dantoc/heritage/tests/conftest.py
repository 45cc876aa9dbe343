"""A small archive built through the real services for the heritage tests: protocols, items
under them, files processed by the real media pipeline (Pillow; ffmpeg where a test asks)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from dantoc.editorial import services as editorial
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get
from dantoc.heritage import services
from dantoc.heritage.models import HeritageItem, HeritageMedia, Protocol
from dantoc.media.processing import asset_process


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HERITAGE_IIIF_CACHE = tmp_path / "iiif"


def picture(name="anh.png", size=(400, 300), colour=(30, 120, 200)) -> SimpleUploadedFile:
    image = Image.new("RGB", size, colour)
    # A red square at the top left: regions and rotations can be checked by colour.
    for x in range(100):
        for y in range(100):
            image.putpixel((x, y), (220, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue())


def item_data(**changes) -> services.ItemData:
    values = {
        "kind": "festival",
        "title": "Lễ hội Gầu Tào",
        "description": "Lễ hội cầu phúc của người Mông đầu năm mới.",
        "ethnic_groups": [EthnicGroup.objects.get(code="08")],
        "protocols": [Protocol.objects.get(slug="mo")],
        "commune": unit_get(code="00715"),
        "lunar_month": 1,
        "lunar_day": 3,
        "season": "spring",
    }
    values.update(changes)
    return services.ItemData(**values)


def publish(item, people):
    editorial.content_submit_for_review(actor=people.commune, item=item)
    return editorial.content_publish(actor=people.province, item=item)


def add_picture(item, people, *, protocols=None, name="anh.png", process=True) -> HeritageMedia:
    media = services.media_add(
        actor=people.commune, item=item, file=picture(name), caption=name, protocols=protocols
    )
    if process:
        asset_process(asset_id=media.asset_id)
    return media


@dataclass
class Archive:
    open_item: HeritageItem
    open_picture: HeritageMedia
    hidden_picture: HeritageMedia  # community-only file of the open item
    community_item: HeritageItem
    community_picture: HeritageMedia
    all_item: HeritageItem  # sharing "all" over the community and the elders' protocols
    any_item: HeritageItem  # sharing "any" over the same two
    draft_item: HeritageItem
    open_protocol: Protocol
    community: Protocol
    elders: Protocol


@pytest.fixture
def archive(people) -> Archive:
    open_protocol = services.protocol_create(actor=None, slug="mo", name="Mở", kind="open")
    community = services.protocol_create(
        actor=None,
        slug="cong-dong",
        name="Cộng đồng Mông Lũng Cú",
        kind="community",
        notice="Chỉ dùng trong cộng đồng",
        stewards=[people.commune],
    )
    elders = services.protocol_create(
        actor=None, slug="gia-lang", name="Già làng", kind="community", stewards=[people.admin]
    )
    open_item = services.item_create(
        actor=people.commune, unit=people.commune.unit, data=item_data()
    )
    open_picture = add_picture(open_item, people, name="mo.png")
    hidden_picture = add_picture(open_item, people, protocols=[community], name="kin.png")
    publish(open_item, people)
    community_item = services.item_create(
        actor=people.commune,
        unit=people.commune.unit,
        data=item_data(title="Lễ cúng rừng Nào Lồng", kind="ritual", protocols=[community]),
    )
    community_picture = add_picture(community_item, people, name="rung.png")
    publish(community_item, people)
    all_item = services.item_create(
        actor=people.commune,
        unit=people.commune.unit,
        data=item_data(title="Bài cúng của già làng", protocols=[community, elders], sharing="all"),
    )
    publish(all_item, people)
    any_item = services.item_create(
        actor=people.commune,
        unit=people.commune.unit,
        data=item_data(title="Bài hát ru Mông", protocols=[community, elders], sharing="any"),
    )
    publish(any_item, people)
    draft_item = services.item_create(
        actor=people.commune, unit=people.commune.unit, data=item_data(title="Bản nháp khèn")
    )
    return Archive(
        open_item,
        open_picture,
        hidden_picture,
        community_item,
        community_picture,
        all_item,
        any_item,
        draft_item,
        open_protocol,
        community,
        elders,
    )
