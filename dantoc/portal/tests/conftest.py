"""Portal fixtures: more editors (the shared personas have one), content made through the
services, and a recorder of the announcements the integration app listens to."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from dantoc.core import events


def _editor(username: str, unit_code: str):
    from dantoc.accounts.services import user_create
    from dantoc.geo.selectors import unit_get

    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        unit=unit_get(code=unit_code),
        roles=["content_editor"],
        full_name=username,
        check_password=False,
    )


@pytest.fixture
def second_editor(db):
    """Another content editor of the ministry (the reviewer of four-eyes publication)."""
    return _editor("bientap.hai", "VN")


@pytest.fixture
def province_editor(db):
    """A content editor of Tuyên Quang (08)."""
    return _editor("bientap.tuyenquang", "08")


@pytest.fixture
def other_province_editor(db):
    """A content editor of Lào Cai (15)."""
    return _editor("bientap.laocai", "15")


@pytest.fixture
def announced():
    """The ``portal.content_changed`` announcements made after commit, as (kind, uuid)."""
    seen: list[tuple[str, str]] = []

    def listener(*, kind, uuid=None, uuids=()):
        # One item, or a batch of them (the bulk mirror import).
        seen.extend((kind, u) for u in ([uuid] if uuid else []) + list(uuids))

    events.listen("portal.content_changed", listener)
    yield seen
    events._listeners["portal.content_changed"].remove(listener)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded test files go to a temporary folder, not the installation's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
