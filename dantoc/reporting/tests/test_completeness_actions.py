"""Completeness that drives action: filter and sort by status, export CSV/XLSX, and "Nhắc nộp"
to the units still missing (notice and e-mail), audited and at most once a day per unit."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from dantoc.audit.models import AuditEntry
from dantoc.geo.models import Unit
from dantoc.notifications.models import Notification
from dantoc.reporting import services

pytestmark = pytest.mark.django_db

PAGE = "/reporting/BM01-VON/2026Q3/completeness/"
REMIND = PAGE + "remind"


@pytest.fixture
def lungcu_submitted(people, today, von, q3):
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    return q3


def unit_rows(html: str) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<a href="/reporting/BM01-VON/2026Q3/(\d+)/"', body)


def test_officer_filters_and_sorts_the_units_by_status(lungcu_submitted, people, login):
    client = login(people.province)
    everyone = unit_rows(client.get(PAGE, {"unit": "08"}).content.decode())
    assert "00715" in everyone and "00700" in everyone
    missing = unit_rows(client.get(PAGE, {"unit": "08", "status": "missing"}).content.decode())
    assert "00715" not in missing and "00700" in missing
    awaiting = unit_rows(client.get(PAGE, {"unit": "08", "status": "awaiting"}).content.decode())
    assert awaiting == ["00715"]
    by_share = unit_rows(client.get(PAGE, {"unit": "08", "sort": "percent"}).content.decode())
    assert by_share[-1] == "00715"  # the only one submitted comes last, lowest first
    by_name = client.get(PAGE, {"unit": "08", "sort": "name"}).content.decode()
    names = re.findall(r'/00\d+/">([^<]+)</a>', by_name[by_name.index("<tbody>") :])
    assert names == sorted(names)


def test_completeness_exports_csv_and_xlsx_with_formulas_neutralised(
    lungcu_submitted, people, login
):
    Unit.objects.filter(code="00700").update(name='=HYPERLINK("http://x","Ngọc Đường")')
    client = login(people.province)
    text = client.get(PAGE, {"unit": "08", "status": "missing", "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã đơn vị", "Đơn vị", "Trạng thái"]
    found = {r[0]: r for r in rows[1:]}
    assert "00715" not in found
    assert found["00700"][1].startswith("'=HYPERLINK")
    book = client.get(PAGE, {"unit": "08", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    assert cells["00715"][4].value == 1  # submitted
    assert cells["00700"][1].data_type == "s" and cells["00700"][1].quotePrefix is True
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_nhac_nop_reminds_the_missing_units_once_a_day_audited(
    lungcu_submitted, people, login, django_capture_on_commit_callbacks
):
    client = login(people.province)
    page = client.get(PAGE, {"unit": "08"}).content.decode()
    assert "Nhắc nộp (" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMIND, {"unit": "08"}, follow=True)
    text = response.content.decode()
    assert "Đã nhắc" in text and "Xã Ngọc Đường" in text
    nudges = Notification.objects.filter(kind="reporting.nudge")
    # Ngọc Đường (not submitted) is reminded; Lũng Cú (submitted) is not.
    assert nudges.filter(recipient=people.other_commune).count() == 1
    assert not nudges.filter(recipient=people.commune).exists()
    note = nudges.get(recipient=people.other_commune)
    assert note.url == "/reporting/BM01-VON/2026Q3/00700/" and "Nhắc nộp" in note.title
    assert AuditEntry.objects.filter(action="reporting.remind", unit__code="00700").count() == 1
    if people.other_commune.email:
        assert any(people.other_commune.email in m.to for m in mail.outbox)

    # Again within 24 hours: refused with when it becomes possible, nothing sent or audited.
    again = client.post(REMIND, {"unit": "08", "target": "00700"}, follow=True)
    assert "đã được nhắc trong 24 giờ qua; có thể nhắc lại sau" in again.content.decode()
    assert nudges.filter(recipient=people.other_commune).count() == 1
    assert AuditEntry.objects.filter(action="reporting.remind", unit__code="00700").count() == 1


def test_a_day_later_the_unit_may_be_reminded_again(lungcu_submitted, people, von):
    province = people.province.unit
    first = services.units_remind(
        actor=people.province, form=von, period=lungcu_submitted, root=province,
        unit_codes=["00700"],
    )  # fmt: skip
    assert [u.code for u in first.reminded] == ["00700"]
    later = timezone.now() + datetime.timedelta(hours=24, minutes=1)
    second = services.units_remind(
        actor=people.province, form=von, period=lungcu_submitted, root=province,
        unit_codes=["00700"], now=later,
    )  # fmt: skip
    assert [u.code for u in second.reminded] == ["00700"]


@pytest.mark.parametrize("persona", ["commune", "other_province", "editor"])
def test_only_officers_above_the_units_may_remind_them(lungcu_submitted, people, login, persona):
    response = login(getattr(people, persona)).post(REMIND, {"unit": "08", "target": "00700"})
    assert response.status_code in (403, 404)
    assert not Notification.objects.filter(kind="reporting.nudge").exists()
    assert not AuditEntry.objects.filter(action="reporting.remind").exists()
