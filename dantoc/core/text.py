"""Small text utilities shared by every app."""

from __future__ import annotations

import unicodedata

_SPECIAL = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def fold(value: str) -> str:
    """Lower-case, diacritics-free form for search: "Đồng Văn" -> "dong van".

    Vietnamese users often type without diacritics on phones; searching the folded form finds
    "Hà Giang" from "ha giang" and "Đắk Lắk" from "dak lak". Apostrophes and hyphens used in
    ethnic-group names (H'Mông, Khơ-me) are dropped so that "hmong" and "khome" match too.
    """
    decomposed = unicodedata.normalize("NFD", value.translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch for ch in stripped if ch not in "'\u2019-")
    return " ".join(cleaned.lower().split())
