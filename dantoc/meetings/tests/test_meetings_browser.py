"""End to end on a real Janus: two headless Chromium participants (fake camera and
microphone) join a meeting's private room with their invitation tokens, see each other's
video, and their attendance arrives from Janus's event handler; an uninvited person and an
unknown token are refused. Also the pages at 360 px and on a desktop (screenshots)."""

from __future__ import annotations

import datetime
import os
import time
import uuid
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from conftest import CHROMIUM, PASSWORD, PERSONAS, PHONE, in_process_server
from dantoc.core.testing import axe_violations
from dantoc.meetings import services
from dantoc.meetings.models import Attendance, MeetingKind, MeetingMode

SHOTS = Path(os.environ.get("DANTOC_SCREENSHOTS", "var/screenshots/meetings"))


@pytest.fixture(scope="module")
def media_browser(playwright_driver):
    """Chromium with fake media devices (the `browser` fixture has no camera)."""
    chromium = playwright_driver.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            "--no-first-run",
            "--disable-background-networking",
        ],
    )
    yield chromium
    chromium.close()


def _sign_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")


def _wait_for(check, *, seconds=30, what=""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db
def test_two_invitees_meet_in_janus_and_their_attendance_is_recorded(
    media_browser, janus_settings, people
):
    now = timezone.now()
    meeting = services.meeting_schedule(
        actor=people.province,
        title="Họp giao ban Chương trình 1719 tháng 12",
        kind=MeetingKind.MEETING,
        mode=MeetingMode.ONLINE,
        unit=people.province.unit,
        starts_at=now - datetime.timedelta(minutes=5),
        ends_at=now + datetime.timedelta(hours=1),
        agenda="1. Tiến độ giải ngân\n2. Kế hoạch quý I",
        invitees=[people.commune, people.other_commune],
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with in_process_server(port=janus_settings.events_port) as base:
        contexts, pages = [], []
        for persona, size in (
            ("commune", PHONE),
            ("other_commune", {"width": 1280, "height": 800}),
        ):
            context = media_browser.new_context(viewport=size, locale="vi-VN")
            context.grant_permissions(["camera", "microphone"], origin=base)
            page = context.new_page()
            # The strict Content-Security-Policy holds in the room too (janus.js, adapter.js).
            page.add_init_script(
                "window.__csp = []; document.addEventListener('securitypolicyviolation',"
                " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
            )
            errors = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            _sign_in(page, base, PERSONAS[persona].username)
            label = "360" if size is PHONE else "desktop"
            for name, url in (
                ("list", "/hop/"),
                ("schedule", "/hop/moi/"),
                ("tasks", "/hop/nhiem-vu/"),
            ):
                page.goto(base + url)
                # Nothing wider than the screen (the phone has no sideways scrolling).
                assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
                page.screenshot(path=SHOTS / f"{name}-{label}.png", full_page=True)
            page.goto(f"{base}/hop/{meeting.uuid}/")
            page.screenshot(path=SHOTS / f"detail-{label}.png", full_page=True)
            page.get_by_role("link", name="Vào phòng họp").click()
            contexts.append(context)
            pages.append((page, errors))
        for page, _errors in pages:
            page.wait_for_selector("#room[data-state='joined']", timeout=30_000)
        for page, errors in pages:
            # Each sees the other's video (remote tracks flowing through Janus).
            page.wait_for_selector("#room[data-remotes='1']", timeout=30_000)
            assert errors == []
            assert page.evaluate("window.__csp") == []
            # The room passes axe-core (WCAG 2.1 AA) too (core's axe walk cannot open it: its
            # platform runs without Janus).
            assert axe_violations(page) == []
        pages[0][0].screenshot(path=SHOTS / "room-360.png", full_page=True)
        pages[1][0].screenshot(path=SHOTS / "room-desktop.png", full_page=True)

        # Janus itself lists both as publishers of the private room.
        listed = services.janus.client().participants(room=meeting.room)
        assert sorted(p["display"] for p in listed) == sorted(
            [people.commune.full_name, people.other_commune.full_name]
        )

        # An unknown token opens nothing: Janus refuses the session.
        refused = requests.post(
            janus_settings.url,
            json={"janus": "create", "transaction": "x", "token": uuid.uuid4().hex},
        ).json()
        assert refused["janus"] == "error" and refused["error"]["code"] == 403

        # Someone not invited gets a refusal page, and no token.
        context = media_browser.new_context(viewport=PHONE, locale="vi-VN")
        page = context.new_page()
        _sign_in(page, base, PERSONAS["editor"].username)
        answer = page.goto(f"{base}/hop/{meeting.uuid}/phong/")
        assert answer.status == 403
        assert "không có giấy mời" in page.content()
        context.close()

        # Attendance rows come from Janus's "joined" events, one per invitee.
        rows = _wait_for(
            lambda: (
                list(Attendance.objects.filter(meeting=meeting, channel="online"))
                if Attendance.objects.filter(meeting=meeting, channel="online").count() >= 2
                else None
            ),
            what="attendance from Janus events",
        )
        assert {r.invitation.user_id for r in rows} == {people.commune.pk, people.other_commune.pk}
        # Leaving the room (the page's own link) ends each presence.
        for page, _errors in pages:
            page.get_by_role("link", name="Rời phòng").click()
            page.wait_for_url(f"{base}/hop/{meeting.uuid}/")
        _wait_for(
            lambda: not Attendance.objects.filter(meeting=meeting, left_at__isnull=True).exists(),
            what="leaving events",
        )
        for context in contexts:
            context.close()
