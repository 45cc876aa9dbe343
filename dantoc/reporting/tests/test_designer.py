"""Ministry officers design a report form in the browser: one plain form per step (no
JavaScript needed), a preview of the entry form, and saving makes a new version that a
commune reporter fills in. A designed form and an uploaded JSON form are one definition."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dantoc.audit.models import AuditEntry
from dantoc.reporting import selectors, services
from dantoc.reporting.models import DataValue, FormDraft, ReportForm, Submission

pytestmark = pytest.mark.django_db


def token(page: str, step: str) -> str:
    """The step form's token on a designer page (each rendered form has its own)."""
    match = re.search(rf'name="{step}-token" value="([0-9a-f]+)"', page)
    assert match, f"no token for {step}"
    return match.group(1)


def step(client, draft_pk: int, name: str, fields: dict, page: str | None = None):
    page = page or client.get(f"/reporting/designer/{draft_pk}/").content.decode()
    data = {f"{name}-{key}": value for key, value in fields.items()}
    data[f"{name}-token"] = token(page, name)
    return client.post(f"/reporting/designer/{draft_pk}/step/{name}", data)


HEADER = {
    "name": "Biểu thử thiết kế: hộ được hỗ trợ nhà ở",
    "name_en": "",
    "period_type": "thang",
    "reporting_level": "commune",
    "programme": "",
    "description": "Đơn vị tính: hộ.",
    "opens_days_before_end": "31",
    "locks_days_after_end": "40",
    "deadline_commune": "10",
    "deadline_district": "",
    "deadline_province": "20",
}


def design_small_form(client) -> FormDraft:
    """Start a new form and give it a header, one section, one column, two rows, one rule."""
    response = client.post(
        "/reporting/designer/",
        {
            "code": "bm77-nhao",
            "name": HEADER["name"],
            "period_type": "thang",
            "reporting_level": "commune",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = FormDraft.objects.get()
    assert draft.definition["code"] == "BM77-NHAO"
    for name, fields in (
        ("header", HEADER),
        ("section", {"title": "I. Hỗ trợ nhà ở", "title_en": "", "code": ""}),
        (
            "column",
            {"section": "I_HO_TRO_NHA_O", "label": "Số hộ", "label_en": "", "code": "SO_HO",
             "indicator": "DA1_HO_NHA_O"},
        ),
        (
            "row",
            {"section": "I_HO_TRO_NHA_O", "label": "Dân tộc Mông", "label_en": "", "code": "",
             "opt_DAN_TOC": "08", "min_value": "0", "max_value": ""},
        ),
        (
            "row",
            {"section": "I_HO_TRO_NHA_O", "label": "Dân tộc Dao", "label_en": "", "code": "",
             "opt_DAN_TOC": "09", "optional": "on", "min_value": "", "max_value": ""},
        ),
        (
            "rule",
            {"left": "DA1_HO_NHA_O", "operator": ">=", "right": "", "right_number": "0",
             "importance": "warning", "message": "Số hộ không âm.", "message_en": "", "code": ""},
        ),
    ):  # fmt: skip
        response = step(client, draft.pk, name, fields)
        assert response.status_code == 302, (name, response.content.decode()[:3000])
    draft.refresh_from_db()
    return draft


def test_ministry_officer_designs_a_form_step_by_step_and_saves_a_version(people, login):
    client = login(people.ministry)
    draft = design_small_form(client)
    d = draft.definition
    assert d["deadlines"] == {"commune": 10, "province": 20}
    section = d["sections"][0]
    assert [r["code"] for r in section["rows"]] == ["DAN_TOC_MONG", "DAN_TOC_DAO"]
    assert section["rows"][0]["options"] == {"DAN_TOC": "08"}
    assert d["rules"][0]["left"] == "#{DA1_HO_NHA_O}" and d["rules"][0]["right"] == "0"
    page = client.get(f"/reporting/designer/{draft.pk}/").content.decode()
    # Names, not codes, where the officer reads the design.
    assert "Số hộ được hỗ trợ nhà ở" in page and "Cần sửa trước khi lưu" not in page
    response = client.post(f"/reporting/designer/{draft.pk}/save")
    assert response["Location"] == "/reporting/forms/BM77-NHAO/v1/"
    form = ReportForm.objects.get(code="BM77-NHAO")
    assert (form.version, form.status) == (1, "draft")
    assert selectors.form_definition(form) == d
    actions = set(AuditEntry.objects.filter(actor=people.ministry).values_list("action", flat=True))
    assert {
        "reporting.form_draft_start",
        "reporting.form_draft_change",
        "reporting.form_draft_save",
        "reporting.form_define",
    } <= actions
    # Saving again (a retried request) makes no second version.
    client.post(f"/reporting/designer/{draft.pk}/save")
    assert ReportForm.objects.filter(code="BM77-NHAO").count() == 1


def test_a_designed_version_is_filled_in_by_a_commune_reporter(people, login):
    officer = login(people.ministry)
    draft = design_small_form(officer)
    officer.post(f"/reporting/designer/{draft.pk}/save")
    officer.post("/reporting/forms/BM77-NHAO/v1/publish")
    form = selectors.form_get(code="BM77-NHAO")
    assert form is not None and form.status == "active"
    period = selectors.open_periods(form)[0].code
    reporter = login(people.commune)
    url = f"/reporting/BM77-NHAO/{period}/{people.commune.unit.code}/"
    assert "BM77-NHAO" in reporter.get("/reporting/").content.decode()
    page = reporter.get(url).content.decode()
    assert "Dân tộc Mông" in page and "Số hộ" in page
    key = next(
        k for k, c in selectors.form_layout(form).cells.items() if c.options["DAN_TOC"] == "08"
    )
    response = reporter.post(url, {f"v-{key}": "12", f"b-{key}": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    value = DataValue.objects.get(indicator__code="DA1_HO_NHA_O", options_key="DAN_TOC=08")
    assert value.value == "12" and value.unit_id == people.commune.unit_id


def test_a_step_with_mistakes_keeps_the_draft_and_says_what_is_wrong_next_to_the_field(
    people, login
):
    client = login(people.ministry)
    draft = design_small_form(client)
    before = json.dumps(draft.definition, sort_keys=True)
    response = step(
        client,
        draft.pk,
        "row",
        {"section": "I_HO_TRO_NHA_O", "label": "Nữ", "label_en": "", "code": "có dấu cách",
         "opt_GIOI_TINH": "NU", "min_value": "5", "max_value": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "Chưa thêm được: xem lỗi bên dưới" in html
    assert "không phân tổ theo" in html  # a category the column's indicator does not have
    assert "Giá trị lớn nhất phải không nhỏ hơn giá trị nhỏ nhất." in html
    # What was typed is still in the form, the error sits with its field.
    assert 'value="Nữ"' in html
    assert re.search(r'id="id_row-max_value_error"', html) or 'aria-invalid="true"' in html
    response = step(
        client,
        draft.pk,
        "row",
        {"section": "I_HO_TRO_NHA_O", "label": "Nữ", "label_en": "", "code": "có dấu cách"},
    )
    assert response.status_code == 400
    assert "Mã chỉ gồm chữ cái không dấu" in response.content.decode()
    draft.refresh_from_db()
    assert json.dumps(draft.definition, sort_keys=True) == before


def test_a_step_posted_twice_changes_the_design_once(people, login):
    client = login(people.ministry)
    draft = design_small_form(client)
    page = client.get(f"/reporting/designer/{draft.pk}/").content.decode()
    fields = {"section-title": "II. Đất ở", "section-title_en": "", "section-code": "",
              "section-token": token(page, "section")}  # fmt: skip
    for _ in range(2):
        client.post(f"/reporting/designer/{draft.pk}/step/section", fields)
    draft.refresh_from_db()
    assert [s["title"] for s in draft.definition["sections"]] == ["I. Hỗ trợ nhà ở", "II. Đất ở"]


def test_changing_a_version_makes_a_new_one_and_leaves_the_old_one_and_its_reports(people, login):
    client = login(people.ministry)
    old = selectors.form_get(code="BM02-DA1")
    old_definition = selectors.form_definition(old)
    filed = Submission.objects.create(
        form=old,
        form_code=old.code,
        unit=people.commune.unit,
        period=services.period_resolve(period_type=old.period_type, code="2025S1"),
        status="submitted",
    )
    response = client.post(f"/reporting/forms/BM02-DA1/v{old.version}/design")
    draft = FormDraft.objects.get()
    assert response["Location"] == f"/reporting/designer/{draft.pk}/"
    section = draft.definition["sections"][0]
    row = section["rows"][-1]
    page = client.get(f"/reporting/designer/{draft.pk}/").content.decode()
    client.post(
        f"/reporting/designer/{draft.pk}/item",
        {"kind": "rows", "section": section["code"], "code": row["code"], "action": "remove",
         "token": "t1"},
    )  # fmt: skip
    assert "Sửa từ phiên bản" in page
    client.post(f"/reporting/designer/{draft.pk}/save")
    new = ReportForm.objects.get(code="BM02-DA1", version=old.version + 1)
    assert new.status == "draft"
    assert row["code"] not in [r.code for s in new.sections.all() for r in s.rows.all()]
    old.refresh_from_db()
    assert selectors.form_definition(old) == old_definition and old.status == "active"
    filed.refresh_from_db()
    assert (filed.form_id, filed.status) == (old.pk, "submitted")
    # Applying the new version leaves the filed report on the version it was filed on.
    client.post(f"/reporting/forms/BM02-DA1/v{new.version}/publish")
    filed.refresh_from_db()
    assert filed.form_id == old.pk


def test_a_designed_form_round_trips_through_its_json(people, login):
    client = login(people.ministry)
    draft = design_small_form(client)
    client.post(f"/reporting/designer/{draft.pk}/save")
    exported = client.get("/reporting/forms/BM77-NHAO/v1/json")
    assert exported["Content-Disposition"].startswith("attachment")
    definition = json.loads(exported.content)
    assert definition == draft.definition
    response = client.post(
        "/reporting/forms/new/",
        {"definition": SimpleUploadedFile("bm.json", exported.content, "application/json")},
    )
    assert response.status_code == 302
    assert ReportForm.objects.filter(code="BM77-NHAO").count() == 1  # unchanged: no new version
    # The uploaded reference forms round-trip too: their export re-uploaded changes nothing.
    von = selectors.form_get(code="BM01-VON")
    raw = client.get(f"/reporting/forms/BM01-VON/v{von.version}/json").content
    client.post(
        "/reporting/forms/new/",
        {"definition": SimpleUploadedFile("von.json", raw, "application/json")},
    )
    assert ReportForm.objects.filter(code="BM01-VON").count() == 1


def test_the_preview_shows_the_step_being_typed_without_changing_the_design(people, login):
    client = login(people.ministry)
    draft = design_small_form(client)
    before = draft.definition
    preview = client.get(f"/reporting/designer/{draft.pk}/preview")
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in preview["Content-Security-Policy"]
    html = preview.content.decode()
    assert "Dân tộc Mông" in html and 'inputmode="decimal"' in html
    html = client.post(
        f"/reporting/designer/{draft.pk}/preview",
        {"step": "row", "row-section": "I_HO_TRO_NHA_O", "row-label": "Dân tộc Tày",
         "row-code": "", "row-opt_DAN_TOC": "02"},
    ).content.decode()  # fmt: skip
    assert "Dân tộc Tày" in html
    draft.refresh_from_db()
    assert draft.definition == before


@pytest.mark.parametrize("persona", ["commune", "province", "editor", "admin"])
def test_only_ministry_officers_use_the_designer(people, login, persona):
    officer = login(people.ministry)
    draft = design_small_form(officer)
    client = login(getattr(people, persona))
    before = json.dumps(draft.definition, sort_keys=True)
    assert client.get("/reporting/designer/").status_code == 403
    assert client.get(f"/reporting/designer/{draft.pk}/").status_code == 403
    response = client.post(
        f"/reporting/designer/{draft.pk}/step/section", {"section-title": "X", "section-token": ""}
    )
    assert response.status_code == 403
    assert client.post(f"/reporting/designer/{draft.pk}/save").status_code == 403
    assert client.post("/reporting/forms/BM01-VON/v1/design").status_code == 403
    draft.refresh_from_db()
    assert json.dumps(draft.definition, sort_keys=True) == before
    assert not ReportForm.objects.filter(code="BM77-NHAO").exists()
