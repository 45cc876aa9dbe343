"""The 100 % goal with rosters: units upload the officials who have no account (XLSX, all or
nothing, errors by row and column); the share counts accounts and roster entries once each,
is written as indicator values and leads the programme dashboard, linked to the officials not
yet trained."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.reporting.models import DataValue
from dantoc.training import figures, selectors
from dantoc.training.models import RosterEntry
from dantoc.training.roster import COLUMNS

pytestmark = pytest.mark.django_db
HEADER = [h for _k, h in COLUMNS]


def _xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, data: bytes, name="danh-sach.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("training:roster"),
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def _year() -> int:
    return timezone.localdate().year


def _good_rows(people):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=people.commune.pk).update(email="xa.lungcu@example.vn")
    people.commune.refresh_from_db()
    lungcu, ngocduong = people.commune.unit.code, people.other_commune.unit.code
    trained = timezone.localdate().strftime("%d/%m/%Y")
    return [
        [lungcu, "Sùng Mí Pó", "Trưởng thôn", "", "0912000101", trained, "Lớp của tỉnh"],
        [lungcu, "Giàng Thị Mỷ", "Trưởng thôn", "", "0912000102", None, None],
        # The commune's account, listed again by its e-mail: counted once.
        [lungcu, "Người báo cáo xã", "Cán bộ", people.commune.email.upper(), "", None, None],
        [ngocduong, "Hoàng Thị Vân", "Trưởng thôn", "", "", None, None],
    ]


def test_a_province_uploads_rosters_and_the_share_counts_each_official_once(login, people):
    province = people.province.unit
    rows = _good_rows(people)
    before = selectors.trained_share(unit=province, children=[], year=_year())[0]
    client = login(people.province)
    template = client.get(reverse("training:roster_template"))
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    codes = [row[0].value for row in book["Mã đơn vị"].iter_rows(min_row=2)]
    assert people.commune.unit.code in codes and people.other_province.unit.code not in codes

    data = _xlsx(rows)
    response = _upload(client, data)
    assert response.status_code == 302
    assert RosterEntry.objects.count() == 4
    linked = RosterEntry.objects.get(email="xa.lungcu@example.vn")
    assert linked.user_id == people.commune.pk
    after = selectors.trained_share(unit=province, children=[], year=_year())[0]
    # Three people without an account join; the listed account is not counted twice.
    assert after["total"] == before["total"] + 3
    assert after["trained"] == before["trained"] + 1  # trained at another organiser's class
    # The same file again: the rosters are replaced, nothing doubles.
    assert _upload(client, data).status_code == 302
    assert RosterEntry.objects.count() == 4
    assert AuditEntry.objects.filter(action="training.roster_replace").count() == 2
    page = client.get(reverse("training:roster")).content.decode()
    assert people.commune.unit.name in page

    goal = client.get(reverse("training:goal") + f"?unit={people.commune.unit.code}")
    text = goal.content.decode()
    assert "Giàng Thị Mỷ" in text and "chưa có tài khoản" in text
    assert "Sùng Mí Pó" not in text  # trained elsewhere this year


def test_a_bad_roster_is_refused_whole_with_every_error_by_row_and_column(login, people):
    client = login(people.province)
    assert _upload(client, _xlsx(_good_rows(people))).status_code == 302
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    lungcu = people.commune.unit.code
    rows = [
        [lungcu, "Lý Văn Một", "", "", "", None, None],  # a good row: not written either
        [people.other_province.unit.code, "Người tỉnh khác", "", "", "", None, None],
        ["99999", "Mã sai", "", "", "", None, None],
        [lungcu, "", "Trưởng thôn", "", "", None, None],
        [lungcu, "Thư sai", "", "khong-phai-thu", "", None, None],
        [lungcu, "Ngày sai", "", "", "", "31/02/2026", None],
        [lungcu, "Tương lai", "", "", "", tomorrow, None],
        [lungcu, "Lý Văn Một", "", "", "", None, None],  # the first row again
        [lungcu, "Điện thoại sai", "", "", "abc", None, None],
    ]
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 400
    found = {(e.row, e.column) for e in response.context["errors"]}
    assert found == {
        (3, "A"),
        (4, "A"),
        (5, "B"),
        (6, "D"),
        (7, "F"),
        (8, "F"),
        (9, "B"),
        (10, "E"),
    }
    text = response.content.decode()
    assert "không thuộc phạm vi" in text and "dd/mm/yyyy" in text and "Trùng với dòng 2" in text
    # Nothing changed: the roster uploaded before is still whole.
    assert RosterEntry.objects.count() == 4
    assert not RosterEntry.objects.filter(full_name="Lý Văn Một").exists()

    wrong_header = _upload(client, _xlsx([[lungcu, "A"]], header=["Đơn vị", "Tên"]))
    assert wrong_header.status_code == 400
    assert ("1", "A") in {(str(e.row), e.column) for e in wrong_header.context["errors"]}
    not_excel = _upload(client, b"Ho ten;Don vi\nA;B\n", name="danh-sach.csv")
    assert not_excel.status_code == 400
    assert "không phải là tệp Excel" in not_excel.content.decode()
    assert RosterEntry.objects.count() == 4


def test_a_commune_uploads_only_its_own_roster(login, people):
    client = login(people.commune)
    rows = [[people.other_commune.unit.code, "Người xã khác", "", "", "", None, None]]
    response = _upload(client, _xlsx(rows))
    assert response.status_code == 400
    assert not RosterEntry.objects.exists()
    ok = _upload(
        client, _xlsx([[people.commune.unit.code, "Người xã mình", "", "", "", None, None]])
    )
    assert ok.status_code == 302 and RosterEntry.objects.count() == 1


def test_the_share_is_written_as_indicator_values_and_leads_the_dashboard(
    login, people, django_capture_on_commit_callbacks
):
    figures.form_reference_load()
    client = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        assert _upload(client, _xlsx(_good_rows(people))).status_code == 302
    values = {
        (v.indicator.code, v.options_key): int(v.value)
        for v in DataValue.objects.filter(
            unit=people.commune.unit, period__code=str(_year())
        ).select_related("indicator")
    }
    # The commune's own officials: its account plus three roster entries (one linked to it).
    assert values[("CB_PHAI_TH", "NGUON_CB=danh_sach")] == 2
    assert values[("CB_DA_TH", "NGUON_CB=danh_sach")] == 1
    assert values[("CB_PHAI_TH", "NGUON_CB=tai_khoan")] >= 1
    # Recounting changes nothing; a unit whose officials are gone is written as 0.
    assert figures.figures_write_all() >= 1  # the units with accounts only, not written yet
    assert figures.figures_write_all() == 0  # nothing changed: nothing is written
    again = {
        (v.indicator.code, v.options_key): int(v.value)
        for v in DataValue.objects.filter(
            unit=people.commune.unit, period__code=str(_year())
        ).select_related("indicator")
    }
    assert again == values
    RosterEntry.objects.filter(unit=people.other_commune.unit).delete()
    assert figures.figures_write_all() == 1
    assert (
        DataValue.objects.get(
            unit=people.other_commune.unit,
            period__code=str(_year()),
            indicator__code="CB_PHAI_TH",
            options_key="NGUON_CB=danh_sach",
        ).value
        == "0"
    )
    dashboard = client.get(
        reverse("analytics:dashboard") + f"?unit={people.province.unit.code}&year={_year()}"
    )
    assert dashboard.status_code == 200
    figure = next(f for f in dashboard.context["data"].key_figures if f.code == "TL_CB_TH")
    assert figure.value is not None and 0 < figure.value < 100
    assert figure.href == reverse("training:goal") + f"?unit=08&year={_year()}"
    assert f'href="{reverse("training:goal")}?unit=08&amp;year={_year()}"' in (
        dashboard.content.decode()
    )
    assert unit_get(code="08") == people.province.unit
