"""Approvals at scale: the approver sees the rule warnings and the previous period before
approving, approves several reports with one confirmation (each checked and audited on its
own, a retry approving nothing twice), and submitting asks for confirmation."""

from __future__ import annotations

import datetime
import re

import pytest

from dantoc.audit.models import AuditEntry
from dantoc.reporting import services
from dantoc.reporting.models import Submission, SubmissionStatus
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

Q3 = "/reporting/BM01-VON/2026Q3/"


def enter(user, form, period, values: dict[str, str], *, today=None):
    inputs = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(form, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        inputs.append(services.CellInput(key, value))
    services.datavalues_save(
        actor=user, form=form, unit=user.unit, period=period, inputs=inputs, source="web",
        today=today,
    )  # fmt: skip


@pytest.fixture
def two_submitted(people, today, von, q3):
    """Lũng Cú: Q2 500 planned, Q3 2.000 planned (a fourfold rise), and 300 planned for
    Project 2 with nothing disbursed (a warning of the form's rules); Ngọc Đường: Q3 100
    planned. Both submitted."""
    q2 = services.period_resolve(period_type=von.period_type, code="2026Q2")
    enter(people.commune, von, q2, {"VON_KH/DA1/DTPT/TW": "500"}, today=datetime.date(2026, 7, 5))
    enter(
        people.commune,
        von,
        q3,
        {"VON_KH/DA1/DTPT/TW": "2000", "VON_GN/DA1/DTPT/TW": "100", "VON_KH/DA2/SN/DP": "300"},
    )
    enter(people.other_commune, von, q3, {"VON_KH/DA1/DTPT/TW": "100"})
    return [
        services.submission_submit(actor=user, form=von, unit=user.unit, period=q3)
        for user in (people.commune, people.other_commune)
    ]


def test_approver_sees_rule_warnings_and_the_previous_period_before_approving(
    two_submitted, people, login
):
    page = login(people.province).get(Q3 + "00715/").content.decode()
    review = page[page.index("Trước khi duyệt") : page.index('class="approve"')]
    assert "So với kỳ trước (Quý II/2026)" in review
    flat = " ".join(re.sub(r"<[^>]+>", " ", review).split())
    assert "2.000 500" in flat and "300,0 %" in flat  # this period, the previous, the change
    assert "▲" in review  # a large change is marked
    assert "Cảnh báo: Dự án 2: có số giải ngân thì phải có kế hoạch vốn" in review


def test_approve_and_return_look_different(two_submitted, people, login):
    page = login(people.province).get(Q3 + "00715/").content.decode()
    assert re.search(r'<button class="approve">Duyệt</button>', page)
    assert re.search(r'<button class="return">Trả lại</button>', page)


def test_several_reports_are_approved_with_one_confirmation_each_audited_once(
    two_submitted, people, login
):
    ids = [s.pk for s in two_submitted]
    client = login(people.province)
    index = client.get("/reporting/").content.decode()
    for pk in ids:
        assert f'name="s" value="{pk}"' in index
    confirm = client.get("/reporting/approve/", {"s": ids})
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Duyệt 2 báo cáo?" in text and "Xã Lũng Cú" in text and "Xã Ngọc Đường" in text
    assert "thay đổi lớn so với kỳ trước" in text
    # Nothing is approved by looking at the confirmation.
    assert not Submission.objects.filter(pk__in=ids, status=SubmissionStatus.APPROVED).exists()

    response = client.post("/reporting/approve/", {"s": ids}, follow=True)
    assert "Đã duyệt 2 báo cáo" in response.content.decode()
    assert Submission.objects.filter(pk__in=ids, status=SubmissionStatus.APPROVED).count() == 2
    audited = AuditEntry.objects.filter(action="reporting.approve")
    assert audited.count() == 2

    # The same request again (a double click, a retried POST) approves nothing twice.
    again = client.post("/reporting/approve/", {"s": ids}, follow=True).content.decode()
    assert "đã được duyệt trước đó" in again
    assert AuditEntry.objects.filter(action="reporting.approve").count() == 2


@pytest.mark.parametrize("persona", ["commune", "other_province", "editor"])
def test_bulk_approval_refuses_reports_outside_the_approvers_scope(
    two_submitted, people, login, persona
):
    ids = [s.pk for s in two_submitted]
    user = getattr(people, persona)
    response = login(user).post("/reporting/approve/", {"s": ids}, follow=True)
    assert "không duyệt được" in response.content.decode()
    assert Submission.objects.filter(pk__in=ids, status=SubmissionStatus.SUBMITTED).count() == 2
    assert not AuditEntry.objects.filter(action="reporting.approve").exists()


def test_one_refused_report_does_not_stop_the_others(two_submitted, people):
    first, second = two_submitted
    Submission.objects.filter(pk=second.pk).update(status=SubmissionStatus.RETURNED)
    outcome = services.submissions_approve_many(
        actor=people.province, submission_ids=[first.pk, second.pk]
    )
    assert [s.pk for s in outcome.approved] == [first.pk]
    assert [s.pk for s, _reason in outcome.refused] == [second.pk]


def test_submitting_asks_for_confirmation_first(people, login, today, von, q3):
    enter(people.commune, von, q3, {"VON_KH/DA1/DTPT/TW": "700"})
    client = login(people.commune)
    entry = client.get(Q3 + "00715/").content.decode()
    # The button leads to the confirmation step (a page, or a dialog with JavaScript).
    assert f'href="{Q3}00715/submit" data-dialog="submit-dialog"' in entry
    assert '<dialog id="submit-dialog"' in entry
    page = client.get(Q3 + "00715/submit")
    assert page.status_code == 200
    assert "Nộp báo cáo?" in page.content.decode()
    assert not Submission.objects.filter(status=SubmissionStatus.SUBMITTED).exists()
    assert client.post(Q3 + "00715/submit").status_code == 302
    assert Submission.objects.get(unit=people.commune.unit).status == SubmissionStatus.SUBMITTED


def test_only_the_reporter_gets_the_submit_confirmation(people, login, today, von, q3):
    assert login(people.other_commune).get(Q3 + "00715/submit").status_code == 404
