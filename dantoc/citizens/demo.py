"""Demo citizen information (loader ``citizens.demo``): policies explained, health, education,
disaster and security items, with translations in H'Mông and Ê Đê and recordings, written by
one demo editor and published (translations and recordings approved) by another (the
editorial workflow's four eyes), so the citizen pages can be tried after ``make run``.

The policy facts are simplified from the documents named on each item (Decision 1719/QĐ-TTg,
Project 1: housing support; Decree 116/2016/NĐ-CP: boarding pupils' meals; Decree
146/2018/NĐ-CP, art. 3: health insurance paid by the State); they illustrate the pages and are
not legal advice.

The ethnic-language texts are DEMO TRANSLATIONS AWAITING A NATIVE REVIEWER (``DEMO_REVIEW``):
the H'Mông ones (White Hmong, RPA spelling) are short plain sentences saying no more than the
Vietnamese; the Ê Đê ones are titles only, the rest of those items falls back to Vietnamese
(the page says so). Real translations come from community translators through the editor's
page. The demo recordings are tones made here with ffmpeg's sine generator (nothing is
downloaded): they stand in for a reader's voice so the player, the transcoding and the
listen counts can be tried; their transcripts are the texts a reader would record.
"""

from __future__ import annotations

import datetime
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from dantoc.accounts.models import User
from dantoc.citizens import market, ocop, services
from dantoc.citizens.models import (
    CitizenItem,
    ItemAudio,
    MarketPrice,
    MarketProduct,
    OcopProduct,
    Topic,
)
from dantoc.editorial import services as editorial
from dantoc.editorial.models import TranslationStatus
from dantoc.geo.selectors import today, unit_get
from dantoc.media.processing import asset_process
from dantoc.portal.models import LegalDocument

# What the demo data says of its ethnic-language texts: not yet read by a native speaker.
DEMO_REVIEW = "demo translation awaiting a native reviewer"
# The placeholder the first demo data put in the translations' summaries (replaced on load).
OLD_PLACEHOLDER = "(Bản dịch mẫu để thử trang"

ITEMS = [
    {
        "topic": Topic.POLICY,
        "title": "Hỗ trợ làm nhà, sửa nhà cho hộ nghèo",
        "summary": "Hộ nghèo đồng bào dân tộc thiểu số chưa có nhà ở vững chắc được Nhà nước "
        "hỗ trợ tiền để làm nhà mới hoặc sửa nhà.",
        "for_whom": "Hộ nghèo, hộ cận nghèo đồng bào dân tộc thiểu số\n"
        "Nhà đang ở tạm bợ, dột nát, hoặc chưa có nhà",
        "benefits": "Làm nhà mới: khoảng 40 triệu đồng một hộ\n"
        "Sửa nhà: khoảng 20 triệu đồng một hộ\n"
        "Được vay thêm vốn ưu đãi ở Ngân hàng Chính sách xã hội",
        "how_to_apply": "Báo với trưởng thôn để có tên trong danh sách\n"
        "Thôn họp bình xét, xã kiểm tra và gửi lên tỉnh\n"
        "Khi được duyệt, cán bộ xã hướng dẫn nhận tiền và làm nhà",
        "where_to_apply": "Trưởng thôn, bản; Uỷ ban nhân dân xã",
        "contact": "Cán bộ dân tộc hoặc cán bộ lao động - thương binh và xã hội của xã",
        "document": "1719/QĐ-TTg",
        "regions": [],
        "dbkk": False,
        "translations": {
            "hmn": {
                "title": "Kev pab ua tsev rau tsev neeg txom nyem",
                "summary": "Tsev neeg txom nyem uas tseem tsis tau muaj tsev ruaj khov yuav tau "
                "nyiaj pab ua tsev tshiab los yog kho tsev.",
                "for_whom": "Tsev neeg txom nyem thiab tsev neeg yuav luag txom nyem",
                "how_to_apply": "Qhia rau tus thawj zos kom muaj koj lub npe hauv daim ntawv",
            },
            "rad": {"title": "Klei đru mdơ̆ng sang kơ sang ƀun ƀin"},
        },
    },
    {
        "topic": Topic.POLICY,
        "title": "Tiền ăn và gạo cho học sinh ở bán trú",
        "summary": "Học sinh nhà xa trường ở xã khu vực III hoặc thôn đặc biệt khó khăn được "
        "hỗ trợ tiền ăn hằng tháng và gạo để ở lại trường.",
        "for_whom": "Học sinh tiểu học, trung học cơ sở nhà ở xã khu vực III, thôn đặc biệt khó "
        "khăn\nNhà xa trường, phải ở lại trường hoặc gần trường để đi học",
        "benefits": "Tiền ăn mỗi tháng (bằng 40% mức lương cơ sở)\n15 kg gạo mỗi tháng\n"
        "Trường có thể được hỗ trợ thêm để nấu ăn cho học sinh",
        "how_to_apply": "Đầu năm học, cha mẹ viết đơn theo mẫu của nhà trường\n"
        "Nộp đơn cho giáo viên chủ nhiệm",
        "where_to_apply": "Trường học nơi con đang học",
        "contact": "Giáo viên chủ nhiệm, hiệu trưởng nhà trường",
        "document": None,
        "regions": ["III"],
        "dbkk": True,
        "translations": {
            "hmn": {
                "title": "Nyiaj noj mov thiab mov rau menyuam kawm ntawv nyob tsev kawm",
                "summary": "Menyuam kawm ntawv uas lub tsev nyob deb tsev kawm ntawv yuav tau "
                "nyiaj noj mov txhua lub hli thiab 15 kilos txhuv.",
                "where_to_apply": "Lub tsev kawm ntawv uas menyuam kawm",
            },
        },
    },
    {
        "topic": Topic.POLICY,
        "title": "Thẻ bảo hiểm y tế không mất tiền",
        "summary": "Người đang sống ở xã khu vực III hoặc thôn đặc biệt khó khăn được Nhà nước "
        "đóng tiền thẻ bảo hiểm y tế.",
        "for_whom": "Người dân tộc thiểu số đang sống ở vùng khó khăn\n"
        "Mọi người đang sống ở xã khu vực III, thôn đặc biệt khó khăn",
        "benefits": "Thẻ bảo hiểm y tế không phải đóng tiền\n"
        "Khám, chữa bệnh đúng tuyến được quỹ bảo hiểm trả tiền",
        "how_to_apply": "Xã lập danh sách, không cần làm đơn\n"
        "Nếu chưa có thẻ, mang sổ hộ khẩu hoặc căn cước đến Uỷ ban nhân dân xã để hỏi",
        "where_to_apply": "Uỷ ban nhân dân xã; trạm y tế xã",
        "contact": "Trạm y tế xã; bảo hiểm xã hội khu vực",
        "document": None,
        "regions": ["III"],
        "dbkk": True,
        "translations": {
            "hmn": {
                "title": "Daim npav pov hwm kev kho mob tsis them nyiaj",
                "summary": "Neeg nyob hauv cov zos txom nyem heev tau daim npav pov hwm kev kho "
                "mob dawb, tsis tas them nyiaj.",
                "for_whom": "Neeg nyob hauv zos txom nyem",
            },
            "rad": {"title": "Hră pioh hgŭm klei ƀuh ruă amâo mă prăk"},
        },
    },
    {
        "topic": Topic.HEALTH,
        "title": "Tiêm chủng đủ mũi cho trẻ nhỏ",
        "summary": "Trẻ em được tiêm miễn phí các mũi vắc xin trong Chương trình tiêm chủng mở "
        "rộng tại trạm y tế xã. Tiêm đủ mũi để con không mắc bệnh nặng.",
        "for_whom": "Trẻ em dưới 5 tuổi\nPhụ nữ có thai (tiêm phòng uốn ván)",
        "benefits": "Vắc xin không mất tiền\nCon được phòng lao, bạch hầu, ho gà, uốn ván, bại "
        "liệt, sởi và các bệnh khác",
        "how_to_apply": "Mang con và sổ tiêm chủng đến trạm y tế đúng ngày hẹn\n"
        "Lỡ hẹn thì đến trạm y tế để tiêm bù",
        "where_to_apply": "Trạm y tế xã",
        "contact": "Cán bộ y tế thôn, bản; trạm y tế xã",
        "document": None,
        "regions": [],
        "dbkk": False,
        "translations": {
            "hmn": {
                "title": "Txhaj tshuaj tiv thaiv kab mob rau menyuam yaus",
                "summary": "Coj menyuam mus txhaj tshuaj tiv thaiv kab mob dawb ntawm lub chaw "
                "kho mob hauv koj lub zej zog. Txhaj kom txaus txhua koob.",
            },
            "rad": {"title": "Čŭt êa jrao mgang klei ruă kơ hđeh"},
        },
    },
    {
        "topic": Topic.HEALTH,
        "title": "Khám thai và sinh con ở trạm y tế",
        "summary": "Khi có thai, hãy đến trạm y tế xã khám sớm và đều đặn; sinh con ở trạm y tế "
        "hoặc bệnh viện để mẹ và con an toàn.",
        "body": "Đi khám ngay khi biết có thai\nĐi khám lại đúng lịch cán bộ y tế hẹn\n"
        "Đau bụng nhiều, ra máu, sốt, phù chân: đến trạm y tế ngay",
        "contact": "Cô đỡ thôn bản, trạm y tế xã",
        "document": None,
        "regions": [],
        "dbkk": False,
        "translations": {},
    },
    {
        "topic": Topic.EDUCATION,
        "title": "Vào trường phổ thông dân tộc nội trú",
        "summary": "Học sinh dân tộc thiểu số học giỏi có thể thi hoặc xét tuyển vào trường dân "
        "tộc nội trú: ăn ở tại trường, được cấp học bổng và đồ dùng học tập.",
        "for_whom": "Học sinh dân tộc thiểu số có nhà ở vùng khó khăn",
        "benefits": "Ăn, ở tại trường\nHọc bổng hằng tháng\nĐược cấp sách vở, đồ dùng học tập",
        "how_to_apply": "Hỏi thầy cô ở trường đang học về lịch tuyển sinh\n"
        "Nộp hồ sơ theo hướng dẫn của Phòng Giáo dục",
        "where_to_apply": "Trường đang học; Phòng Giáo dục và Đào tạo",
        "contact": "Hiệu trưởng trường đang học",
        "document": None,
        "regions": [],
        "dbkk": False,
        "translations": {
            "hmn": {
                "title": "Mus kawm ntawv nyob tsev kawm ntawv haiv neeg",
                "summary": "Menyuam haiv neeg uas kawm ntawv zoo tuaj yeem mus kawm thiab nyob "
                "hauv tsev kawm ntawv haiv neeg.",
            },
        },
    },
    {
        "topic": Topic.DISASTER,
        "title": "Khi có mưa to kéo dài: đề phòng lũ quét, sạt lở đất",
        "summary": "Mưa to nhiều ngày có thể gây lũ quét và sạt lở. Biết dấu hiệu và đi đến nơi "
        "an toàn sớm.",
        "body": "Nghe loa xã, đài, điện thoại để biết tin mưa lũ\n"
        "Thấy nước suối đục, có tiếng động lạ trên núi, đất nứt: rời nhà ngay\n"
        "Không đi qua suối, ngầm, tràn khi nước đang lên\n"
        "Đi đến nơi an toàn mà xã đã chỉ",
        "contact": "Ban chỉ huy phòng chống thiên tai xã; trưởng thôn",
        "document": None,
        "regions": [],
        "dbkk": False,
        "translations": {},
    },
    {
        "topic": Topic.SECURITY,
        "title": "Cảnh giác với lừa đảo qua điện thoại, Zalo, Facebook",
        "summary": "Không ai được phép đòi tiền qua điện thoại để nhận tiền hỗ trợ của Nhà nước. "
        "Không đọc mã số gửi về máy cho người lạ.",
        "body": "Cán bộ không gọi điện đòi tiền để làm hồ sơ hỗ trợ\n"
        "Không bấm vào đường link lạ, không đọc mã OTP cho ai\n"
        "Nghi bị lừa: báo ngay công an xã",
        "contact": "Công an xã",
        "document": None,
        "regions": [],
        "dbkk": False,
        "translations": {},
    },
]

# Every ethnic-language text above is marked as a demo translation awaiting a native reviewer.
for _spec in ITEMS:
    for _values in _spec["translations"].values():
        _values["review"] = DEMO_REVIEW


def demo_load() -> dict[str, int]:
    """Load the demo items once (by title); how many were added."""
    writer = User.objects.filter(username="bientap").first()
    reviewer = User.objects.filter(username="bientap.duyet").first()
    country = unit_get(code="VN")
    added = 0
    for spec in ITEMS:
        if CitizenItem.objects.filter(title=spec["title"], deleted_at=None).exists():
            continue
        document = (
            LegalDocument.objects.filter(number_symbol=spec["document"], deleted_at=None).first()
            if spec["document"]
            else None
        )
        item = services.item_save(
            actor=writer,
            item=None,
            unit=country,
            topic=spec["topic"],
            title=spec["title"],
            summary=spec["summary"],
            body=spec.get("body", ""),
            for_whom=spec.get("for_whom", ""),
            benefits=spec.get("benefits", ""),
            how_to_apply=spec.get("how_to_apply", ""),
            where_to_apply=spec.get("where_to_apply", ""),
            contact=spec.get("contact", ""),
            deadline=datetime.date(2026, 12, 31) if spec["topic"] == Topic.POLICY else None,
            legal_document=document,
            regions=spec["regions"],
            dbkk_villages=spec["dbkk"],
        )
        for language, values in spec["translations"].items():
            services.translation_save(
                actor=writer, item=item, language=language, data=values, publish_with_item=True
            )
        editorial.content_submit_for_review(actor=writer, item=item)
        editorial.content_publish(actor=reviewer, item=item)
        added += 1
    replaced = _replace_placeholders(writer, reviewer)
    recordings = _recordings(writer, reviewer)
    return {"items": added, "translations_replaced": replaced, "recordings": recordings}


def _replace_placeholders(writer, reviewer) -> int:
    """Demo items loaded before the placeholders were replaced get the new texts (a draft
    published by the second demo editor, as any change to a live translation)."""
    replaced = 0
    for spec in ITEMS:
        item = CitizenItem.objects.filter(title=spec["title"], deleted_at=None).first()
        if item is None:
            continue
        for translation in item.translations.filter(summary__contains=OLD_PLACEHOLDER):
            values = spec["translations"].get(translation.language)
            if not values:
                continue
            data = {"summary": "", **values}
            services.translation_save(
                actor=writer, item=item, language=translation.language, data=data
            )
            editorial.translation_submit_for_review(
                actor=writer, item=item, language=translation.language
            )
            editorial.translation_publish(actor=reviewer, item=item, language=translation.language)
            replaced += 1
    return replaced


# (item title, language, tone frequency): the recordings the demo gives, in Vietnamese and
# two ethnic languages.
RECORDINGS = [
    ("Hỗ trợ làm nhà, sửa nhà cho hộ nghèo", "vi", 440),
    ("Hỗ trợ làm nhà, sửa nhà cho hộ nghèo", "hmn", 494),
    ("Tiêm chủng đủ mũi cho trẻ nhỏ", "vi", 523),
    ("Tiêm chủng đủ mũi cho trẻ nhỏ", "hmn", 587),
    ("Tiêm chủng đủ mũi cho trẻ nhỏ", "rad", 659),
]


def _tone(folder: Path, frequency: int) -> Path:
    target = folder / f"demo-{frequency}.wav"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
            "-i", f"sine=frequency={frequency}:duration=4:sample_rate=16000",
            "-ac", "1", str(target),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return target


def _recordings(writer, reviewer) -> int:
    """The demo recordings, once each; transcoded here (not by the task worker) so they play
    right away; skipped, with nothing half-made, when ffmpeg is missing."""
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        return 0
    made = 0
    with tempfile.TemporaryDirectory(prefix="dantoc-demo-audio-") as folder:
        for title, language, frequency in RECORDINGS:
            item = CitizenItem.objects.filter(title=title, deleted_at=None).first()
            if item is None or ItemAudio.objects.filter(item=item, language=language).exists():
                continue
            if language == "vi":
                transcript = "\n".join(p for p in (item.title, item.summary) if p)
            else:
                translation = item.translations.filter(
                    language=language, status=TranslationStatus.PUBLISHED
                ).first()
                if translation is None:
                    continue
                transcript = "\n".join(p for p in (translation.title, translation.summary) if p)
            path = _tone(Path(folder), frequency)
            with path.open("rb") as handle:
                upload = File(handle, name=f"demo-{language}.wav")
                audio = services.audio_save(
                    actor=writer, item=item, language=language, transcript=transcript, file=upload
                )
            asset_process(asset_id=audio.asset_id)
            services.audio_approve(actor=reviewer, audio=audio)
            made += 1
    return made


# --- market prices ----------------------------------------------------------------------------

# (province code, market, product code, base price in đồng): DEMO FIGURES of the right order
# of magnitude for 2025-2026, not survey data; every row is a weekly price over 26 weeks that
# moves along a fixed seasonal curve (no randomness, so a reload changes nothing).
DEMO_MARKETS = [
    ("08", "Chợ trung tâm Hà Giang", "gao-te", 16000),
    ("08", "Chợ trung tâm Hà Giang", "ngo-hat", 7500),
    ("08", "Chợ trung tâm Hà Giang", "lon-hoi", 62000),
    ("08", "Chợ Đồng Văn", "ngo-hat", 8000),
    ("08", "Chợ Đồng Văn", "bo-hoi", 95000),
    ("08", "Chợ Đồng Văn", "lon-hoi", 60000),
    ("08", "Chợ Tân Trào", "che-bup", 9000),
    ("08", "Chợ Tân Trào", "gao-te", 15500),
    ("15", "Chợ Bắc Hà", "thao-qua", 180000),
    ("15", "Chợ Bắc Hà", "lon-hoi", 61000),
    ("15", "Chợ Văn Bàn", "que-vo", 42000),
    ("15", "Chợ Văn Bàn", "ngo-hat", 7200),
]
# Weekly factors (per mille) of a price's seasonal curve.
DEMO_CURVE = [1000, 1008, 1015, 1021, 1030, 1026, 1018, 1012, 1004, 995, 990, 986, 992,
              1001, 1010, 1024, 1040, 1052, 1047, 1036, 1025, 1014, 1007, 1003, 1011, 1020]  # fmt: skip


def demo_prices_load() -> dict[str, int]:
    """Weekly prices for 26 weeks up to today at a few markets of Tuyên Quang (08) and Lào
    Cai (15), entered as their province officers (through ``market.price_save``)."""
    market.products_reference_load()
    officers = {
        code: User.objects.filter(unit__code=code, roles__code="province_officer").first()
        for code in ("08", "15")
    }
    products = {p.code: p for p in MarketProduct.objects.all()}
    end = today()
    added = 0
    for code, place, product_code, base in DEMO_MARKETS:
        province = unit_get(code=code)
        officer = officers.get(code)
        if province is None or product_code not in products:
            continue
        for week, factor in enumerate(DEMO_CURVE):
            on = end - datetime.timedelta(days=7 * (len(DEMO_CURVE) - 1 - week))
            if MarketPrice.objects.filter(
                province=province, market=place, product=products[product_code], on=on
            ).exists():
                continue
            price = round(base * factor / 1000 / 100) * 100
            market.price_save(
                actor=officer,
                province=province,
                market=place,
                product=products[product_code],
                on=on,
                price=price,
            )
            added += 1
    return {"prices": added}


# --- OCOP products ----------------------------------------------------------------------------

# DEMO PRODUCTS: names, producers and decision numbers are made up for trying the pages (the
# kinds of product are typical of the provinces named); the photos are drawn here with Pillow
# (a plain coloured card with the product's initials), nothing is downloaded.
DEMO_OCOP = [
    {
        "unit": "08",
        "commune": "00715",
        "name": "Chè Shan tuyết cổ thụ (mẫu thử)",
        "group": "do-uong",
        "producer": "Hợp tác xã chè mẫu Lũng Cú",
        "description": "Chè búp từ cây Shan tuyết lâu năm trên núi cao, hái tay, sao bằng chảo "
        "gang. Nước vàng sáng, vị chát dịu, hậu ngọt.",
        "stars": 4,
        "certificate_number": "0000/QĐ-UBND (mẫu)",
        "price": 350000,
        "price_unit": "hộp 200 g",
        "how_to_buy": "Gọi hợp tác xã (số điện thoại mẫu) 0200 000 000\n"
        "Mua tại cửa hàng OCOP của tỉnh",
        "colour": (46, 110, 60),
    },
    {
        "unit": "08",
        "commune": None,
        "name": "Mật ong bạc hà (mẫu thử)",
        "group": "thuc-pham",
        "producer": "Hộ nuôi ong mẫu",
        "description": "Mật ong từ hoa bạc hà dại nở vào mùa đông trên cao nguyên đá.",
        "stars": 3,
        "certificate_number": "0001/QĐ-UBND (mẫu)",
        "price": 400000,
        "price_unit": "chai 500 ml",
        "how_to_buy": "Đặt qua Zalo của hộ (số mẫu) 0200 000 001",
        "colour": (200, 150, 30),
    },
    {
        "unit": "15",
        "commune": None,
        "name": "Khăn thổ cẩm dệt tay (mẫu thử)",
        "group": "thu-cong",
        "producer": "Tổ hợp tác dệt mẫu",
        "description": "Khăn dệt tay trên khung cửi, hoa văn truyền thống, nhuộm chàm.",
        "stars": 4,
        "certificate_number": "0002/QĐ-UBND (mẫu)",
        "price": 250000,
        "price_unit": "chiếc",
        "how_to_buy": "Mua tại chợ phiên hoặc gọi tổ hợp tác (số mẫu) 0200 000 002",
        "colour": (40, 60, 140),
    },
]


def _demo_photo(name: str, colour: tuple[int, int, int]):
    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 1120, 820), outline=(255, 255, 255), width=12)
    initials = "".join(w[0] for w in name.split()[:3]).upper()
    draw.text((520, 420), initials, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile("anh-mau.jpg", out.getvalue())


def demo_ocop_load() -> dict[str, int]:
    """Demo OCOP products written by a province officer and published by another (the
    workflow's four eyes), with a photo each, once (by name)."""
    added = 0
    for spec in DEMO_OCOP:
        if OcopProduct.objects.filter(name=spec["name"], deleted_at=None).exists():
            continue
        province = unit_get(code=spec["unit"])
        officers = list(
            User.objects.filter(
                unit__code=spec["unit"], roles__code="province_officer", is_active=True
            ).order_by("pk")[:2]
        )
        if province is None or not officers:
            continue
        writer = officers[0]
        reviewer = officers[1] if len(officers) > 1 else None
        certified = today() - datetime.timedelta(days=200)
        product = ocop.product_save(
            actor=writer,
            product=None,
            unit=province,
            commune=unit_get(code=spec["commune"]) if spec["commune"] else None,
            name=spec["name"],
            group=spec["group"],
            producer=spec["producer"],
            description=spec["description"],
            stars=spec["stars"],
            certificate_number=spec["certificate_number"],
            certified_on=certified,
            expires_on=certified + datetime.timedelta(days=3 * 365),
            price=spec["price"],
            price_unit=spec["price_unit"],
            how_to_buy=spec["how_to_buy"],
        )
        photo = ocop.photo_add(
            actor=writer,
            product=product,
            file=_demo_photo(spec["name"], spec["colour"]),
            alt=f"Ảnh mẫu: {spec['name']}",
            process=False,
        )
        asset_process(asset_id=photo.asset_id)
        editorial.content_submit_for_review(actor=writer, item=product)
        # A second officer of the province publishes; with one only, the system does (demo).
        editorial.content_publish(actor=reviewer, item=product)
        added += 1
    return {"ocop_products": added}
