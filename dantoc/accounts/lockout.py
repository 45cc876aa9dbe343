"""django-axes' answer to a sign-in refused because the account is locked out (too many
failures): the page for a browser, and for an API (HTTP Basic on /api/dataValueSets, …) the
API's own error body with ``Retry-After``, as its schema documents a 429."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from dantoc.core.apis import api_error

STATUS = 429


def lockout_response(request, original_response=None, credentials=None):
    response = api_error(
        request,
        STATUS,
        _(
            "Đăng nhập sai quá nhiều lần: tài khoản tạm bị khoá, hãy thử lại sau. / Too many "
            "failed sign-ins: the account is locked for a while."
        ),
    )
    if response is None:
        response = render(request, settings.AXES_LOCKOUT_TEMPLATE, status=STATUS)
    cool_off_hours = float(getattr(settings, "AXES_COOLOFF_TIME", 0) or 0)
    if cool_off_hours:
        response["Retry-After"] = str(int(cool_off_hours * 3600))
    return response
