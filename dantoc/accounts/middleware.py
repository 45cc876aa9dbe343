import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from dantoc.accounts.services import totp_device_for

ALWAYS_ALLOWED = ("/static/", "/healthz", "/i18n/")


class RequireTwoFactorMiddleware:
    """Officials whose roles approve or administer reach nothing until they pass the second
    factor: they are sent to enter its code, or, when they have no authenticator yet, to enrol
    one. Enrolling is not open to a session that has not passed an existing authenticator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "requires_2fa", False)
            and not user.is_verified()
            and not request.path.startswith(ALWAYS_ALLOWED)
        ):
            has_device = totp_device_for(user, confirmed=True) is not None
            target = "accounts:2fa_verify" if has_device else "accounts:2fa_setup"
            allowed = {reverse(target), reverse("accounts:logout")}
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "Cần xác thực hai lớp (2FA) trước khi dùng API."}, status=403
                    )
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


LAST_SEEN = "_dantoc_last_seen"
# Written at most this often (seconds), so that a busy page does not rewrite its session row on
# every request.
LAST_SEEN_RESOLUTION = 60


def session_touch(session) -> None:
    """Note the time of the latest request in the session (also called at sign-in)."""
    session[LAST_SEEN] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """Sign an official out after ``DANTOC_SESSION_IDLE_MINUTES`` without a request (an office
    computer left open); the session's absolute limit stays ``SESSION_COOKIE_AGE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - int(last) > settings.SESSION_IDLE_SECONDS:
                logout(request)
                if not request.path.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path(), "expired": 1})
                    return redirect(f"{reverse('accounts:login')}?{query}")
            elif last is None or now - int(last) >= LAST_SEEN_RESOLUTION:
                session_touch(request.session)
        return self.get_response(request)
