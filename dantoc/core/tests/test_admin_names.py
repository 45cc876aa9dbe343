"""Django's administration site in Vietnamese, English when chosen (issue 17, defect 7): every
model shown there, and every app, has a name in words in both languages; dantoc's own models
all carry explicit Vietnamese names (the audit trail names objects by them)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.utils import translation

from conftest import sign_in

pytestmark = pytest.mark.django_db


def _names(model) -> tuple[str, str, str]:
    return (
        str(model._meta.verbose_name),
        str(model._meta.verbose_name_plural),
        str(model._meta.app_config.verbose_name),
    )


def test_every_model_of_the_admin_and_its_app_is_named_in_each_language():
    for model in admin.site._registry:
        with translation.override("vi"):
            vi = _names(model)
        with translation.override("en"):
            en = _names(model)
        if model._meta.app_label == "auth":
            continue  # Django's own catalogue names these in both languages
        for v, e in zip(vi, en, strict=True):
            assert v != e, (model._meta.label, v)


def test_every_dantoc_model_has_explicit_vietnamese_names():
    for model in apps.get_models():
        if not model.__module__.startswith("dantoc."):
            continue
        declared = model._meta.original_attrs
        assert "verbose_name" in declared, model._meta.label
        assert "verbose_name_plural" in declared, model._meta.label


def _superuser(people):
    # As the demo administrator is (demo_users_load): every model of the site is listed.
    admin_user = people.admin
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    return admin_user


def test_the_admin_index_is_in_vietnamese_and_in_english_when_chosen(client, people):
    sign_in(client, _superuser(people))
    page = client.get("/admin/").content.decode()
    for words in ("Tài khoản", "Vai trò", "Đăng nhập sai và khoá tạm thời", "Các lần đăng nhập sai",
                  "Việc chạy nền", "Danh mục chương trình"):  # fmt: skip
        assert words in page, words
    for english in ("Access attempts", "Task Results", "Tasks Database Backend", "Axes",
                    "TOTP devices", "Otp_Totp"):  # fmt: skip
        assert english not in page, english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/admin/").content.decode()
    for words in ("Accounts", "Failed sign-ins and lock-outs", "Access attempts", "Task Results"):
        assert words in page, words


def test_authenticator_secrets_are_not_shown_in_the_admin(client, people):
    sign_in(client, _superuser(people))
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
