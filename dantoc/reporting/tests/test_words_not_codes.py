"""Officials read words, not codes (issue 17, defect 7, reporting side): report history names
its steps in Vietnamese, rules say what kind of check they are, value history names the
disaggregation, periods read "Quý IV/2026", and Excel errors say "Trang tính". English when
English is chosen."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.conf import settings
from django.utils import translation

from dantoc.reporting import selectors, services
from dantoc.reporting.periods import PeriodKind, PeriodRule, parse_period, period_label
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

URL = "/reporting/BM01-VON/2026Q3/00715/"
S1_DAY = datetime.date(2026, 7, 20)  # inside BM02-DA1 2026S1's entry window


def text_of(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize(
    ("code", "kind", "vi", "en"),
    [
        ("2026Q4", PeriodKind.QUARTER, "Quý IV/2026", "Q4 2026"),
        ("202603", PeriodKind.MONTH, "Tháng 3/2026", "March 2026"),
        ("2026", PeriodKind.YEAR, "Năm 2026", "2026"),
    ],
)
def test_a_period_is_named_in_the_language_shown(code, kind, vi, en):
    period = parse_period(code, PeriodRule(kind))
    with translation.override("vi"):
        assert period_label(period) == vi
    with translation.override("en"):
        assert period_label(period) == en


def test_a_report_not_yet_open_names_its_period_in_words(today, von):
    q4 = services.period_resolve(period_type=von.period_type, code="2026Q4")
    with translation.override("vi"):
        reason = services.entry_closed_reason(form=von, period=q4, submission=None, today=today)
    assert reason.startswith("Kỳ báo cáo Quý IV/2026 chưa mở nhập")
    assert "2026Q4" not in reason
    with translation.override("en"):
        reason = services.entry_closed_reason(form=von, period=q4, submission=None, today=today)
    assert "Q4 2026" in reason and "2026Q4" not in reason


def test_report_history_names_each_step_in_vietnamese(people, login, today, von, q3):
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT", NGUON_VON="TW")
    services.datavalues_save(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3,
        inputs=[services.CellInput(key, "500")], source="web",
    )  # fmt: skip
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    submission = selectors.submission_for(form=von, unit=people.commune.unit, period=q3)
    services.submission_return(actor=people.province, submission=submission, reason="Thiếu số")
    page = text_of(login(people.commune).get(URL))
    history = page[page.index("Lịch sử báo cáo") :]
    assert "Nộp báo cáo" in history and "Trả lại: Thiếu số" in history
    assert "· submit" not in history and "· return" not in history


def test_rules_say_their_kind_in_words(people, login):
    page = text_of(login(people.ministry).get("/reporting/forms/BM01-VON/v1/"))
    assert "Cặp bắt buộc (nhập cả hai hoặc bỏ trống cả hai)" in page
    assert "compulsory_pair" not in page
    assert "≤" in page or "So sánh" in page


def test_value_history_names_the_ethnic_group_not_its_code(people, login):
    da1 = selectors.form_get(code="BM02-DA1")
    s1 = services.period_resolve(period_type=da1.period_type, code="2026S1")
    key = next(
        k for k, c in selectors.form_layout(da1).cells.items() if c.options == {"DAN_TOC": "08"}
    )
    services.datavalues_save(
        actor=people.commune, form=da1, unit=people.commune.unit, period=s1,
        inputs=[services.CellInput(key, "12")], source="web", today=S1_DAY,
    )  # fmt: skip
    client = login(people.commune)
    page = text_of(client.get(f"/reporting/BM02-DA1/2026S1/00715/history/{key}"))
    assert "DAN_TOC" not in page and "=08" not in page
    assert "Dân tộc: Mông" in page
    assert "6 tháng đầu năm 2026" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text_of(client.get(f"/reporting/BM02-DA1/2026S1/00715/history/{key}"))
    assert "First half of 2026" in page


def test_the_entry_page_shows_the_period_in_english_when_english_is_chosen(people, login, today):
    client = login(people.commune)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text_of(client.get(URL))
    assert "Q3 2026" in page and "Quý III/2026" not in page
