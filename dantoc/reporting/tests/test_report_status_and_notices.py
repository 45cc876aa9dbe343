"""Small things officials noticed (issue 17, defect 8), reporting side: an unstarted report
has one status name on its page and in the list, the province's return is credited to the
province in the commune's notice, and the reporter's list links the Excel template."""

from __future__ import annotations

from html import unescape

import pytest

from dantoc.notifications.models import Notification
from dantoc.reporting import selectors, services
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

URL = "/reporting/BM01-VON/2026Q3/00715/"


def test_an_unstarted_report_has_the_same_status_on_its_page_and_in_the_list(people, login, today):
    client = login(people.commune)
    listing = unescape(client.get("/reporting/").content.decode())
    page = unescape(client.get(URL).content.decode())
    assert "Trạng thái: <strong>Chưa nhập</strong>" in listing
    assert '<strong class="status status-draft">Chưa nhập</strong>' in page
    assert "Đang nhập" not in page


def test_the_reporters_list_links_the_excel_template(people, login, today):
    listing = login(people.commune).get("/reporting/").content.decode()
    assert f'href="{URL}xlsx"' in listing


def test_the_communes_notice_of_a_return_is_from_the_province(
    people, today, von, q3, django_capture_on_commit_callbacks
):
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT", NGUON_VON="TW")
    services.datavalues_save(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3,
        inputs=[services.CellInput(key, "500")], source="web",
    )  # fmt: skip
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    submission = selectors.submission_for(form=von, unit=people.commune.unit, period=q3)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_return(actor=people.province, submission=submission, reason="Thiếu")
    notice = Notification.objects.get(recipient=people.commune, kind="reporting.returned")
    assert notice.unit == people.province.unit  # shown as the notice's sender
    assert notice.body.startswith("Tỉnh Tuyên Quang đã trả lại")
    assert "Quý III/2026" in notice.title and "2026Q3" not in notice.title


def test_the_communes_notice_of_an_approval_is_from_the_province(
    people, today, von, q3, django_capture_on_commit_callbacks
):
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT", NGUON_VON="TW")
    services.datavalues_save(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3,
        inputs=[services.CellInput(key, "500")], source="web",
    )  # fmt: skip
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    submission = selectors.submission_for(form=von, unit=people.commune.unit, period=q3)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_approve(actor=people.province, submission=submission)
    notice = Notification.objects.get(recipient=people.commune, kind="reporting.approved")
    assert notice.unit == people.province.unit
    assert "đã được Tỉnh Tuyên Quang duyệt" in notice.body


def test_a_read_only_report_page_marks_its_fields_read_only(people, login, today):
    page = login(people.province).get(URL).content.decode()
    assert page.count(" readonly") >= 2
