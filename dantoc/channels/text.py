"""Phone numbers and SMS text: normalising Vietnamese mobile numbers, the unaccented
("không dấu") variant some operators require for brandname SMS, counting parts."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Vietnamese mobile numbers: 0 or +84/84, then 9 digits starting 3, 5, 7, 8 or 9
# (the 10-digit plan in force since 2018).
_PHONE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def phone_normalise(raw: str) -> str:
    """``0912 345 678`` / ``+84912345678`` → ``84912345678``; a clear error otherwise."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    match = _PHONE.match(digits)
    if not match:
        raise ValidationError(
            _("Số điện thoại di động không hợp lệ (ví dụ 0912345678)."), code="phone"
        )
    return "84" + match.group(1)


def phone_masked(address: str) -> str:
    """Enough of a number for an administrator to tell messages apart, not to call it."""
    if len(address) <= 6:
        return "•" * len(address)
    return address[:4] + "•" * (len(address) - 7) + address[-3:]


def unaccent(text: str) -> str:
    """Vietnamese without diacritics: ``Cảnh báo lũ`` → ``Canh bao lu`` (đ → d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def needs_unicode(text: str) -> bool:
    try:
        from smpplib.gsm import gsm_encode

        gsm_encode(text)
    except UnicodeError:
        return True
    return False


def sms_parts(text: str) -> int:
    """How many SMS the text takes: GSM 160/153 per part, UCS-2 70/67."""
    if needs_unicode(text):
        units = len(text.encode("utf-16-be")) // 2
        return 1 if units <= 70 else -(-units // 67)
    return 1 if len(text) <= 160 else -(-len(text) // 153)
