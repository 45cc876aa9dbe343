"""The commune reporter's and the level above's experience of one report."""

import datetime
import json
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied

from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get
from dantoc.notifications.models import Notification
from dantoc.reporting import selectors, services
from dantoc.reporting.models import DataValue, DataValueChange, Submission, SubmissionEvent
from dantoc.reporting.tests.conftest import cell_keys

pytestmark = pytest.mark.django_db

URL = "/reporting/BM01-VON/2026Q3/00715/"
API = "/api/v1/reports/BM01-VON/2026Q3/00715/values"


def post_cells(client, cells, url=API):
    return client.post(url, json.dumps({"cells": cells}), content_type="application/json")


def test_reporter_enters_values_on_the_page_and_each_change_keeps_its_history(
    people, login, today, von, q3
):
    client = login(people.commune)
    tw, dp = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT")[:2]
    response = client.post(URL, {f"v-{tw}": "1.200,5", f"v-{dp}": "300", f"c-{tw}": "QĐ giao vốn"})
    assert response.status_code == 302
    response = client.post(URL, {f"v-{tw}": "1250"})
    value = DataValue.objects.get(
        unit__code="00715", period=q3, options_key__contains=["NGUON_VON=TW", "DU_AN=DA1"][0]
    )
    assert value.value == "1250" and value.comment == "QĐ giao vốn"
    # The first entry is the value's own record; the change after it is a history row.
    assert value.created_by == people.commune and value.created_at <= value.updated_at
    history = list(value.changes.values_list("old_value", "new_value", "source", "actor__username"))
    assert history == [("1200.5", "1250", "web", "xa.lungcu")]
    page = unescape(client.get(f"{URL}history/{tw}").content.decode())
    first = page.split('id="first-entry">')[1].split("</p>")[0]
    assert str(people.commune) in first and "<strong>1200.5</strong>" in first
    assert "QĐ giao vốn" in first
    assert "1250" in page.split("</thead>")[1]


def test_a_wrong_value_is_named_next_to_its_cell_and_the_good_ones_are_saved(
    people, login, today, von, q3
):
    client = login(people.commune)
    tw, dp = cell_keys(von, indicator="VON_KH", DU_AN="DA2", LOAI_VON="SN")[:2]
    response = client.post(URL, {f"v-{tw}": "mười", f"v-{dp}": "75"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert f'id="m-{tw}" role="status">\'mười\' không phải là số' in html
    assert 'value="mười"' in html  # what was typed stays in the box
    assert DataValue.objects.filter(unit__code="00715", period=q3).count() == 1


def test_autosave_saves_one_cell_and_returns_the_rules_it_breaks(people, login, today, von, q3):
    client = login(people.commune)
    [gn] = cell_keys(von, indicator="VON_GN", DU_AN="DA3", LOAI_VON="DTPT", NGUON_VON="TW")
    response = post_cells(client, [{"key": gn, "value": "500", "comment": "đợt 1"}])
    assert response.status_code == 200
    body = response.json()
    assert body["cells"] == [
        {
            "key": gn,
            "status": "saved",
            "value": "500",
            "message": "",
            "warning": "",
            "stored": {"display": "500", "comment": "đợt 1"},
        }
    ]
    rules = {v["rule"]: v["importance"] for v in body["violations"]}
    assert rules["GN_LE_KH"] == "error"  # disbursed 500 of nothing allocated
    assert rules["CAP_DA3"] == "warning"
    again = post_cells(client, [{"key": gn, "value": "500", "comment": "đợt 1"}]).json()
    assert again["cells"][0]["status"] == "unchanged"
    # Entered once: recorded on the value itself, no history row (nor one for the repeat).
    value = DataValue.objects.get(unit__code="00715", period=q3)
    assert (value.value, value.comment, value.created_by) == ("500", "đợt 1", people.commune)
    assert DataValueChange.objects.filter(data_value__unit__code="00715").count() == 0
    bad = post_cells(client, [{"key": "r999999c1", "value": "1"}])
    assert bad.status_code == 400 and bad.json()["cells"][0]["status"] == "error"


def test_another_commune_can_neither_see_nor_change_the_report(people, login, today, von):
    client = login(people.other_commune)
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    assert client.get(URL).status_code == 404
    assert post_cells(client, [{"key": key, "value": "1"}]).status_code == 404
    assert client.post(URL + "submit").status_code == 404
    assert not DataValue.objects.filter(unit__code="00715").exists()
    assert not Submission.objects.filter(unit__code="00715").exists()


def test_province_officer_reads_but_does_not_type_into_a_commune_report(people, login, today, von):
    client = login(people.province)
    assert client.get(URL).status_code == 200
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    assert post_cells(client, [{"key": key, "value": "1"}]).status_code == 403
    assert not DataValue.objects.filter(unit__code="00715").exists()


def test_unknown_form_or_malformed_period_is_a_clear_404(people, login, today):
    client = login(people.commune)
    assert client.get("/reporting/NOPE/2026Q3/00715/").status_code == 404
    response = client.get("/reporting/BM01-VON/2026Q5/00715/")
    assert response.status_code == 404


def test_periods_not_yet_open_or_already_locked_refuse_changes(people, login, today, von):
    client = login(people.commune)
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    early = post_cells(client, [{"key": key, "value": "1"}], API.replace("2026Q3", "2026Q4"))
    assert early.status_code == 409 and "chưa mở nhập" in early.json()["detail"]
    late = post_cells(client, [{"key": key, "value": "1"}], API.replace("2026Q3", "2026Q1"))
    assert late.status_code == 409 and "đã khoá" in late.json()["detail"]
    assert not DataValue.objects.filter(unit__code="00715").exists()


def _enter(people, von, q3, values: dict[str, str]):
    cells = []
    for spec, value in values.items():
        indicator, project, kind, source = spec.split("/")
        [key] = cell_keys(von, indicator=indicator, DU_AN=project, LOAI_VON=kind, NGUON_VON=source)
        cells.append(services.CellInput(key, value))
    return services.datavalues_save(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3, inputs=cells,
        source="web",
    )  # fmt: skip


def test_deleting_and_restoring_a_value_are_changes_and_its_first_entry_stays_known(
    people, login, today, von, q3
):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": ""})
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "450"})
    value = DataValue.objects.get(unit__code="00715", period=q3)
    assert (value.value, value.deleted, value.created_by) == ("450", False, people.commune)
    assert list(value.changes.values_list("old_value", "new_value", "deleted")) == [
        ("500", "", True),
        ("", "450", False),
    ]
    history = selectors.value_history(data_value=value)
    assert (history.first_value, history.created_by) == ("500", people.commune)
    assert [c.new_value for c in history.changes] == ["450", ""]  # newest first


def test_an_error_rule_blocks_submission_and_a_warning_does_not(people, login, today, von, q3):
    _enter(people, von, q3, {"VON_GN/DA1/DTPT/TW": "900", "VON_KH/DA1/DTPT/TW": "500"})
    with pytest.raises(services.SubmissionBlocked) as exc:
        services.submission_submit(
            actor=people.commune, form=von, unit=people.commune.unit, period=q3
        )
    assert {v.rule_code for v in exc.value.violations} == {"GN_LE_KH", "GN_LE_KH_TW"}
    assert Submission.objects.get(unit=people.commune.unit).status == "draft"
    _enter(people, von, q3, {"VON_GN/DA1/DTPT/TW": "400", "VON_GN/DA2/SN/DP": "10"})
    # DA2 now breaks only a warning (disbursed without allocation in the same project)…
    with pytest.raises(services.SubmissionBlocked):
        services.submission_submit(
            actor=people.commune, form=von, unit=people.commune.unit, period=q3
        )
    _enter(people, von, q3, {"VON_KH/DA2/SN/DP": "20"})
    submission = services.submission_submit(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3
    )
    assert submission.status == "submitted"


def test_submitting_locks_the_report_tells_the_province_and_a_second_click_changes_nothing(
    people, login, today, von, q3, django_capture_on_commit_callbacks
):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    client = login(people.commune)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL + "submit").status_code == 302
        assert client.post(URL + "submit").status_code == 302
    submission = Submission.objects.get(unit__code="00715", period=q3)
    assert submission.status == "submitted" and submission.submitted_by == people.commune
    assert SubmissionEvent.objects.filter(submission=submission, action="submit").count() == 1
    told = Notification.objects.filter(recipient=people.province, kind="reporting.submitted")
    assert told.count() == 1 and "Xã Lũng Cú" in told.get().title
    assert not Notification.objects.filter(recipient=people.other_province).exists()
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="DTPT", NGUON_VON="TW")
    locked = post_cells(client, [{"key": key, "value": "1"}])
    assert locked.status_code == 409 and "Đã nộp" in locked.json()["detail"]
    assert DataValue.objects.get(unit__code="00715", period=q3).value == "500"


def test_province_approves_the_reporter_is_told_and_reopening_shows_later_changes(
    people, login, today, von, q3, django_capture_on_commit_callbacks
):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    officer = login(people.province)
    with django_capture_on_commit_callbacks(execute=True):
        assert officer.post(URL + "approve").status_code == 302
    submission = Submission.objects.get(unit__code="00715", period=q3)
    assert submission.status == "approved" and submission.last_approved_at
    assert Notification.objects.filter(recipient=people.commune, kind="reporting.approved").exists()
    # Reopening needs a reason, and is an audited act of the approver.
    assert officer.post(URL + "return", {"reason": ""}).status_code == 302
    assert Submission.objects.get(pk=submission.pk).status == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(URL + "return", {"reason": "Sai số liệu nguồn TW"})
    submission.refresh_from_db()
    assert submission.status == "returned" and submission.reason == "Sai số liệu nguồn TW"
    assert AuditEntry.objects.filter(action="reporting.reopen", actor=people.province).exists()
    returned = Notification.objects.get(recipient=people.commune, kind="reporting.returned")
    assert "Sai số liệu nguồn TW" in returned.body
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "450"})
    page = officer.get(URL).content.decode()
    assert "1 thay đổi sau lần duyệt gần nhất" in page
    # A value entered for the first time after the approval is a change of the report too.
    _enter(people, von, q3, {"VON_KH/DA2/SN/DP": "20"})
    page = officer.get(URL).content.decode()
    assert "2 thay đổi sau lần duyệt gần nhất" in page


@pytest.mark.parametrize("persona", ["commune", "other_commune", "other_province", "editor"])
def test_only_officers_above_may_approve(people, today, von, q3, persona):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    submission = services.submission_submit(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3
    )
    with pytest.raises(PermissionDenied):
        services.submission_approve(actor=getattr(people, persona), submission=submission)
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_the_province_report_waits_for_every_commune_approved_or_waived(
    people, login, today, von, q3
):
    province = people.province.unit
    communes = services.reporting_children(form=von, unit=province, period=q3)
    assert len(communes) == selectors.reporting_units(form=von, period=q3, root=province).count()
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    with pytest.raises(services.SubmissionBlocked) as exc:
        services.submission_submit(actor=people.province, form=von, unit=province, period=q3)
    assert "Xã Lũng Cú" in str(exc.value)
    commune_submission = Submission.objects.get(unit=people.commune.unit, period=q3)
    services.submission_approve(actor=people.province, submission=commune_submission)
    for commune in communes:
        if commune != people.commune.unit:
            services.submission_waive(
                actor=people.province, form=von, unit=commune, period=q3, reason="Không có vốn"
            )
    province_report = services.submission_submit(
        actor=people.province, form=von, unit=province, period=q3
    )
    assert province_report.status == "submitted"
    services.submission_approve(actor=people.ministry, submission=province_report)
    # With the province's report approved, a commune's report cannot be reopened first.
    with pytest.raises(services.SubmissionBlocked):
        services.submission_return(actor=people.province, submission=commune_submission, reason="x")
    completeness = selectors.completeness(form=von, period=q3, root=province)
    assert completeness.total.expected == 1  # waived communes are not expected
    assert completeness.total.submitted == completeness.total.approved == 1


def test_completeness_counts_on_time_late_and_missing_per_unit(people, today, von, q3):
    province = people.province.unit
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    Submission.objects.filter(unit=people.commune.unit).update(
        submitted_at=datetime.datetime(2026, 10, 20, 9, tzinfo=datetime.UTC)
    )
    country = selectors.completeness(form=von, period=q3, root=unit_get(code="VN"))
    assert country.total.expected == 3321
    assert (
        country.total.submitted == 1 and country.total.late == 1 and country.total.missing == 3320
    )
    assert len(country.rows) == 34
    tuyen_quang = next(r for r in country.rows if r.unit == province)
    assert (tuyen_quang.submitted, tuyen_quang.late) == (1, 1)
    in_province = selectors.completeness(form=von, period=q3, root=province)
    row = next(r for r in in_province.rows if r.unit == people.commune.unit)
    assert row.status == "submitted" and row.late == 1


def test_completeness_page_drills_down_and_is_scoped(people, login, today, von, q3):
    client = login(people.province)
    page = client.get("/reporting/BM01-VON/2026Q3/completeness/").content.decode()
    assert "Tỉnh Tuyên Quang" in page and "Xã Lũng Cú" in page
    assert client.get("/reporting/BM01-VON/2026Q3/completeness/?unit=15").status_code == 404
    ministry = login(people.ministry)
    national = ministry.get("/reporting/BM01-VON/2026Q3/completeness/?unit=VN").content.decode()
    assert "3.321" in national and "Tỉnh Lào Cai" in national


def test_reports_before_the_reform_follow_the_old_hierarchy(people, monkeypatch, von):
    from django.utils import timezone

    from dantoc.accounts.services import user_create

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2025, 7, 5))
    old_commune = unit_get(code="00721", as_of=datetime.date(2025, 6, 30))  # TT Đồng Văn
    reporter = user_create(
        actor=None, username="tt.dongvan", password="x", unit=old_commune,
        roles=["commune_reporter"], check_password=False,
    )  # fmt: skip
    q2 = services.period_resolve(period_type=von.period_type, code="2025Q2")
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    services.datavalues_save(
        actor=reporter, form=von, unit=old_commune, period=q2,
        inputs=[services.CellInput(key, "80")], source="web",
    )  # fmt: skip
    district = old_commune.parent
    assert district.name == "Huyện Đồng Văn"
    assert old_commune in services.reporting_children(form=von, unit=district, period=q2)
    old_province = district.parent
    levels = {u.level for u in services.reporting_children(form=von, unit=old_province, period=q2)}
    assert levels == {"district"}
    new_province = people.province.unit
    assert services.reporting_children(form=von, unit=new_province, period=q2) == []
    # The value stays attached to the old commune and the new province's officer sees it.
    value = DataValue.objects.get(period=q2)
    assert value.unit == old_commune
    assert selectors.completeness(form=von, period=q2, root=old_province).total.expected == (
        selectors.reporting_units(form=von, period=q2, root=old_province).count()
    )


def test_a_changed_form_definition_becomes_a_new_version_and_filed_reports_keep_theirs(
    people, login, today, von, q3
):
    import copy

    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    definition = json.loads(
        (services.Path(__file__).parents[3] / "data/forms/bm01_von.json").read_text()
    )
    changed = copy.deepcopy(definition)
    changed["sections"][0]["columns"] = changed["sections"][0]["columns"][:2]
    v2, created = services.form_define(definition=changed)
    assert created and v2.version == von.version + 1 and v2.status == "active"
    von.refresh_from_db()
    assert von.status == "retired"
    again, created = services.form_define(definition=changed)
    assert not created and again == v2
    client = login(people.commune)
    page = client.get(URL).content.decode()
    assert f"BM01-VON v{von.version}" in page  # the filed report keeps version 1
    assert "Lồng ghép" in page  # a column version 2 dropped


def test_period_types_with_vietnamese_cut_off_windows_are_data(db):
    from dantoc.reporting.models import PeriodType

    month = PeriodType.objects.get(code="thang_chot15")
    period = services.period_resolve(period_type=month, code="202509")
    assert (period.start_date, period.end_date) == (
        datetime.date(2025, 8, 15),
        datetime.date(2025, 9, 14),
    )
    nine = PeriodType.objects.get(code="9thang")
    period = services.period_resolve(period_type=nine, code="2025C9")
    assert (period.start_date, period.end_date) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 9, 30),
    )
    with pytest.raises(services.PeriodError):
        services.period_resolve(period_type=month, code="2025Q3")


def test_completeness_shows_at_a_glance_a_report_reopened_after_approval(
    people, login, today, von, q3
):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    submission = services.submission_submit(
        actor=people.commune, form=von, unit=people.commune.unit, period=q3
    )
    services.submission_approve(actor=people.province, submission=submission)
    services.submission_return(actor=people.province, submission=submission, reason="Kiểm tra lại")
    data = selectors.completeness(form=von, period=q3, root=people.province.unit)
    row = next(r for r in data.rows if r.unit == people.commune.unit)
    assert row.reopened and row.status_label == "Bị trả lại"
    national = selectors.completeness(form=von, period=q3, root=unit_get(code="VN"))
    assert next(r for r in national.rows if r.unit == people.province.unit).reopened_count == 1
    page = login(people.province).get("/reporting/BM01-VON/2026Q3/completeness/").content.decode()
    assert "mở lại sau khi duyệt" in page


@pytest.mark.parametrize("typed", ["1E1000000", "1e-1000000", "9" * 80, "NaN", "Infinity"])
def test_absurd_numbers_are_refused_next_to_the_cell_not_a_server_error(
    people, login, today, von, typed
):
    client = login(people.commune)
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    response = post_cells(client, [{"key": key, "value": typed}])
    assert response.status_code == 400
    assert response.json()["cells"][0]["status"] == "error"
    assert not DataValue.objects.filter(unit__code="00715").exists()


def test_the_province_officer_sees_what_awaits_approval(people, login, today, von, q3):
    _enter(people, von, q3, {"VON_KH/DA1/DTPT/TW": "500"})
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    page = login(people.province).get("/reporting/").content.decode()
    assert "Chờ duyệt (1)" in page and "/reporting/BM01-VON/2026Q3/00715/" in page
    other = login(people.other_province).get("/reporting/").content.decode()
    assert "Chờ duyệt" not in other
    commune = login(people.commune).get("/reporting/").content.decode()
    assert "Chờ duyệt" not in commune


def test_a_form_with_a_broken_rule_or_duplicate_codes_is_refused_when_defined(db):
    definition = json.loads(
        (services.Path(__file__).parents[3] / "data/forms/bm01_von.json").read_text()
    )
    definition["code"] = "BM-HONG"
    definition["rules"] = [
        {"code": "R1", "left": "#{VON_GN}", "operator": "=>", "right": "#{VON_KH}", "message": "x"},
        {
            "code": "R2",
            "left": "#{VON_GN}",
            "operator": "<=",
            "right": "#{VON_KH} +",
            "message": "x",
        },
    ]
    definition["sections"][0]["rows"].append(definition["sections"][0]["rows"][0])
    errors = [str(e) for e in services.form_check_definition(definition)]
    assert any("phép so sánh '=>'" in e for e in errors)
    assert any("R2" in e or "Biểu thức" in e for e in errors)
    assert any("lặp lại" in e for e in errors)
    with pytest.raises(services.ImportRejected):
        services.form_define(definition=definition)


def test_the_province_report_page_offers_no_typing_and_a_post_is_refused_not_a_500(
    people, login, today, von
):
    client = login(people.province)
    page = client.get("/reporting/BM01-VON/2026Q3/08/").content.decode()
    assert 'name="v-' in page and "readonly" in page
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    assert client.post("/reporting/BM01-VON/2026Q3/08/", {f"v-{key}": "1"}).status_code == 403
    api = post_cells(client, [{"key": key, "value": "1"}], API.replace("00715", "08"))
    assert api.status_code == 403


def test_a_waiver_can_be_withdrawn(people, today, von, q3):
    submission = services.submission_waive(
        actor=people.province, form=von, unit=people.commune.unit, period=q3, reason="nhầm"
    )
    services.submission_return(actor=people.province, submission=submission, reason="Nhầm xã")
    submission.refresh_from_db()
    assert submission.status == "returned"
    assert SubmissionEvent.objects.filter(submission=submission, action="unwaive").exists()


def test_a_report_cannot_be_submitted_before_its_period_opens(people, today, von):
    future = services.period_resolve(period_type=von.period_type, code="2099Q4")
    with pytest.raises(services.ReportClosed):
        services.submission_submit(
            actor=people.commune, form=von, unit=people.commune.unit, period=future
        )
    assert not Submission.objects.filter(period=future, status="submitted").exists()


def test_values_keep_six_decimals_so_a_page_save_changes_nothing(people, login, today, von, q3):
    client = login(people.commune)
    [key] = cell_keys(von, indicator="VON_KH", DU_AN="DA1", LOAI_VON="SN", NGUON_VON="TW")
    post_cells(client, [{"key": key, "value": "0,1234567"}])
    value = DataValue.objects.get(unit__code="00715", period=q3)
    assert value.value == "0.123457" and str(value.numeric.normalize()) == "0.123457"
    page = client.get(URL).content.decode()
    assert f'name="v-{key}" value="0,123457"' in page
    client.post(URL, {f"v-{key}": "0,123457", f"b-{key}": "0,123457", f"bc-{key}": ""})
    value.refresh_from_db()
    assert value.value == "0.123457" and not value.changes.exists()


def test_saving_the_whole_page_never_puts_back_a_value_changed_meanwhile(
    people, login, today, von, q3
):
    client = login(people.commune)
    first, second = cell_keys(von, indicator="VON_KH", DU_AN="DA2", LOAI_VON="SN")[:2]
    post_cells(client, [{"key": first, "value": "100"}])
    # The page shows 100; meanwhile another session (or an import) changes it to 250.
    post_cells(client, [{"key": first, "value": "250"}])
    untouched = {f"v-{first}": "100", f"b-{first}": "100", f"bc-{first}": ""}
    response = client.post(URL, {**untouched, f"v-{second}": "7", f"b-{second}": ""})
    assert response.status_code == 302  # the untouched cell is not sent back
    values = {v.value for v in DataValue.objects.filter(unit__code="00715", period=q3)}
    assert values == {"250", "7"}
    # Had the person changed it too, they are told instead of overwriting the other change.
    response = client.post(URL, {f"v-{first}": "120", f"b-{first}": "100", f"bc-{first}": ""})
    assert response.status_code == 400
    assert "đã được sửa thành “250”" in unescape(response.content.decode())
    assert (
        DataValue.objects.get(unit__code="00715", period=q3, value__in=["250", "120"]).value
        == "250"
    )


def test_a_content_editor_reads_no_report_figures(people, login, today):
    client = login(people.editor)
    assert client.get(URL).status_code == 404
    assert client.get(API).status_code == 404
