from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

ALWAYS_ALLOWED = ("/static/", "/healthz", "/i18n/")


class RequireTwoFactorMiddleware:
    """Officials whose roles approve or administer reach nothing until they pass the second
    factor: they are sent to enrol an authenticator, or to enter its code."""

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
            allowed = {
                reverse("accounts:2fa_setup"),
                reverse("accounts:2fa_verify"),
                reverse("accounts:logout"),
            }
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "Cần xác thực hai lớp (2FA) trước khi dùng API."}, status=403
                    )
                from dantoc.accounts.services import totp_device_for

                target = (
                    "accounts:2fa_verify"
                    if totp_device_for(user, confirmed=True)
                    else "accounts:2fa_setup"
                )
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
