"""The sensors pages for each persona: who sees the list, a device, registers, revokes."""

from __future__ import annotations

import pytest

from dantoc.sensors.models import Device
from dantoc.sensors.tests.helpers import river_device

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(client, people):
    device, _secret, _stream = river_device(people)
    for path in ("/thiet-bi/", "/thiet-bi/dang-ky/", f"/thiet-bi/{device.uuid}/"):
        assert client.get(path).status_code in (302, 404), path
    assert client.post(f"/thiet-bi/{device.uuid}/thu-hoi/").status_code in (302, 403, 404)
    device.refresh_from_db()
    assert device.revoked_at is None


@pytest.mark.parametrize(
    ("persona", "list_status", "detail_status", "register_status"),
    [
        ("commune", 200, 200, 404),
        ("other_commune", 200, 404, 404),
        ("province", 200, 200, 200),
        ("other_province", 200, 404, 200),
        ("ministry", 200, 200, 404),
        ("editor", 404, 404, 404),
    ],
)
def test_each_persona_sees_what_its_area_holds(
    people, login, persona, list_status, detail_status, register_status
):
    device, _secret, _stream = river_device(people)
    browser = login(getattr(people, persona))
    listing = browser.get("/thiet-bi/")
    assert listing.status_code == list_status
    if list_status == 200:
        assert (device.name in listing.content.decode()) == (detail_status == 200)
    assert browser.get(f"/thiet-bi/{device.uuid}/").status_code == detail_status
    assert browser.get("/thiet-bi/dang-ky/").status_code == register_status


@pytest.mark.parametrize("persona", ["commune", "other_province", "ministry"])
def test_only_the_devices_province_revokes_it(people, login, persona):
    device, _secret, _stream = river_device(people)
    browser = login(getattr(people, persona))
    assert browser.post(f"/thiet-bi/{device.uuid}/thu-hoi/").status_code == 404
    assert Device.objects.get(pk=device.pk).revoked_at is None
    province = login(people.province)
    assert province.post(f"/thiet-bi/{device.uuid}/thu-hoi/").status_code == 302
    assert Device.objects.get(pk=device.pk).revoked_at is not None


def test_the_secret_page_is_never_cached(people, login):
    browser = login(people.province)
    answer = browser.post(
        "/thiet-bi/dang-ky/",
        {"name": "Trạm mưa", "kind": "rain_gauge", "unit": Device._meta.get_field("unit")
         .related_model.objects.get(code="00715", valid_to__isnull=True).pk},
    )  # fmt: skip
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    assert Device.objects.filter(name="Trạm mưa").exists()
