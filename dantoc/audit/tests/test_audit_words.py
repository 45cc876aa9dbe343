"""The audit trail in words (issue 17, defect 7): action names, field names and values as
officials say them, in Vietnamese or in English, on a page that fits the screen."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from dantoc.accounts import services
from dantoc.accounts.models import RoleCode
from dantoc.audit.describe import action_label
from dantoc.audit.services import audit_record
from dantoc.geo.selectors import unit_get
from dantoc.integration.models import WebhookSubscription

pytestmark = pytest.mark.django_db


def _made_and_moved(admin) -> None:
    official = services.user_create(
        actor=admin,
        username="xa.moi",
        password=PASSWORD,
        unit=unit_get(code="00700"),
        roles=[RoleCode.COMMUNE_REPORTER],
        full_name="Hà Văn Mới",
        check_password=False,
    )
    services.user_update(
        actor=admin,
        user=official,
        unit=unit_get(code="00715"),
        roles=[RoleCode.COMMUNE_REPORTER, RoleCode.CONTENT_EDITOR],
        full_name="Hà Văn Mới",
    )
    services.user_set_active(actor=admin, user=official, is_active=False)


def test_the_trail_names_actions_fields_and_values_in_vietnamese(login, people):
    _made_and_moved(people.admin)
    page = login(people.admin).get("/audit/", {"object_type": "accounts.user"}).content.decode()
    for words in (
        "Tạo tài khoản",
        "Sửa tài khoản",
        "Khoá tài khoản",
        "Đơn vị</dt>",
        "Xã Ngọc Đường (00700)",
        "Xã Lũng Cú (00715)",
        "Cán bộ báo cáo cấp xã; Biên tập viên nội dung",
        "Vai trò</dt>",
        "Đang hoạt động</dt>",
        "Người dùng: Hà Văn Mới",
    ):
        assert words in page, words
    for code in ("accounts.user_create", "accounts.user_update", "commune_reporter", "unit: ", "∅"):
        assert code not in page, code


def test_the_trail_is_in_english_when_english_is_chosen(client, people):
    from conftest import sign_in

    _made_and_moved(people.admin)
    sign_in(client, people.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/audit/", {"object_type": "accounts.user"}).content.decode()
    for words in (
        "Create account",
        "Edit account",
        "Lock account",
        "Unit</dt>",
        "Role</dt>",
        "Active</dt>",
    ):
        assert words in page, words
    assert "Commune reporter; Content editor" in page
    assert "Tạo tài khoản" not in page


def test_the_unit_filter_takes_a_name_without_diacritics(login, people):
    _made_and_moved(people.admin)
    client = login(people.admin)
    page = client.get("/audit/", {"unit": "ngoc duong"}).content.decode()
    assert "Tạo tài khoản" in page and "Hà Văn Mới" in page


def test_actions_of_other_apps_are_named_in_words():
    assert action_label("portal.article_publish") == "Xuất bản bài viết"
    assert action_label("portal.legal_document_revision_submit") == "Gửi duyệt bản sửa văn bản"
    assert action_label("portal.agency_attachment_add") == "Thêm tệp đính kèm vào cơ quan"
    assert action_label("reporting.approve") == "Duyệt báo cáo"
    assert action_label("integration.webhook_subscribe") == "Đăng ký địa chỉ nhận tin (webhook)"
    assert action_label("something.new_thing") == "something.new_thing"


def test_the_trail_page_reads_related_names_in_a_fixed_number_of_queries(login, people):
    client = login(people.admin)
    _made_and_moved(people.admin)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/", {"object_type": "accounts.user"})
    for _ in range(5):
        services.user_set_roles(actor=people.admin, user=people.commune, roles=["commune_reporter"])
        services.user_set_active(actor=people.admin, user=people.commune, is_active=False)
        services.user_set_active(actor=people.admin, user=people.commune, is_active=True)
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/", {"object_type": "accounts.user"})
    assert len(many) == len(few)


def test_the_trail_shows_a_related_rows_name_kept_in_place_of_its_key(login, people):
    # A webhook subscription keeps its client's name under "client", a foreign key of the
    # subscription: the page showed a server error (the name was looked up as an id).
    audit_record(
        actor=people.admin,
        action="integration.webhook_subscribe",
        obj=None,
        object_type=WebhookSubscription._meta.label_lower,
        object_id="1",
        unit=unit_get(code="08"),
        after={"client": "Cổng tỉnh thử nghiệm", "url": "https://tinh.example/hook"},
    )
    response = login(people.admin).get("/audit/")
    assert response.status_code == 200
    assert "Cổng tỉnh thử nghiệm" in response.content.decode()


def test_a_change_named_after_a_reverse_relation_is_labelled_not_a_server_error():
    """An audit row whose key is a reverse relation's name (a unit's "users") is labelled by
    the related model's name; it used to be a 500 on /audit/."""
    from dantoc.audit.describe import _field_label
    from dantoc.geo.models import Unit

    relation = Unit._meta.get_field("users")
    assert _field_label("users", relation) != "" and _field_label("users", relation) != "users"
