"""Demonstration data sets for a fresh installation (``manage.py load_demo_data``): defined
and published through the real services, by the demo officers, from the demo figures."""

from __future__ import annotations

from dantoc.accounts.models import User
from dantoc.analytics.demo import DEMO_REASON
from dantoc.opendata.models import Dataset
from dantoc.opendata.services import DatasetInput, dataset_publish, dataset_save
from dantoc.reporting.models import Submission


def _demo_periods(form_code: str) -> list[str]:
    codes = Submission.objects.filter(form_code=form_code, reason=DEMO_REASON).values_list(
        "period__code", flat=True
    )
    return sorted(set(codes))


def demo_datasets_load() -> int:
    """Publish three data sets (the ministry's national capital figures, Tuyên Quang's
    commune capital figures, and Lào Cai's households supported by ethnic group)."""
    quarters = _demo_periods("BM01-VON")
    semesters = _demo_periods("BM02-DA1")
    if not quarters or Dataset.objects.exists():
        return 0
    years = sorted({q[:4] for q in quarters})
    specs = [
        (
            "bo.giamsat",
            DatasetInput(
                name="von-ctmtqg-1719-theo-tinh",
                title="Kế hoạch vốn và giải ngân Chương trình 1719 theo tỉnh",
                title_en="NTP 1719 capital plan and disbursement by province",
                description=(
                    "Kế hoạch vốn, vốn đã giải ngân (triệu đồng, luỹ kế từ đầu năm) và tỷ lệ "
                    "giải ngân của Chương trình MTQG phát triển kinh tế - xã hội vùng đồng bào "
                    "dân tộc thiểu số và miền núi, theo quý, toàn quốc và từng tỉnh."
                ),
                description_en=(
                    "Capital plan, disbursed capital (million VND, year to date) and "
                    "disbursement rate of the National Target Programme for ethnic-minority "
                    "and mountainous areas, by quarter, nationally and by province."
                ),
                theme="ECON",
                contact_name="Vụ Kế hoạch - Tài chính, Bộ Dân tộc và Tôn giáo",
                contact_email="khtc@example.invalid",
                indicators=["VON_KH", "VON_GN", "TL_GN"],
                periods=quarters,
                units=["VN", "LEVEL-province"],
                keywords=["vốn đầu tư", "giải ngân", "Chương trình 1719", *years],
                spatial="Việt Nam",
            ),
        ),
        (
            "tinh.tuyenquang",
            DatasetInput(
                name="von-tuyen-quang-theo-xa",
                title="Giải ngân vốn Chương trình 1719 các xã tỉnh Tuyên Quang",
                title_en="NTP 1719 disbursement by commune, Tuyên Quang province",
                description="Kế hoạch vốn và giải ngân theo quý của từng xã tỉnh Tuyên Quang.",
                description_en="Capital plan and disbursement by quarter for each commune.",
                theme="ECON",
                contact_name="Sở Dân tộc và Tôn giáo tỉnh Tuyên Quang",
                contact_email="sdttg@example.invalid",
                indicators=["VON_KH", "VON_GN"],
                periods=quarters[-2:],
                units=["08", "LEVEL-commune"],
                keywords=["giải ngân", "cấp xã"],
            ),
        ),
    ]
    if semesters:
        specs.append(
            (
                "tinh.laocai",
                DatasetInput(
                    name="ho-duoc-ho-tro-nha-o-lao-cai",
                    title="Số hộ đồng bào dân tộc được hỗ trợ nhà ở, đất ở tỉnh Lào Cai",
                    title_en="Households supported with housing and land, Lào Cai province",
                    description=(
                        "Số hộ được hỗ trợ đất ở, nhà ở, đất sản xuất, nước sinh hoạt (Dự án 1) "
                        "theo dân tộc của chủ hộ, từng xã. Số hộ dưới ngưỡng công bố được ẩn."
                    ),
                    description_en=(
                        "Households supported with land, housing, production land and water "
                        "(Project 1) by ethnic group of the household head, by commune. "
                        "Small counts are suppressed."
                    ),
                    theme="SOCI",
                    contact_name="Sở Dân tộc và Tôn giáo tỉnh Lào Cai",
                    contact_email="sdttg.laocai@example.invalid",
                    indicators=["DA1_HO_NHA_O", "DA1_HO_DAT_O"],
                    periods=semesters,
                    units=["15", "LEVEL-commune"],
                    categories=["DAN_TOC"],
                    frequency="ANNUAL_2",
                    keywords=["đồng bào dân tộc thiểu số", "nhà ở", "Dự án 1"],
                ),
            )
        )
    made = 0
    for username, data in specs:
        actor = User.objects.get(username=username)
        dataset = dataset_save(actor=actor, data=data)
        dataset_publish(actor=actor, dataset=dataset)
        made += 1
    return made
