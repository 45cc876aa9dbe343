"""The expert database: consent and rights, who sees what (per persona), search, matching,
exchange formats, import, verification and engagements."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dantoc.audit.models import AuditEntry
from dantoc.core.errors import ImportRejected
from dantoc.experts import exchange, selectors, services
from dantoc.experts.models import ConsentRecord, Engagement, Expert
from dantoc.experts.orcid import orcid_normalise
from dantoc.experts.tests.conftest import account, engagement_data, profile
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get
from dantoc.programmes.models import Component

RESTRICTED = ("ykhoa@example.vn", "0912000111", "mai@example.vn", "0912000222")


def _no_restricted(text: str) -> None:
    for secret in RESTRICTED:
        assert secret not in text, secret


# --- ORCID --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("https://orcid.org/0000-0002-1694-233X", "0000-0002-1694-233X"),
        ("0000000218250097", "0000-0002-1825-0097"),
        ("0000-0002-1825-0098", None),
        ("0000-0002-1694-2339", None),
        ("1234", None),
    ],
)
def test_orcid_id_is_accepted_only_with_its_iso_7064_check_character(value, expected):
    assert orcid_normalise(value) == expected


def test_profile_with_a_wrong_orcid_checksum_is_refused_and_nothing_is_saved(world):
    expert = world["ykhoa"]
    with pytest.raises(ValidationError) as refused:
        services.expert_update(
            actor=world["ykhoa_user"],
            expert=expert,
            data=profile("Y Khoa Niê", orcid="0000-0002-1825-0098"),
        )
    assert "orcid" in refused.value.message_dict
    expert.refresh_from_db()
    assert expert.orcid == "0000-0002-1825-0097"


# --- registration and consent -------------------------------------------------------------------


def test_a_person_registers_with_consent_recorded_and_a_resent_form_makes_one_profile(client, db):
    token = str(uuid.uuid4())
    form = {
        "username": "cg.moi",
        "password": "mot-mat-khau-dai-2026",
        "full_name": "H'Hen Niê",
        "availability": "available",
        "fields_": ["DA8"],
        "provinces": ["66"],
        "ethnic_groups": ["11"],
        "lang_rad": "native",
        "consent_public": "on",
        "purpose_accepted": "on",
        "email": "hhen@example.vn",
        "token": token,
    }
    first = client.post("/chuyen-gia/dang-ky/", form)
    assert first.status_code == 302
    again = client.post("/chuyen-gia/dang-ky/", form)
    assert again.status_code == 302
    assert Expert.objects.filter(full_name="H'Hen Niê").count() == 1
    expert = Expert.objects.get(full_name="H'Hen Niê")
    assert expert.user.username == "cg.moi"
    assert expert.user.unit_id is None and not expert.user.roles.exists()
    assert expert.user.email == "" and expert.user.full_name == ""  # kept in the profile only
    consent = ConsentRecord.objects.get(expert=expert)
    assert consent.action == "given" and consent.public and not consent.officials
    assert consent.purpose and consent.at is not None
    assert " ede " in expert.search_text or "e de" in expert.search_text


def test_registration_without_accepting_the_purpose_is_refused(client, db):
    response = client.post(
        "/chuyen-gia/dang-ky/",
        {
            "username": "cg.khong",
            "password": "mot-mat-khau-dai-2026",
            "full_name": "Không Đồng Ý",
            "availability": "available",
            "token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    assert "Cần đồng ý với mục đích" in response.content.decode()
    assert not Expert.objects.filter(full_name="Không Đồng Ý").exists()


def test_an_invited_expert_claims_the_profile_and_gives_consent(client, world):
    invited = world["invited"]
    assert not invited.is_public
    response = client.post(
        f"/chuyen-gia/loi-moi/{world['invite_token']}/",
        {
            "username": "cg.duocmoi",
            "password": "mot-mat-khau-dai-2026",
            "consent_public": "on",
            "purpose_accepted": "on",
        },
    )
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.user.username == "cg.duocmoi" and invited.is_public
    assert invited.invite_token == ""
    assert client.get(f"/chuyen-gia/loi-moi/{world['invite_token']}/").status_code == 404


def test_an_official_invites_an_expert_by_e_mail_once_even_when_the_form_is_sent_twice(
    login, people, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    official = login(people.ministry)
    form = {
        "full_name": "Hà Thị Mời",
        "email": "ha.moi@example.vn",
        "availability": "available",
        "token": str(uuid.uuid4()),
    }
    for _attempt in range(2):  # the second is a retried request
        with django_capture_on_commit_callbacks(execute=True):
            page = official.post("/chuyen-gia/quan-ly/them/", form)
        assert page.status_code == 200, page.content[:800]
    expert = Expert.objects.get(full_name="Hà Thị Mời")
    assert len(mail.outbox) == 1
    [message] = mail.outbox
    assert message.to == ["ha.moi@example.vn"]
    assert f"/chuyen-gia/loi-moi/{expert.invite_token}/" in message.body
    assert (
        AuditEntry.objects.filter(
            action="experts.invitation_email", object_id=str(expert.pk)
        ).count()
        == 1
    )
    # Nothing once the invitation is accepted.
    expert.invite_token = ""
    expert.save(update_fields=["invite_token"])
    assert not services.invitation_email_send(expert_id=expert.pk, link="x")


def test_withdrawn_consent_hides_the_profile_everywhere_at_once(client, login, world, people):
    ykhoa = world["ykhoa"]
    services.consent_withdraw(actor=world["ykhoa_user"], expert=ykhoa)
    assert ConsentRecord.objects.filter(expert=ykhoa, action="withdrawn").exists()
    url = f"/chuyen-gia/{ykhoa.uuid}/"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}jsonld").status_code == 404
    assert "Y Khoa" not in client.get("/chuyen-gia/?q=khoa").content.decode()
    assert "Y Khoa" not in client.get("/api/v1/experts/?q=khoa").content.decode()
    assert client.get(f"/api/v1/experts/{ykhoa.uuid}/").status_code == 404
    province = login(people.province)
    assert province.get(url).status_code == 404
    assert province.get(f"/chuyen-gia/{ykhoa.uuid}/lien-he/").status_code == 404
    assert "Y Khoa" not in province.get("/chuyen-gia/xuat.csv").content.decode("utf-8")
    request = selectors.MatchRequest(
        component=Component.objects.get(programme__code="CTMTQG-1719", code="DA1"),
        province=unit_get(code="66"),
        ethnic_groups=list(EthnicGroup.objects.filter(code="11")),
    )
    assert all(
        m.full_name != "Y Khoa Niê"
        for m in selectors.experts_match(user=people.province, request=request)
    )
    own = login(world["ykhoa_user"])
    assert own.get(url).status_code == 200  # the expert still sees their own page


def test_only_the_expert_changes_their_consent(world):
    with pytest.raises(PermissionDenied):
        services.consent_withdraw(actor=world["mai_user"], expert=world["ykhoa"])
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].consent_withdrawn_at is None


def test_the_expert_downloads_all_their_data_as_json(login, world):
    own = login(world["ykhoa_user"])
    response = own.get("/chuyen-gia/ho-so-cua-toi/du-lieu.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["profile"]["email"] == "ykhoa@example.vn"
    assert data["languages"] == [
        {"code": "rad", "level": "native"},
        {"code": "vi", "level": "fluent"},
    ] or {x["code"] for x in data["languages"]} == {"rad", "vi"}
    assert data["consent"]["history"][0]["action"] == "given"


def test_a_deletion_request_hides_the_profile_and_a_ministry_officer_erases_it(
    login, world, people
):
    ykhoa = world["ykhoa"]
    own = login(world["ykhoa_user"])
    assert own.post("/chuyen-gia/ho-so-cua-toi/dong-y/", {"action": "delete"}).status_code == 302
    assert selectors.experts_public().filter(pk=ykhoa.pk).count() == 0
    with pytest.raises(PermissionDenied):
        services.expert_erase(actor=people.province, expert=ykhoa)
    ministry = login(people.ministry)
    assert ministry.post(f"/chuyen-gia/{ykhoa.uuid}/xoa/").status_code == 302
    assert not Expert.objects.filter(pk=ykhoa.pk).exists()
    world["ykhoa_user"].refresh_from_db()
    assert not world["ykhoa_user"].is_active  # the expert's own sign-in is closed
    entry = AuditEntry.objects.get(action="experts.expert_erase")
    assert "ykhoa@example.vn" not in json.dumps([entry.before, entry.after, entry.object_repr])
    # The rows written before (registration, the deletion request) keep what happened and
    # which fields, not the name or the contact.
    earlier = AuditEntry.objects.filter(object_type="experts.expert", object_id=str(ykhoa.pk))
    assert earlier.filter(action="experts.expert_register").exists()
    held = json.dumps([[e.before, e.after, e.object_repr] for e in earlier], ensure_ascii=False)
    assert "ykhoa@example.vn" not in held and "Y Khoa Niê" not in held, held
    assert "[đã xoá]" in held


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_expert"])
def test_restricted_fields_never_reach_the_public_side(client, login, world, who):
    if who == "citizen":
        client = login(world["citizen"])
    elif who == "other_expert":
        client = login(world["mai_user"])
    ykhoa = world["ykhoa"]
    pages = [
        "/chuyen-gia/",
        "/chuyen-gia/?q=ede",
        f"/chuyen-gia/{ykhoa.uuid}/",
        f"/chuyen-gia/{ykhoa.uuid}/jsonld",
        "/api/v1/experts/",
        f"/api/v1/experts/{ykhoa.uuid}/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        _no_restricted(response.content.decode())
    assert client.get(f"/chuyen-gia/{ykhoa.uuid}/lien-he/").status_code in (302, 404)
    assert client.get("/chuyen-gia/xuat.csv").status_code in (302, 404)
    # A profile not consented to is not public at all.
    assert client.get(f"/chuyen-gia/{world['invited'].uuid}/").status_code == 404


@pytest.mark.parametrize("who", ["commune", "province", "ministry"])
def test_officials_see_contact_when_allowed_and_each_view_is_logged(login, world, people, who):
    official = login(getattr(people, who))
    ykhoa, mai = world["ykhoa"], world["mai"]
    page = official.get(f"/chuyen-gia/{ykhoa.uuid}/").content.decode()
    _no_restricted(page)  # the profile page itself shows no contact
    before = AuditEntry.objects.filter(action="experts.restricted_view").count()
    contact = official.get(f"/chuyen-gia/{ykhoa.uuid}/lien-he/")
    assert contact.status_code == 200 and "ykhoa@example.vn" in contact.content.decode()
    entry = AuditEntry.objects.filter(action="experts.restricted_view").latest("pk")
    assert AuditEntry.objects.filter(action="experts.restricted_view").count() == before + 1
    assert entry.actor == getattr(people, who) and entry.object_id == str(ykhoa.pk)
    # Mai did not allow officials to see her contact.
    assert official.get(f"/chuyen-gia/{mai.uuid}/lien-he/").status_code == 404
    # Officials find the invited (not yet consented) profile, without its contact.
    invited = official.get(f"/chuyen-gia/{world['invited'].uuid}/")
    assert invited.status_code == 200 and "moi@example.vn" not in invited.content.decode()


def test_an_expert_edits_only_their_own_profile(login, world):
    other = login(world["mai_user"])
    response = other.post(
        "/chuyen-gia/ho-so-cua-toi/", {"full_name": "Đổi Tên", "availability": "available"}
    )
    assert response.status_code == 302
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].full_name == "Y Khoa Niê"  # Mai's post changed Mai's profile only
    with pytest.raises(PermissionDenied):
        services.expert_update(actor=world["mai_user"], expert=world["ykhoa"], data=profile("X"))
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].full_name == "Y Khoa Niê"


@pytest.mark.parametrize("who", ["commune", "citizen"])
def test_only_province_and_ministry_officers_verify(login, world, people, who):
    user = world["citizen"] if who == "citizen" else people.commune
    client = login(user)
    ykhoa = world["ykhoa"]
    assert client.post(f"/chuyen-gia/{ykhoa.uuid}/xac-minh/", {"note": "x"}).status_code == 404
    ykhoa.refresh_from_db()
    assert ykhoa.verified_at is None


def test_a_province_officer_verifies_with_a_note_and_it_is_audited(login, world, people):
    client = login(people.province)
    ykhoa = world["ykhoa"]
    assert (
        client.post(
            f"/chuyen-gia/{ykhoa.uuid}/xac-minh/", {"note": "Đối chiếu bằng thạc sĩ"}
        ).status_code
        == 302
    )
    ykhoa.refresh_from_db()
    assert ykhoa.verified_by == people.province and ykhoa.verification_note
    assert AuditEntry.objects.filter(
        action="experts.expert_verify", object_id=str(ykhoa.pk)
    ).exists()


def test_engagements_are_recorded_in_the_officers_own_area_once(world, people):
    token = uuid.uuid4()
    first = services.engagement_record(
        actor=people.province, expert=world["mai"], data=engagement_data("08"), request_token=token
    )
    again = services.engagement_record(
        actor=people.province, expert=world["mai"], data=engagement_data("08"), request_token=token
    )
    assert first.pk == again.pk and Engagement.objects.filter(expert=world["mai"]).count() == 1
    with pytest.raises(PermissionDenied):
        services.engagement_record(
            actor=people.province, expert=world["ykhoa"], data=engagement_data("66")
        )
    with pytest.raises(PermissionDenied):
        services.engagement_record(
            actor=people.commune, expert=world["mai"], data=engagement_data("08")
        )
    with pytest.raises(ValidationError):
        services.engagement_record(
            actor=people.ministry, expert=world["ykhoa"], data=engagement_data(rating=9)
        )
    assert Engagement.objects.count() == 1


def test_engagement_evaluations_are_not_shown_to_the_public(client, login, world, people):
    services.engagement_record(
        actor=people.ministry,
        expert=world["ykhoa"],
        data=engagement_data(evaluation="Nhận xét nội bộ về chuyên gia"),
    )
    assert (
        "Nhận xét nội bộ" not in client.get(f"/chuyen-gia/{world['ykhoa'].uuid}/").content.decode()
    )
    official = login(people.commune)
    assert "Nhận xét nội bộ" in official.get(f"/chuyen-gia/{world['ykhoa'].uuid}/").content.decode()


# --- search and matching ------------------------------------------------------------------------


def _names(queryset):
    return {e.full_name for e in queryset}


def test_search_is_word_based_and_diacritic_insensitive(world):
    public = selectors.experts_public()
    search = selectors.experts_search
    assert _names(search(public, selectors.SearchParams(q="ede"))) == {"Y Khoa Niê"}
    assert _names(search(public, selectors.SearchParams(q="Ê Đê"))) == {"Y Khoa Niê"}
    assert _names(search(public, selectors.SearchParams(q="tieng mong"))) == {"Sùng Thị Mai"}
    assert _names(search(public, selectors.SearchParams(q="dak lak"))) == {"Y Khoa Niê"}
    assert _names(search(public, selectors.SearchParams(q="kho"))) == set()  # not inside "khoa"
    assert _names(search(public, selectors.SearchParams(field="DA1"))) == {"Y Khoa Niê"}
    assert _names(search(public, selectors.SearchParams(language="hmn"))) == {"Sùng Thị Mai"}
    assert _names(search(public, selectors.SearchParams(province="08"))) == {"Sùng Thị Mai"}
    assert _names(search(public, selectors.SearchParams(ethnic_group="11"))) == {"Y Khoa Niê"}
    assert _names(search(public, selectors.SearchParams(verified=True))) == set()


def test_matching_ranks_the_ede_speaker_who_worked_in_dak_lak_first_with_reasons(world, people):
    services.expert_verify(actor=people.ministry, expert=world["ykhoa"], note="Bằng gốc")
    request = selectors.MatchRequest(
        component=Component.objects.get(programme__code="CTMTQG-1719", code="DA1"),
        province=unit_get(code="66"),
        ethnic_groups=list(EthnicGroup.objects.filter(code="11")),
    )
    matches = selectors.experts_match(user=people.province, request=request)
    assert matches[0].full_name == "Y Khoa Niê"
    reasons = "; ".join(matches[0].reasons)
    assert (
        "nói tiếng Ê Đê" in reasons and "đã làm ở Đắk Lắk" in reasons and "lĩnh vực DA1" in reasons
    )
    # The invited profile (officials only) matches on field and province, below.
    assert [m.full_name for m in matches][1:] == ["Lê Văn Mời"]
    # The public cannot use matching.
    assert (
        selectors.experts_match(user=world["citizen"], request=request)[0].full_name == "Y Khoa Niê"
    )


def test_match_page_lists_reasons_for_officials_and_is_hidden_from_others(login, world, people):
    official = login(people.commune)
    page = official.get("/chuyen-gia/tim-theo-du-an/?component=DA1&province=66&ethnic_groups=11")
    assert page.status_code == 200
    assert "nói tiếng Ê Đê" in page.content.decode()
    citizen = login(world["citizen"])
    assert citizen.get("/chuyen-gia/tim-theo-du-an/").status_code == 404


def _households_in_tuyen_quang(people, monkeypatch) -> None:
    """Housing support (DA1_HO_NHA_O) by ethnic group in S1 2026, entered by Lũng Cú through
    the reporting services: Mông (08) 40, Dao (09) 3, Kinh (01) 5, and Tày (02) 0."""
    import datetime

    from dantoc.reporting import selectors as forms
    from dantoc.reporting import services as reporting
    from dantoc.reporting.tests.conftest import cell_keys

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 7, 5))
    form = forms.form_get(code="BM02-DA1")
    period = reporting.period_resolve(period_type=form.period_type, code="2026S1")
    cells = [
        reporting.CellInput(cell_keys(form, indicator="DA1_HO_NHA_O", DAN_TOC=g)[0], v)
        for g, v in (("08", "40"), ("09", "3"), ("01", "5"), ("02", "0"))
    ]
    reporting.datavalues_save(
        actor=people.commune, form=form, unit=people.commune.unit, period=period, inputs=cells,
        source="web",
    )  # fmt: skip


def test_matching_takes_the_ethnic_groups_of_the_province_from_its_figures(
    login, world, people, monkeypatch
):
    tuyen_quang = unit_get(code="08")
    assert selectors.ethnic_groups_of_province(tuyen_quang) == []
    _households_in_tuyen_quang(people, monkeypatch)
    # Groups with households above zero; the Kinh majority is not one of them.
    groups = selectors.ethnic_groups_of_province(tuyen_quang)
    assert sorted(g.code for g in groups) == ["08", "09"]
    assert selectors.ethnic_groups_of_province(unit_get(code="66")) == []
    official = login(people.province)
    page = official.get("/chuyen-gia/tim-theo-du-an/?component=DA3&province=08").content.decode()
    assert "theo số liệu các xã đã báo cáo" in page and "Mông" in page and "Dao" in page
    assert "nói tiếng Mông" in page  # Sùng Thị Mai, who speaks it
    # Groups the officer chooses win over the figures.
    chosen = official.get("/chuyen-gia/tim-theo-du-an/?component=DA3&province=08&ethnic_groups=11")
    assert "theo số liệu các xã đã báo cáo" not in chosen.content.decode()
    # A province without figures says so instead of guessing.
    empty = official.get("/chuyen-gia/tim-theo-du-an/?component=DA1&province=66").content.decode()
    assert "chưa báo cáo số hộ được hỗ trợ theo dân tộc" in empty


def test_directory_and_api_list_use_a_fixed_number_of_queries(client, world):
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/experts/")
    for i in range(5):
        services.expert_register(
            user=account(f"cg.them{i}"),
            data=profile(f"Chuyên Gia {i}", fields=["DA3"], languages=["km:native"]),
            consent_public=True,
            consent_officials=False,
            purpose_accepted=True,
        )
    with CaptureQueriesContext(connection) as more:
        response = client.get("/api/v1/experts/")
    assert response.json()["count"] == 7
    assert len(more) == len(few)
    with CaptureQueriesContext(connection) as page_queries:
        client.get("/chuyen-gia/")
    assert len(page_queries) <= 12


# --- exchange -----------------------------------------------------------------------------------


def test_public_profile_carries_schema_org_person_json_ld_without_restricted_data(client, world):
    extruct = pytest.importorskip("extruct")
    html = client.get(f"/chuyen-gia/{world['ykhoa'].uuid}/").content.decode()
    data = extruct.extract(html, syntaxes=["json-ld"])["json-ld"]
    person = next(d for d in data if d["@type"] == "Person")
    assert person["name"] == "Y Khoa Niê"
    assert person["identifier"]["value"] == "0000-0002-1825-0097"
    assert "email" not in person and "telephone" not in person
    _no_restricted(json.dumps(data, ensure_ascii=False))


def test_exports_hold_restricted_columns_only_for_managers_and_are_logged(login, world, people):
    commune = login(people.commune)
    text = commune.get("/chuyen-gia/xuat.csv").content.decode("utf-8-sig")
    assert "Y Khoa Niê" in text and "Thư điện tử" not in text
    _no_restricted(text)
    province = login(people.province)
    text = province.get("/chuyen-gia/xuat.csv").content.decode("utf-8-sig")
    assert "ykhoa@example.vn" in text  # allowed by Y Khoa
    assert "mai@example.vn" not in text and "moi@example.vn" not in text  # not allowed
    book = province.get("/chuyen-gia/xuat.xlsx")
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[0][-3] == "Thư điện tử" and len(rows) == 4
    logged = AuditEntry.objects.filter(action="experts.export").order_by("pk")
    assert [e.after["restricted"] for e in logged] == [False, True, True]


def _xlsx(rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([h for _k, h in exchange.IMPORT_COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROW = [
    "Kim Thị Sa Rinh",
    "Sở VHTTDL",
    "Chuyên viên",
    "DA6",
    "92",
    "05",
    "km:native",
    "",
    "sarinh@example.vn",
    "",
    "Cử nhân",
    "có",
    "15/01/2026",
]


def test_import_with_errors_writes_nothing_and_names_row_and_column(login, world, people):
    bad = list(GOOD_ROW)
    bad[3] = "DA99"
    bad2 = list(GOOD_ROW)
    bad2[7] = "0000-0002-1825-0098"
    bad2[12] = ""
    client = login(people.province)
    upload = SimpleUploadedFile("ds.xlsx", _xlsx([GOOD_ROW, bad, bad2]))
    response = client.post("/chuyen-gia/quan-ly/nhap/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "DA99" in page and "ISO 7064" in page
    with pytest.raises(ImportRejected) as rejected:
        exchange.experts_xlsx_read(_xlsx([GOOD_ROW, bad, bad2]))
    where = {(e.row, e.column) for e in rejected.value.errors}
    assert where == {(3, "D"), (4, "H"), (4, "M")}
    assert not Expert.objects.filter(full_name="Kim Thị Sa Rinh").exists()


def test_a_good_import_creates_experts_with_their_recorded_consent(login, world, people):
    client = login(people.province)
    upload = SimpleUploadedFile("ds.xlsx", _xlsx([GOOD_ROW]))
    assert client.post("/chuyen-gia/quan-ly/nhap/", {"file": upload}).status_code == 302
    expert = Expert.objects.get(full_name="Kim Thị Sa Rinh")
    assert expert.is_public
    assert timezone.localtime(expert.consent_at).date().isoformat() == "2026-01-15"
    assert ConsentRecord.objects.get(expert=expert).action == "imported"
    assert "km" in expert.language_codes


def test_an_import_that_is_not_a_workbook_is_refused(login, world, people):
    client = login(people.province)
    upload = SimpleUploadedFile("ds.xlsx", b"not a workbook")
    response = client.post("/chuyen-gia/quan-ly/nhap/", {"file": upload})
    assert "không phải là tệp Excel" in response.content.decode()


def test_uploads_are_checked_by_content(login, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    own = login(world["ykhoa_user"])
    fake = SimpleUploadedFile("anh.jpg", b"<html>not an image</html>", content_type="image/jpeg")
    response = own.post("/chuyen-gia/ho-so-cua-toi/anh/", {"photo": fake}, follow=True)
    assert "không phải định dạng được nhận" in response.content.decode()
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].photo_id is None
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 80, 40)).save(out, "PNG")
    real = SimpleUploadedFile("chan-dung.png", out.getvalue(), content_type="image/png")
    own.post("/chuyen-gia/ho-so-cua-toi/anh/", {"photo": real})
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].photo.kind == "image"
    pdf = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    own.post("/chuyen-gia/ho-so-cua-toi/tai-lieu/", {"title": "Lý lịch", "file": pdf})
    document = world["ykhoa"].documents.get()
    assert document.asset.kind == "document"


def test_an_official_downloads_a_shared_document_and_the_download_is_logged(
    login, world, people, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    pdf = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    document = services.expert_document_add(
        actor=world["ykhoa_user"], expert=world["ykhoa"], file=pdf, title="Lý lịch"
    )
    url = f"/chuyen-gia/{world['ykhoa'].uuid}/tai-lieu/{document.pk}/"
    citizen = login(world["citizen"])
    assert citizen.get(url).status_code == 404
    official = login(people.commune)
    response = official.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action="experts.restricted_view").latest("pk")
    assert entry.after == {"what": f"document:{document.pk}"} and entry.actor == people.commune


def test_the_expert_edits_the_profile_page_with_communes_and_a_bad_code_loses_nothing(login, world):
    own = login(world["ykhoa_user"])
    form = {
        "full_name": "Y Khoa Niê",
        "availability": "limited",
        "fields_": ["DA1"],
        "provinces": ["66"],
        "communes": "00715, 99999",
        "lang_rad": "native",
        "summary": "Bản mới",
    }
    page = own.post("/chuyen-gia/ho-so-cua-toi/", form)
    assert page.status_code == 200 and "99999" in page.content.decode()
    world["ykhoa"].refresh_from_db()
    assert world["ykhoa"].summary == "Chuyên gia đất ở, nhà ở vùng buôn làng."
    form["communes"] = "00715"
    assert own.post("/chuyen-gia/ho-so-cua-toi/", form).status_code == 302
    expert = world["ykhoa"]
    expert.refresh_from_db()
    assert [u.code for u in expert.communes.all()] == ["00715"]
    assert expert.summary == "Bản mới" and expert.availability == "limited"
    assert "lung cu" in expert.search_text
    assert AuditEntry.objects.filter(
        action="experts.expert_update", object_id=str(expert.pk)
    ).exists()


def test_demo_data_load_twice_to_the_same_experts(db, people):
    from dantoc.core.registry import loaders
    from dantoc.experts.demo import EXPERTS, demo_load

    assert "experts.demo" in [step.name for step in loaders("demo")]
    first = demo_load()
    again = demo_load()
    assert first["chuyên gia mới"] == len(EXPERTS) and again == {
        "chuyên gia mới": 0,
        "lần tham gia mới": 0,
    }
    languages = {x for e in Expert.objects.all() for x in e.language_codes.split()}
    assert {"rad", "hmn", "km", "blt"} <= languages
    assert Expert.objects.filter(verified_at__isnull=False).count() >= 10
    assert Engagement.objects.count() == first["lần tham gia mới"] > 0


def test_an_expert_account_sees_no_official_and_no_report(login, world):
    own = login(world["ykhoa_user"])
    officials = own.get("/accounts/users/")
    assert officials.status_code in (200, 403, 404)
    assert "tinh.tuyenquang" not in officials.content.decode()
    assert "bo.giamsat" not in officials.content.decode()
