"""The second-factor page says why a code was refused (issue 17, defect 6): a right code
typed while django-otp still slows guessing down is "wait until …", a code used once already
is "already used", and the box is emptied each time."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, totp_now

pytestmark = pytest.mark.django_db


def start(client, user):
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def token_box(html: str) -> str:
    return re.search(r'<input[^>]*name="token"[^>]*>', html).group(0)


def error_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r'<ul class="errorlist".*?</ul>', html, re.S).group(0))


def test_a_right_code_during_the_throttle_window_says_wait_until_when(client, people):
    user = people.province
    start(client, user)
    good = totp_now(user)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    first = client.post("/accounts/2fa/verify/", {"token": wrong}).content.decode()
    assert "Mã không đúng" in error_of(first)
    device = TOTPDevice.objects.get(user=user)
    locked_until = device.throttling_failure_timestamp + timezone.timedelta(seconds=1)
    response = client.post("/accounts/2fa/verify/", {"token": good})
    html = response.content.decode()
    assert response.status_code == 200
    message = error_of(html)
    assert "Mã không đúng" not in message
    assert "tạm thời chưa kiểm tra mã" in message
    assert timezone.localtime(locked_until).strftime("%H:%M:%S") in message
    assert good not in token_box(html) and 'value="' not in token_box(html)
    assert client.get("/api/v1/me/").status_code == 403  # still not through


def test_a_code_already_used_says_so(people):
    user = people.province
    first, second = Client(), Client()
    start(first, user)
    good = totp_now(user)
    assert first.post("/accounts/2fa/verify/", {"token": good}).status_code == 302
    start(second, user)
    response = second.post("/accounts/2fa/verify/", {"token": good})
    html = response.content.decode()
    message = error_of(html)
    assert "đã được dùng" in message and "Mã không đúng" not in message
    assert 'value="' not in token_box(html)


def test_a_wrong_code_empties_the_box(client, people):
    user = people.province
    start(client, user)
    wrong = f"{(int(totp_now(user)) + 1) % 1_000_000:06d}"
    html = client.post("/accounts/2fa/verify/", {"token": wrong}).content.decode()
    assert "Mã không đúng" in error_of(html)
    assert wrong not in token_box(html) and 'value="' not in token_box(html)


def test_the_english_page_explains_the_throttle_in_english(client, people):
    user = people.province
    start(client, user)
    good = totp_now(user)
    client.post("/accounts/2fa/verify/", {"token": f"{(int(good) + 1) % 1_000_000:06d}"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post("/accounts/2fa/verify/", {"token": good}).content.decode()
    assert "Too many wrong codes" in error_of(html)
