"""Demo data of the heritage archive: protocols (one open, one for a H'Mông community of Lũng
Cú), items with pictures drawn here with Pillow and a recording and a short video made here by
ffmpeg's generators (nothing is downloaded), published through the real workflow (a commune
officer writes, the province officer publishes), and the provinces' digitisation plans.
Idempotent: an item already there (same title and unit) is left alone."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.accounts.models import User
from dantoc.accounts.services import user_create
from dantoc.editorial import services as editorial
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get
from dantoc.heritage import services
from dantoc.heritage.models import (
    HeritageItem,
    HeritageMedia,
    ItemKind,
    Membership,
    Protocol,
    Season,
)
from dantoc.media.processing import asset_process


def _picture(title: str, colours: tuple, size=(1600, 1200)) -> SimpleUploadedFile:
    """A drawn picture: hills, a sun, dancers as coloured shapes (big enough to zoom)."""
    width, height = size
    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)
    for i in range(5):
        top = height // 2 + i * 40
        draw.polygon(
            [(0, height), (width * (i + 1) // 6, top - 120), (width, height)],
            fill=colours[1 + i % 2],
        )
    draw.ellipse((width - 360, 80, width - 160, 280), fill=(250, 200, 60))
    for n in range(12):
        x = 120 + n * 115
        draw.ellipse((x, 700, x + 50, 750), fill=(60, 30, 20))
        draw.polygon([(x + 25, 750), (x - 20, 900), (x + 70, 900)], fill=colours[3 + n % 2])
    for x in range(0, width, 100):
        draw.line((x, 0, x, 20), fill=(0, 0, 0), width=2)
    draw.text((40, 40), title, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return SimpleUploadedFile(f"{title}.jpg", buffer.getvalue())


def _ffmpeg(args: list[str], suffix: str) -> SimpleUploadedFile | None:
    if not shutil.which("ffmpeg"):
        return None
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"demo{suffix}"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(target)],
            check=True,
            timeout=120,
        )
        return SimpleUploadedFile(target.name, target.read_bytes())


def _song() -> SimpleUploadedFile | None:
    # A khèn-like tune: two sine tones, 8 seconds.
    return _ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=392:duration=8",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=587:duration=8",
            "-filter_complex",
            "amix=inputs=2",
            "-c:a",
            "libmp3lame",
            "-b:a",
            "64k",
        ],
        ".mp3",
    )


def _video() -> SimpleUploadedFile | None:
    return _ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=15:duration=6",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=6",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
        ".mp4",
    )


ITEMS = [
    {
        "title": "Lễ hội Gầu Tào của người Mông Lũng Cú",
        "kind": ItemKind.FESTIVAL,
        "groups": ["08"],
        "commune": "00715",
        "season": Season.SPRING,
        "lunar_month": 1,
        "lunar_day": 3,
        "protocol": "mo",
        "community": "Cộng đồng người Mông xã Lũng Cú",
        "description": (
            "Gầu Tào là lễ hội cầu phúc, cầu mệnh của người Mông, tổ chức vào những ngày đầu "
            "năm mới âm lịch trên một bãi đất rộng, có cây nêu ở giữa. Trai gái thổi khèn, "
            "ném pa pao, hát giao duyên."
        ),
        "media": ["picture", "song", "video"],
        "performers": "Giàng Seo Chứ",
    },
    {
        "title": "Lễ cúng rừng (Nào Lồng) của người Mông",
        "kind": ItemKind.RITUAL,
        "groups": ["08"],
        "commune": "00715",
        "season": Season.SPRING,
        "lunar_month": 2,
        "protocol": "cong-dong-mong-lung-cu",
        "community": "Cộng đồng người Mông xã Lũng Cú",
        "description": (
            "Nghi lễ của dòng họ và bản, do thầy cúng chủ trì trong rừng cấm. Theo ý kiến của "
            "cộng đồng, hình ảnh và lời cúng chỉ dành cho người trong cộng đồng."
        ),
        "media": ["picture", "song"],
    },
    {
        "title": "Hát Then của người Tày",
        "kind": ItemKind.SONG,
        "groups": ["02"],
        "commune": "00700",
        "season": Season.ALL_YEAR,
        "protocol": "mo",
        "community": "Nghệ nhân Then xã Ngọc Đường",
        "description": "Then là hình thức hát thờ, kể chuyện và cầu chúc, có đàn tính đệm.",
        "media": ["picture", "song"],
    },
    {
        "title": "Khèn Mông",
        "kind": ItemKind.INSTRUMENT,
        "groups": ["08"],
        "commune": "00715",
        "season": Season.ALL_YEAR,
        "protocol": "mo",
        "community": "Cộng đồng người Mông xã Lũng Cú",
        "description": "Nhạc cụ hơi gồm sáu ống trúc, dùng trong lễ hội, đám cưới và tang lễ.",
        "media": ["picture"],
    },
]

PALETTES = [
    ((120, 170, 220), (40, 110, 60), (70, 140, 70), (180, 30, 60), (30, 40, 140)),
    ((60, 60, 90), (20, 70, 40), (30, 90, 50), (120, 20, 20), (200, 160, 40)),
    ((230, 200, 150), (100, 130, 60), (130, 160, 70), (40, 60, 150), (20, 20, 20)),
    ((200, 220, 240), (90, 140, 90), (110, 160, 100), (160, 40, 120), (40, 40, 40)),
]

PLANS = [
    ("08", "08", "Lễ hội Gầu Tào", ItemKind.FESTIVAL, 2025),
    ("08", "08", "Lễ cúng rừng (Nào Lồng)", ItemKind.RITUAL, 2025),
    ("08", "08", "Lễ cấp sắc", ItemKind.RITUAL, 2026),
    ("08", "02", "Lễ hội Lồng Tồng", ItemKind.FESTIVAL, 2025),
    ("08", "02", "Hát Then", ItemKind.SONG, 2026),
    ("15", "09", "Lễ cấp sắc của người Dao", ItemKind.RITUAL, 2026),
    ("15", "08", "Chợ phiên Bắc Hà", ItemKind.CUSTOM, 2025),
]


def _protocols(steward: User) -> dict[str, Protocol]:
    found = {p.slug: p for p in Protocol.objects.filter(slug__in=["mo", "cong-dong-mong-lung-cu"])}
    if "mo" not in found:
        found["mo"] = services.protocol_create(
            actor=None,
            slug="mo",
            name="Mở cho mọi người",
            kind="open",
            notice="Ghi công cộng đồng khi sử dụng",
        )
    if "cong-dong-mong-lung-cu" not in found:
        found["cong-dong-mong-lung-cu"] = services.protocol_create(
            actor=None,
            slug="cong-dong-mong-lung-cu",
            name="Cộng đồng người Mông Lũng Cú",
            kind="community",
            community="Người Mông xã Lũng Cú",
            notice="Chỉ dùng trong cộng đồng",
            ethnic_group=EthnicGroup.objects.get(code="08"),
            stewards=[steward],
        )
    return found


COMMUNITY_MEMBER = ("congdong.lungcu", "Giàng Thị Dợ", "Nghệ nhân hát dân ca Mông, thôn Lô Lô Chải")


def _community_member(protocol: Protocol, steward: User) -> User:
    """A community member with an account: records the community's customs, is a member of
    its protocol (sees its community-only items), publishes nothing herself."""
    username, full_name, position = COMMUNITY_MEMBER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            actor=None, username=username, password=DEMO_PASSWORD, unit=unit_get(code="00715"),
            roles=["heritage_contributor"], full_name=full_name, position=position,
            check_password=False,
        )  # fmt: skip
    if not Membership.objects.filter(protocol=protocol, user=user).exists():
        services.member_add(actor=steward, protocol=protocol, user=user)
    return user


def demo_load() -> dict:
    writer = User.objects.get(username="xa.lungcu")
    other_writer = User.objects.get(username="xa.ngocduong")
    publisher = User.objects.get(username="tinh.tuyenquang")
    protocols = _protocols(writer)
    made = 0
    for index, spec in enumerate(ITEMS):
        author = other_writer if spec["commune"] == "00700" else writer
        if HeritageItem.objects.filter(title=spec["title"], unit=author.unit).exists():
            continue
        item = services.item_create(
            actor=author,
            unit=author.unit,
            data=services.ItemData(
                kind=spec["kind"],
                title=spec["title"],
                description=spec["description"],
                ethnic_groups=list(EthnicGroup.objects.filter(code__in=spec["groups"])),
                protocols=[protocols[spec["protocol"]]],
                commune=unit_get(code=spec["commune"]),
                season=spec["season"],
                lunar_month=spec.get("lunar_month"),
                lunar_day=spec.get("lunar_day"),
                community=spec["community"],
                creator="Phòng Văn hoá - Xã hội",
                performers=spec.get("performers", ""),
                performers_consent=bool(spec.get("performers")),
                rights="© Cộng đồng và UBND xã",
            ),
        )
        for kind in spec["media"]:
            if kind == "picture":
                upload = _picture(spec["title"], PALETTES[index])
            else:
                upload = _song() if kind == "song" else _video()
            if upload is None:
                continue
            media = services.media_add(
                actor=author, item=item, file=upload, caption=f"{spec['title']} ({kind})"
            )
            asset_process(asset_id=media.asset_id)
        editorial.content_submit_for_review(actor=author, item=item)
        editorial.content_publish(actor=publisher, item=item)
        made += 1
    planned = 0
    for province, group, name, kind, year in PLANS:
        item = HeritageItem.objects.filter(title__startswith=name.split(" (")[0]).first()
        services.inventory_entry_upsert(
            actor=None,
            province=unit_get(code=province),
            ethnic_group=EthnicGroup.objects.get(code=group),
            name=name,
            kind=kind,
            target_year=year,
            item=item,
        )
        planned += 1
    member = _community_member(protocols["cong-dong-mong-lung-cu"], writer)
    if not HeritageItem.objects.filter(created_by=member).exists():
        # Her first record, a draft waiting to be sent for review.
        services.item_create(
            actor=member, unit=member.unit,
            data=services.ItemData(
                kind="song", title="Hát gọi bạn (bản ghi của nghệ nhân, bản nháp)",
                description="Lời hát gọi bạn của người Mông Lô Lô Chải, ghi lại ngày hội chợ "
                "phiên; nghệ nhân tự ghi, chờ gửi duyệt.",
                ethnic_groups=list(EthnicGroup.objects.filter(code="08")),
                protocols=[protocols["cong-dong-mong-lung-cu"]],
                commune=unit_get(code="00715"), community="Người Mông thôn Lô Lô Chải",
                creator=member.full_name,
            ),
        )  # fmt: skip
    return {"items": made, "media": HeritageMedia.objects.count(), "planned": planned}
