"""Demonstration content of the portal for a fresh installation (``manage.py load_demo_data``).

The legal documents and agencies are real; their facts and sources are listed in
``data/portal/README.md``. The news items and the area classification rows are illustrative
and say so. Content goes in through the services as the system (``actor=None``), so it is
audited like any other write; running the loader again adds nothing.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dantoc.geo.models import AreaClassification
from dantoc.geo.selectors import unit_get
from dantoc.geo.services import area_classifications_import
from dantoc.portal import services
from dantoc.portal.models import Agency, Article, LegalDocument

DATA_DIR = Path(settings.BASE_DIR) / "data" / "portal"

# number_symbol, type, issuing body, signer, issued, effective, abstract, field, status
DOCUMENTS = [
    (
        "88/2019/QH14",
        "nghi_quyet",
        "Quốc hội",
        "Nguyễn Thị Kim Ngân",
        datetime.date(2019, 11, 18),
        datetime.date(2019, 11, 18),
        "Phê duyệt Đề án tổng thể phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số "
        "và miền núi giai đoạn 2021 - 2030",
        "Công tác dân tộc",
    ),
    (
        "1719/QĐ-TTg",
        "quyet_dinh",
        "Thủ tướng Chính phủ",
        "Phạm Bình Minh",
        datetime.date(2021, 10, 14),
        datetime.date(2021, 10, 14),
        "Phê duyệt Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào "
        "dân tộc thiểu số và miền núi giai đoạn 2021 - 2030, giai đoạn I: từ năm 2021 đến năm "
        "2025",
        "Chương trình mục tiêu quốc gia",
    ),
    (
        "27/2022/NĐ-CP",
        "nghi_dinh",
        "Chính phủ",
        "Lê Minh Khái",
        datetime.date(2022, 4, 19),
        datetime.date(2022, 4, 19),
        "Quy định cơ chế quản lý, tổ chức thực hiện các chương trình mục tiêu quốc gia",
        "Chương trình mục tiêu quốc gia",
    ),
    (
        "38/2023/NĐ-CP",
        "nghi_dinh",
        "Chính phủ",
        "Lê Minh Khái",
        datetime.date(2023, 6, 24),
        datetime.date(2023, 6, 24),
        "Sửa đổi, bổ sung một số điều của Nghị định số 27/2022/NĐ-CP ngày 19 tháng 4 năm 2022 "
        "của Chính phủ quy định cơ chế quản lý, tổ chức thực hiện các chương trình mục tiêu "
        "quốc gia",
        "Chương trình mục tiêu quốc gia",
    ),
    (
        "330/QĐ-UBDT",
        "quyet_dinh",
        "Ủy ban Dân tộc",
        "",
        datetime.date(2023, 5, 26),
        None,
        "Phê duyệt Đề án chuyển đổi số trong công tác dân tộc, phục vụ thực hiện Chương trình "
        "mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền "
        "núi",
        "Chuyển đổi số",
    ),
]
# amending document → the documents it amends (listed above it)
AMENDS = {"38/2023/NĐ-CP": ["27/2022/NĐ-CP"]}

NEWS = [
    (
        "news",
        "Hướng dẫn mới về quản lý, tổ chức thực hiện các chương trình mục tiêu quốc gia",
        "Nghị định 38/2023/NĐ-CP sửa đổi, bổ sung Nghị định 27/2022/NĐ-CP, tạo thuận lợi hơn "
        "cho địa phương trong phân bổ vốn và tổ chức thực hiện Chương trình.",
        "<p>(Tin minh hoạ.) Ngày 24/6/2023, Chính phủ ban hành Nghị định 38/2023/NĐ-CP sửa "
        "đổi, bổ sung một số điều của Nghị định 27/2022/NĐ-CP về cơ chế quản lý, tổ chức thực "
        "hiện các chương trình mục tiêu quốc gia.</p><p>Các địa phương rà soát kế hoạch thực "
        "hiện để áp dụng các quy định mới.</p>",
        "VN",
        ["08", "15"],
        (
            "New guidance on managing the national target programmes",
            "Decree 38/2023/ND-CP amends Decree 27/2022/ND-CP, giving localities more room "
            "in allocating funds and implementing the Programme.",
            "<p>(Illustrative item.) On 24 June 2023 the Government issued Decree "
            "38/2023/ND-CP amending Decree 27/2022/ND-CP on the management of the national "
            "target programmes.</p>",
        ),
    ),
    (
        "news",
        "Chuyển đổi số phục vụ đồng bào dân tộc thiểu số và miền núi",
        "Đề án chuyển đổi số trong công tác dân tộc (Quyết định 330/QĐ-UBDT) đặt mục tiêu "
        "số hoá báo cáo Chương trình từ cấp xã đến Trung ương.",
        "<p>(Tin minh hoạ.) Nền tảng thông tin Chương trình cho phép cán bộ cấp xã nhập báo "
        "cáo trên điện thoại, cấp tỉnh và Trung ương tổng hợp theo thời gian thực.</p>",
        "VN",
        [],
        None,
    ),
    (
        "activity",
        "Tuyên Quang tập huấn nhập báo cáo Chương trình cho cán bộ cấp xã",
        "Cán bộ văn phòng - thống kê các xã vùng cao được hướng dẫn nhập số liệu trên nền "
        "tảng thông tin của Chương trình.",
        "<p>(Tin minh hoạ.) Sở Dân tộc và Tôn giáo tỉnh Tuyên Quang tổ chức tập huấn cho cán "
        "bộ các xã Lũng Cú, Ngọc Đường và các xã vùng cao khác.</p>",
        "08",
        ["08"],
        None,
    ),
    (
        "page",
        "Giới thiệu Chương trình MTQG phát triển KT-XH vùng đồng bào DTTS&MN",
        "Chương trình gồm 10 dự án, thực hiện giai đoạn 2021 - 2030 (giai đoạn I: 2021 - "
        "2025) trên địa bàn các xã, thôn vùng đồng bào dân tộc thiểu số và miền núi.",
        "<p>Chương trình được phê duyệt tại Quyết định 1719/QĐ-TTg ngày 14/10/2021 của Thủ "
        "tướng Chính phủ, trên cơ sở Nghị quyết 88/2019/QH14 và Nghị quyết 120/2020/QH14 của "
        "Quốc hội.</p><h2>Mười dự án</h2><ol><li>Giải quyết tình trạng thiếu đất ở, nhà ở, "
        "đất sản xuất, nước sinh hoạt</li><li>Quy hoạch, sắp xếp, bố trí, ổn định dân cư ở "
        "những nơi cần thiết</li><li>Phát triển sản xuất nông, lâm nghiệp bền vững, phát huy "
        "tiềm năng, thế mạnh của các vùng miền để sản xuất hàng hóa theo chuỗi giá trị</li>"
        "<li>Đầu tư cơ sở hạ tầng thiết yếu, phục vụ sản xuất, đời sống</li><li>Phát triển "
        "giáo dục đào tạo nâng cao chất lượng nguồn nhân lực</li><li>Bảo tồn, phát huy giá "
        "trị văn hóa truyền thống tốt đẹp của các dân tộc thiểu số gắn với phát triển du "
        "lịch</li><li>Chăm sóc sức khỏe Nhân dân, nâng cao thể trạng, tầm vóc người dân tộc "
        "thiểu số; phòng chống suy dinh dưỡng trẻ em</li><li>Thực hiện bình đẳng giới và giải "
        "quyết những vấn đề cấp thiết đối với phụ nữ và trẻ em</li><li>Đầu tư phát triển "
        "nhóm dân tộc thiểu số rất ít người và nhóm dân tộc còn nhiều khó khăn</li><li>Truyền "
        "thông, tuyên truyền, vận động trong vùng đồng bào dân tộc thiểu số và miền núi. Kiểm "
        "tra, giám sát đánh giá việc tổ chức thực hiện Chương trình</li></ol>",
        "VN",
        [],
        (
            "About the National Target Programme for ethnic-minority and mountainous areas",
            "The Programme has 10 projects and runs from 2021 to 2030 (phase I: 2021-2025) in "
            "the communes and villages of ethnic-minority and mountainous areas.",
            "<p>The Programme was approved by Decision 1719/QD-TTg of the Prime Minister on "
            "14 October 2021, on the basis of National Assembly Resolutions 88/2019/QH14 and "
            "120/2020/QH14.</p>",
        ),
    ),
]

AGENCIES = [
    dict(
        unit="VN",
        role="steering",
        name="Ban Chỉ đạo Trung ương các chương trình mục tiêu quốc gia giai đoạn 2021 - 2025",
        name_en="Central Steering Committee for the National Target Programmes 2021-2025",
        description="Chỉ đạo, điều phối thực hiện các chương trình mục tiêu quốc gia.",
        description_en="Steers and coordinates the national target programmes.",
        position=10,
    ),
    dict(
        unit="VN",
        role="managing",
        name="Bộ Dân tộc và Tôn giáo",
        name_en="Ministry of Ethnic and Religious Affairs",
        description=(
            "Cơ quan chủ quản Chương trình. Thành lập tháng 3/2025 trên cơ sở Ủy ban Dân tộc "
            "(tiếp nhận chức năng quản lý nhà nước về tín ngưỡng, tôn giáo)."
        ),
        description_en=(
            "Managing body of the Programme. Established in March 2025 from the Committee "
            "for Ethnic Minority Affairs (CEMA), adding state management of religion."
        ),
        address="349 Đội Cấn, Hà Nội",
        address_en="349 Doi Can, Hanoi",
        position=20,
    ),
    dict(
        unit="08",
        role="standing",
        name="Sở Dân tộc và Tôn giáo tỉnh Tuyên Quang",
        name_en="Department of Ethnic and Religious Affairs of Tuyen Quang Province",
        description=(
            "Cơ quan thường trực Chương trình cấp tỉnh (trước tháng 3/2025: Ban Dân tộc tỉnh)."
        ),
        description_en=(
            "Standing body of the Programme in the province (until March 2025: the "
            "provincial Ethnic Minorities Committee, Ban Dân tộc)."
        ),
        position=10,
    ),
]


def _unit(code: str):
    unit = unit_get(code=code)
    if unit is None:
        raise LookupError(f"Chưa có đơn vị {code}: chạy load_reference_data trước.")
    return unit


@transaction.atomic
def demo_content_load() -> dict[str, int]:
    """Load the demonstration content once; how many items of each kind were added."""
    added = {"documents": 0, "articles": 0, "agencies": 0, "classifications": 0}
    country = _unit("VN")
    by_number = {}
    for number, doc_type, body, signer, issued, effective, abstract, field in DOCUMENTS:
        existing = LegalDocument.objects.filter(
            number_symbol=number, source="", deleted_at=None
        ).first()
        if existing is None:
            existing = services.legal_document_save(
                actor=None,
                unit=country,
                number_symbol=number,
                doc_type=doc_type,
                issuing_body=body,
                signer=signer,
                issued_on=issued,
                effective_on=effective,
                abstract=abstract,
                field=field,
                amends=[by_number[n] for n in AMENDS.get(number, [])],
            )
            added["documents"] += 1
        by_number[number] = existing
    for doc in by_number.values():
        if doc.status != "published":
            services.legal_document_publish(actor=None, document=doc)
    for kind, title, summary, body, unit_code, areas, english in NEWS:
        if Article.objects.filter(title=title, source="", deleted_at=None).exists():
            continue
        article = services.article_save(
            actor=None,
            unit=_unit(unit_code),
            kind=kind,
            title=title,
            summary=summary,
            body=body,
            areas=[_unit(c) for c in areas],
        )
        if english:
            services.article_translation_save(
                actor=None,
                article=article,
                language="en",
                title=english[0],
                summary=english[1],
                body=english[2],
            )
        services.article_publish(actor=None, article=article)
        added["articles"] += 1
    for values in AGENCIES:
        values = dict(values)
        unit = _unit(values.pop("unit"))
        if Agency.objects.filter(name=values["name"], deleted_at=None).exists():
            continue
        services.agency_save(actor=None, unit=unit, **values)
        added["agencies"] += 1
    demo_areas = DATA_DIR / "area_classification_demo.csv"
    if demo_areas.exists() and not AreaClassification.objects.exists():
        added["classifications"] = area_classifications_import(path=demo_areas).created
    return added
