"""Demo data of the e-library (loader ``library.demo``; ``make run``): two librarians, three
PDF documents with Vietnamese text made here with fpdf2 (the PDF library the platform's
reports already use), an EPUB written here with the standard library's zipfile, and a recording
made with ffmpeg, all published through the editorial
workflow (one librarian catalogues, the other publishes), their text extracted. Idempotent:
items have fixed uuids and are made once. The texts are written for the demo; they describe
real policies (Decision 1719/QĐ-TTg of 14/10/2021) in general terms only."""

from __future__ import annotations

import io
import subprocess
import tempfile
import uuid
import zipfile
from html import escape
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.accounts.demo import DEMO_PASSWORD
from dantoc.accounts.models import User
from dantoc.accounts.services import user_create
from dantoc.editorial import services as editorial
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get
from dantoc.library import services
from dantoc.library.models import Access, DocumentType, LibraryItem
from dantoc.media.services import asset_process

# The platform's PDF font (Debian fonts-liberation2, as analytics' report documents use).
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
NAMESPACE = uuid.UUID("6f1f4d52-8a51-4d7e-9f0e-7d1b1c0a2401")

LIBRARIANS = [
    ("thuvien", "Phạm Thị Lan", "Cán bộ thư viện, Ủy ban Dân tộc"),
    ("thuvien.duyet", "Vũ Minh Tuấn", "Cán bộ thư viện (duyệt xuất bản)"),
]

HANDBOOK_PAGES = [
    (
        "Chương 1. Chương trình mục tiêu quốc gia 1719",
        "Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số "
        "và miền núi giai đoạn 2021-2030 được phê duyệt tại Quyết định 1719/QĐ-TTg ngày 14/10/2021. "
        "Chương trình gồm mười dự án: giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước "
        "sinh hoạt; quy hoạch, sắp xếp, bố trí ổn định dân cư; phát triển sản xuất nông, lâm nghiệp "
        "bền vững; đầu tư cơ sở hạ tầng thiết yếu; phát triển giáo dục đào tạo; bảo tồn, phát huy "
        "giá trị văn hóa truyền thống tốt đẹp của các dân tộc thiểu số gắn với phát triển du lịch.",
    ),
    (
        "Chương 2. Báo cáo của cấp xã",
        "Cán bộ xã tổng hợp số liệu của các thôn, bản và nhập vào biểu mẫu báo cáo trên nền tảng. "
        "Số hộ nghèo, hộ cận nghèo, số hộ được hỗ trợ nhà ở, nước sinh hoạt phân tán được ghi theo "
        "từng dân tộc. Báo cáo được gửi lên huyện, tỉnh để duyệt; khi bị trả lại, cán bộ xã sửa "
        "theo lý do ghi kèm rồi gửi lại.",
    ),
    (
        "Chương 3. Bảo tồn văn hóa truyền thống",
        "Các lễ hội, phong tục, nghề thủ công truyền thống như dệt thổ cẩm, rèn, đan lát được "
        "kiểm kê, số hóa và giới thiệu. Nghệ nhân được mời truyền dạy cho thế hệ trẻ tại nhà văn "
        "hóa thôn. Cộng đồng quyết định những nghi lễ nào được giới thiệu rộng rãi.",
    ),
]

WEAVING_PAGES = [
    (
        "Nghề dệt thổ cẩm của phụ nữ Mông",
        "Phụ nữ Mông trồng lanh, tước sợi, se sợi và dệt vải lanh trên khung dệt gỗ. Vải được "
        "nhuộm chàm nhiều lần rồi vẽ hoa văn bằng sáp ong. Hoa văn hình học, hình xoắn ốc, hình "
        "chữ thập thể hiện núi rừng, nương rẫy và đời sống cộng đồng.",
    ),
    (
        "Hợp tác xã và thị trường",
        "Nhiều hợp tác xã dệt lanh ở vùng cao phía Bắc đã đưa sản phẩm thổ cẩm ra thị trường, "
        "gắn với du lịch cộng đồng. Sản phẩm đạt chuẩn OCOP giúp tăng thu nhập cho phụ nữ dân "
        "tộc thiểu số mà vẫn giữ được kỹ thuật truyền thống.",
    ),
]

RICE_CHAPTERS = [
    (
        "Chương 1. Chọn nương và phát rẫy",
        "Người Dao chọn nương theo độ dốc, màu đất và nguồn nước. Tháng hai, tháng ba âm lịch "
        "cả bản cùng phát rẫy, để lại gốc cây lớn giữ đất.",
    ),
    (
        "Chương 2. Tra hạt và lễ cơm mới",
        "Khi mưa đầu mùa đến, đàn ông chọc lỗ, phụ nữ tra hạt giống lúa nếp nương. Lúa chín "
        "vào tháng chín, tháng mười; lễ cơm mới mời tổ tiên trước khi cả nhà ăn bữa đầu.\n"
        "Giống lúa địa phương được giữ lại từ vụ trước, treo trên gác bếp cho khỏi mối mọt.",
    ),
]

REPORT_PAGES = [
    (
        "Tình hình thực hiện năm 2025 (số liệu minh họa)",
        "Báo cáo này là tài liệu mẫu của bản trình diễn: các con số dưới đây không phải số liệu "
        "chính thức. Năm 2025, các địa phương tiếp tục hỗ trợ nhà ở, đất sản xuất, nước sinh hoạt "
        "cho hộ đồng bào dân tộc thiểu số nghèo; đào tạo nghề cho lao động nông thôn; đầu tư "
        "đường giao thông, trường học, trạm y tế ở xã, thôn đặc biệt khó khăn.",
    ),
]


def epub(title: str, chapters: list[tuple[str, str]], *, language: str = "vi") -> bytes:
    """A minimal valid EPUB 3 (W3C EPUB 3.3: the ``mimetype`` entry first and stored, the
    container, a package document with its navigation document, one XHTML per chapter)."""
    identifier = f"urn:uuid:{uuid.uuid5(NAMESPACE, title)}"
    items = "".join(
        f'<item id="c{n}" href="c{n}.xhtml" media-type="application/xhtml+xml"/>'
        for n in range(1, len(chapters) + 1)
    )
    spine = "".join(f'<itemref idref="c{n}"/>' for n in range(1, len(chapters) + 1))
    opf = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:identifier id="id">{identifier}</dc:identifier><dc:title>{escape(title)}</dc:title>'
        f"<dc:language>{language}</dc:language>"
        '<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta></metadata>'
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" '
        f'properties="nav"/>{items}</manifest><spine>{spine}</spine></package>'
    )

    def page(heading: str, body: str) -> str:
        return (
            '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html>'
            f'<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="{language}" lang="{language}">'
            f"<head><title>{escape(heading)}</title></head><body>{body}</body></html>"
        )

    toc = "".join(
        f'<li><a href="c{n}.xhtml">{escape(h)}</a></li>' for n, (h, _b) in enumerate(chapters, 1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        package.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" '
            'media-type="application/oebps-package+xml"/></rootfiles></container>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        package.writestr("OEBPS/content.opf", opf, compress_type=zipfile.ZIP_DEFLATED)
        package.writestr(
            "OEBPS/nav.xhtml",
            page(title, f'<nav xmlns:epub="http://www.idpf.org/2007/ops" epub:type="toc">'
                 f"<ol>{toc}</ol></nav>"),
            compress_type=zipfile.ZIP_DEFLATED,
        )  # fmt: skip
        for n, (heading, body) in enumerate(chapters, 1):
            paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n") if p)
            package.writestr(
                f"OEBPS/c{n}.xhtml",
                page(heading, f"<h1>{escape(heading)}</h1>{paragraphs}"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def _pattern(seed: int) -> bytes:
    """A photo-like JPEG of a woven diamond pattern (indigo, red, white), made here: the
    study's illustrations, and enough bytes that the reader's range requests show."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (720, 420), (28, 42, 96))
    draw = ImageDraw.Draw(image)
    colours = [(180, 30, 40), (235, 225, 200), (40, 90, 160), (230, 170, 40)]
    for row in range(0, 420, 40):
        for col in range(0, 720, 40):
            colour = colours[(row // 40 + col // 40 + seed) % len(colours)]
            draw.polygon(
                [(col + 20, row), (col + 40, row + 20), (col + 20, row + 40), (col, row + 20)],
                fill=colour,
            )
    # The grain of hand-spun hemp: noise blended in (Pillow's, made in C, quick).
    grain = Image.merge("RGB", [Image.effect_noise((720, 420), 40 + seed)] * 3)
    image = Image.blend(image, grain, 0.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def _pdf(
    title: str, pages: list[tuple[str, str]], *, repeat: int = 1, pictures: bool = False
) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.add_font("Serif", "", str(FONT_DIR / "LiberationSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "LiberationSerif-Bold.ttf"))
    for round_ in range(repeat):
        for heading, body in pages:
            pdf.add_page()
            pdf.set_font("Serif", "B", 16)
            pdf.multi_cell(0, 9, heading if not round_ else f"{heading} ({round_ + 1})")
            pdf.ln(3)
            pdf.set_font("Serif", "", 12)
            for _ in range(3):
                pdf.multi_cell(0, 7, body)
                pdf.ln(2)
            if pictures:
                seed = len(pdf.pages)
                pdf.image(io.BytesIO(_pattern(seed)), w=170)
                pdf.set_font("Serif", "", 10)
                pdf.multi_cell(0, 6, f"Hình {seed}. Hoa văn thổ cẩm (hình minh họa tạo tự động).")
    return bytes(pdf.output())


def _audio() -> bytes:
    """Ten seconds of a pentatonic tune, made by ffmpeg (a stand-in for a recorded story)."""
    with tempfile.TemporaryDirectory(prefix="dantoc-library-demo-") as folder:
        target = Path(folder) / "tune.wav"
        notes = [392, 440, 523, 587, 659, 587, 523, 440, 392, 330]
        chain = "+".join(f"sin(2*PI*{f}*t)*between(t,{i},{i + 1})" for i, f in enumerate(notes))
        subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                f"aevalsrc='0.3*({chain})':s=22050:d=10",
                "-ac",
                "1",
                str(target),
            ],
            check=True,
            timeout=60,
        )
        return target.read_bytes()


def _librarians() -> tuple[User, User]:
    unit = unit_get(code="VN")
    users = []
    for username, full_name, position in LIBRARIANS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                unit=unit,
                roles=["librarian"],
                full_name=full_name,
                position=position,
                check_password=False,
            )
        users.append(user)
    return users[0], users[1]


def _groups(*names: str):
    return list(EthnicGroup.objects.filter(name__in=names))


def demo_load() -> dict[str, int]:
    writer, reviewer = _librarians()
    unit = unit_get(code="VN")
    made = 0
    specs = [
        {
            "key": "so-tay",
            "doc_type": DocumentType.TEACHING,
            "title": "Sổ tay công tác dân tộc cho cán bộ cấp xã",
            "creators": "Ủy ban Dân tộc",
            "publisher": "Ủy ban Dân tộc (tài liệu trình diễn)",
            "issued": "2025",
            "description": "Hướng dẫn ngắn về Chương trình MTQG 1719, cách báo cáo của cấp xã và "
            "bảo tồn văn hóa truyền thống.",
            "subjects": "Chương trình MTQG 1719\nBáo cáo cấp xã\nVăn hóa dân tộc",
            "licence": "CC BY 4.0",
            "access": Access.DOWNLOAD,
            "groups": (),
            "pdf": lambda: _pdf("Sổ tay công tác dân tộc", HANDBOOK_PAGES, repeat=4),
        },
        {
            "key": "tho-cam",
            "doc_type": DocumentType.STUDY,
            "title": "Nghề dệt thổ cẩm của người Mông ở vùng cao phía Bắc",
            "creators": "Nhóm nghiên cứu văn hóa (tài liệu trình diễn)",
            "issued": "2024",
            "description": "Kỹ thuật trồng lanh, dệt, nhuộm chàm, vẽ sáp ong và con đường đưa "
            "sản phẩm thổ cẩm ra thị trường.",
            "subjects": "Nghề thủ công\nThổ cẩm",
            "isbn": "9786040000002",
            "licence": "CC BY-NC 4.0",
            "access": Access.DOWNLOAD,
            "groups": ("Mông",),
            "pdf": lambda: _pdf("Nghề dệt thổ cẩm", WEAVING_PAGES, repeat=4, pictures=True),
        },
        {
            "key": "bao-cao-2025",
            "doc_type": DocumentType.REPORT,
            "title": "Báo cáo tình hình thực hiện Chương trình MTQG 1719 năm 2025 (mẫu)",
            "creators": "Ủy ban Dân tộc",
            "issued": "2025-12",
            "description": "Tài liệu mẫu: chỉ được đọc trực tuyến, không tải về.",
            "subjects": "Chương trình MTQG 1719\nBáo cáo",
            "access": Access.READ_ONLINE,
            "groups": (),
            "pdf": lambda: _pdf("Báo cáo năm 2025", REPORT_PAGES),
        },
        {
            "key": "lua-nuong",
            "doc_type": DocumentType.STUDY,
            "title": "Lúa nương và lịch mùa vụ của người Dao (sách điện tử EPUB)",
            "creators": "Nhóm nghiên cứu văn hóa (tài liệu trình diễn)",
            "issued": "2026",
            "description": "Sách điện tử EPUB: đọc bằng ứng dụng đọc sách qua danh mục OPDS "
            "hoặc đọc bản chữ ngay trên trình duyệt.",
            "subjects": "Nông nghiệp\nLịch mùa vụ",
            "licence": "CC BY 4.0",
            "access": Access.DOWNLOAD,
            "groups": ("Dao",),
            "epub": lambda: epub("Lúa nương của người Dao", RICE_CHAPTERS),
        },
        {
            "key": "truyen-thai",
            "doc_type": DocumentType.AUDIO,
            "title": "Làn điệu dân ca Thái (bản ghi âm mẫu)",
            "creators": "Câu lạc bộ dân ca (tài liệu trình diễn)",
            "issued": "2025",
            "language": "blt",
            "description": "Bản ghi âm ngắn làm mẫu cho thư viện âm thanh.",
            "subjects": "Dân ca\nÂm nhạc truyền thống",
            "access": Access.READ_ONLINE,
            "groups": ("Thái",),
            "audio": _audio,
        },
    ]
    for spec in specs:
        key = uuid.uuid5(NAMESPACE, spec["key"])
        if LibraryItem.objects.filter(uuid=key).exists():
            continue
        pdf = spec.get("pdf")
        book = spec.get("epub")
        audio = spec.get("audio")
        item = services.item_save(
            actor=writer,
            item=None,
            key=key,
            unit=unit,
            doc_type=spec["doc_type"],
            title=spec["title"],
            creators=spec.get("creators", ""),
            publisher=spec.get("publisher", ""),
            issued=spec.get("issued", ""),
            description=spec.get("description", ""),
            subjects=spec.get("subjects", ""),
            language=spec.get("language", "vi"),
            isbn=spec.get("isbn", ""),
            licence=spec.get("licence", ""),
            access=spec["access"],
            ethnic_groups=_groups(*spec["groups"]),
            document_file=(
                SimpleUploadedFile("tai-lieu.pdf", pdf())
                if pdf
                else SimpleUploadedFile("sach.epub", book())
                if book
                else None
            ),
            audio_file=SimpleUploadedFile("ghi-am.wav", audio()) if audio else None,
        )
        # The demo does now what the task worker does later: derivatives and text, so the
        # items read and play right after ``make run``.
        if item.audio_id:
            asset_process(asset_id=item.audio_id)
        if item.document_id:
            services.item_text_extract(item_id=item.pk)
            item.refresh_from_db()
        editorial.content_submit_for_review(actor=writer, item=item)
        editorial.content_publish(actor=reviewer, item=item)
        made += 1
    return {"items": made, "public": LibraryItem.objects.filter(status="published").count()}
