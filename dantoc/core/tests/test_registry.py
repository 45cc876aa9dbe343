"""Apps declare what they add; the shared code reads the declarations."""

from __future__ import annotations

import pytest
from django.apps import apps

from dantoc.core.registry import Loader, LoaderOrderError, loaders, menu_for

pytestmark = pytest.mark.django_db


def test_reference_loaders_run_after_what_they_need():
    names = [loader.name for loader in loaders("reference")]
    assert names.index("geo.units") < names.index("reporting.forms")
    assert names.index("programmes.catalogue") < names.index("indicators.catalogue")
    assert names.index("indicators.catalogue") < names.index("analytics.computed")
    demo = [loader.name for loader in loaders("demo")]
    assert demo[0] == "accounts.demo_users"
    assert demo.index("analytics.demo") < demo.index("opendata.demo")


def test_loaders_that_wait_for_each_other_are_refused(monkeypatch):
    config = apps.get_app_config("geo")
    monkeypatch.setattr(
        type(config),
        "demo_loaders",
        (Loader("geo.a", "x.y", after=("geo.b",)), Loader("geo.b", "x.y", after=("geo.a",))),
        raising=False,
    )
    with pytest.raises(LoaderOrderError, match="wait for each other"):
        loaders("demo")
    monkeypatch.setattr(
        type(config), "demo_loaders", (Loader("geo.a", "x.y", after=("nowhere.z",)),)
    )
    with pytest.raises(LoaderOrderError, match="unknown loader"):
        loaders("demo")


def test_the_menu_shows_each_official_the_links_their_permissions_open(people):
    from django.contrib.auth.models import AnonymousUser

    def labels(user):
        return [label for label, _url in menu_for(user)]

    public = labels(AnonymousUser())
    assert "Dữ liệu mở" in public and "Báo cáo" not in public
    assert "Biên tập" in labels(people.editor)
    assert "Biên tập" not in labels(people.commune)
    assert "Kết nối LGSP/NDXP" in labels(people.admin)
    assert "Kết nối LGSP/NDXP" not in labels(people.province)
    assert "Quản lý dữ liệu mở" in labels(people.province)
    assert "Quản lý dữ liệu mở" not in labels(people.commune)
    assert "Số liệu tổng hợp" not in labels(people.editor)


def test_sync_feeds_are_the_ones_apps_declare_and_integration_serves_them(monkeypatch):
    from dantoc.core.registry import SyncFeed, sync_feeds
    from dantoc.integration import feeds
    from dantoc.portal.models import Article, LegalDocument

    declared = {feed.name: feed for feed in sync_feeds()}
    assert list(declared) == ["documents", "policies", "news", "reports"]
    assert list(feeds.FEEDS) == list(declared) and feeds.CHANGED_EVENTS == [
        "portal.content_changed"
    ]
    assert declared["news"].holds(Article(kind="activity"))
    assert not declared["news"].holds(Article(kind="page"))
    assert feeds.feed_of(Article(kind="page")) is None
    assert feeds.feed_of(LegalDocument()) == "documents"

    config = apps.get_app_config("geo")
    monkeypatch.setattr(
        type(config),
        "sync_feeds",
        (SyncFeed("news", "geo.Unit", "—", represent="x.y"),),
        raising=False,
    )
    with pytest.raises(ValueError, match="same sync feed"):
        sync_feeds()


def test_accounts_reads_the_roles_apps_declare_for_levels_and_the_second_factor(
    monkeypatch, people
):
    from dantoc.accounts.models import Role, roles_allowed_at
    from dantoc.accounts.services import roles_reference_load, user_set_roles
    from dantoc.core.registry import RoleDeclaration, roles, roles_requiring_2fa

    assert roles()["content_editor"].levels >= {"commune", "country"}
    assert roles_requiring_2fa() == {
        "district_officer", "province_officer", "ministry_officer", "system_admin",
    }  # fmt: skip
    # The heritage archive's community contributors are given at the commune level too.
    assert sorted(roles_allowed_at("commune")) == [
        "commune_reporter", "content_editor", "heritage_contributor",
    ]  # fmt: skip

    # A new app declares a role: accounts can give it at its level, and it needs 2FA.
    config = apps.get_app_config("geo")
    monkeypatch.setattr(
        type(config),
        "roles",
        (
            RoleDeclaration(
                "expert_steward",
                "Quản lý chuyên gia",
                "Expert steward",
                levels=frozenset({"province"}),
                requires_2fa=True,
            ),
        ),
        raising=False,
    )
    roles_reference_load()
    assert Role.objects.get(code="expert_steward").name_en == "Expert steward"
    assert "expert_steward" in roles_allowed_at("province")
    assert "expert_steward" not in roles_allowed_at("commune")
    user_set_roles(actor=None, user=people.province, roles=["province_officer", "expert_steward"])
    people.province.refresh_from_db()
    assert people.province.requires_2fa
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_set_roles(actor=None, user=people.commune, roles=["expert_steward"])


def test_every_app_declares_its_api_urls_the_same_way_from_the_site_root():
    from django.urls import reverse

    declared = {c.label: c.api_urls for c in apps.get_app_configs() if getattr(c, "api_urls", "")}
    assert {"geo", "accounts", "reporting", "opendata", "integration"} <= set(declared)
    for label, module in declared.items():
        assert module == f"dantoc.{label}.api_urls"
        assert __import__(module, fromlist=["app_name"]).app_name == f"{label}_api"
    assert reverse("geo_api:unit-detail", args=["VN"]) == "/api/v1/units/VN/"
    assert reverse("notifications_api:notification-list") == "/api/v1/notifications/"
    assert reverse("integration_api:feed_news") == "/api/integration/v1/news"
