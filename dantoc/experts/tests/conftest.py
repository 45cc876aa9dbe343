"""Experts' test world: a few experts made through the real services, and accounts for the
personas the issue names (citizen, the expert themself, another expert)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from conftest import PASSWORD
from dantoc.accounts.services import user_create
from dantoc.experts import services
from dantoc.experts.models import ExpertiseField
from dantoc.geo.models import EthnicGroup
from dantoc.geo.selectors import unit_get


def profile(name, *, fields=(), provinces=(), groups=(), languages=(), **extra):
    return services.ProfileData(
        full_name=name,
        fields=list(ExpertiseField.objects.filter(code__in=fields)),
        provinces=[unit_get(code=c) for c in provinces],
        ethnic_groups=list(EthnicGroup.objects.filter(code__in=groups)),
        languages=[services.LanguageSkill(*x.split(":")) for x in languages],
        **extra,
    )


def account(username):
    return user_create(
        actor=None, username=username, password=PASSWORD, unit=None, check_password=False
    )


@pytest.fixture
def world(db, people):
    """Y Khoa (Ê Đê speaker, Đắk Lắk, DA1, public, shares contact), Sùng Mai (Mông speaker,
    Tuyên Quang, DA7, public, does not share contact), an invited profile not yet consented,
    and a citizen account without any role or profile."""
    ykhoa_user = account("cg.ykhoa.test")
    ykhoa = services.expert_register(
        user=ykhoa_user,
        data=profile(
            "Y Khoa Niê",
            fields=["DA1", "DA1.NHA"],
            provinces=["66"],
            groups=["11"],
            languages=["rad:native", "vi:fluent"],
            organisation="Trường Đại học Tây Nguyên",
            summary="Chuyên gia đất ở, nhà ở vùng buôn làng.",
            email="ykhoa@example.vn",
            phone="0912000111",
            orcid="0000-0002-1825-0097",
        ),
        consent_public=True,
        consent_officials=True,
        purpose_accepted=True,
    )
    mai_user = account("cg.mai.test")
    mai = services.expert_register(
        user=mai_user,
        data=profile(
            "Sùng Thị Mai",
            fields=["DA7"],
            provinces=["08"],
            groups=["08"],
            languages=["hmn:native"],
            email="mai@example.vn",
            phone="0912000222",
        ),
        consent_public=True,
        consent_officials=False,
        purpose_accepted=True,
    )
    invited, token = services.expert_create(
        actor=people.ministry,
        data=profile("Lê Văn Mời", fields=["DA1"], provinces=["66"], email="moi@example.vn"),
    )
    citizen = account("congdan.test")
    return {
        "ykhoa": ykhoa,
        "mai": mai,
        "invited": invited,
        "invite_token": token,
        "citizen": citizen,
        "ykhoa_user": ykhoa_user,
        "mai_user": mai_user,
    }


def engagement_data(unit_code="66", **extra):
    from dantoc.programmes.models import Component

    values = {
        "kind": "subproject",
        "unit": unit_get(code=unit_code),
        "title": "Tư vấn nhà ở",
        "started_on": datetime.date(2025, 3, 1),
        "component": Component.objects.get(programme__code="CTMTQG-1719", code="DA1"),
        "rating": 5,
    }
    values.update(extra)
    return services.EngagementData(**values)


__all__ = ["engagement_data", "profile", "timezone", "uuid"]
