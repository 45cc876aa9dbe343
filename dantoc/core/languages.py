"""The languages the platform speaks: Vietnamese first, English second, and the ethnic languages
in which content (articles, policies, alerts, heritage items) is translated.

The user interface is in Vietnamese or English (settings.LANGUAGES); content may be in any of
CONTENT_LANGUAGES. Django knows few of these codes (``get_language_info('rad')`` is a KeyError
out of the box), so ``register()``, called from ``CoreConfig.ready``, adds each one to Django's
``LANG_INFO`` with its names and direction; templates use ``lang``/``dir`` from here.

Codes are BCP 47 (ISO 639-3 where ISO 639-1 has none). Scripts are ISO 15924. Sources:
ISO 639-3 code tables (SIL), Unicode blocks Tai Viet U+AA80–AADF, Cham U+AA00–AA5F, Khmer
U+1780–17FF. Tai Dam (Thái đen) is written in Tai Viet script, Eastern Cham (Ninh Thuận, Bình
Thuận) in Cham script; Khmer Krom in Khmer script; the other languages listed are written in
Latin letters with Vietnamese-style diacritics (plus č, ñ and breves in Ê Đê, Jrai, Ba Na).
The Mông (H'Mông) code stays ``hmn`` (the macrolanguage), which content already uses; which Hmong
variety (Hmong Daw ``mww``, Hmong Njua ``hnj``) a text is in is left to its author.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in Vietnamese (the platform's first language)
    name_local: str  # the endonym, shown to speakers of the language
    name_en: str
    script: str = "Latn"
    bidi: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.bidi else "ltr"


CONTENT_LANGUAGES: tuple[Language, ...] = (
    Language("vi", "Tiếng Việt", "Tiếng Việt", "Vietnamese"),
    Language("en", "Tiếng Anh", "English", "English"),
    Language("hmn", "Tiếng Mông", "Lus Hmoob", "Hmong"),
    Language("blt", "Tiếng Thái (Thái đen)", "Tai Dam", "Tai Dam", script="Tavt"),
    Language("km", "Tiếng Khmer", "ភាសាខ្មែរ", "Khmer", script="Khmr"),
    Language("rad", "Tiếng Ê Đê", "Klei Êđê", "Rade (Ê Đê)"),
    Language("jra", "Tiếng Gia Rai", "Tơlơi Jarai", "Jarai"),
    Language("bdq", "Tiếng Ba Na", "Bahnar", "Bahnar"),
    Language("cjm", "Tiếng Chăm", "Chăm", "Eastern Cham", script="Cham"),
    Language("ium", "Tiếng Dao", "Iu Mienh", "Iu Mien (Dao)"),
    Language("tyz", "Tiếng Tày", "Tiếng Tày", "Tày"),
    Language("nut", "Tiếng Nùng", "Tiếng Nùng", "Nùng"),
    Language("mtq", "Tiếng Mường", "Tiếng Mường", "Mường"),
)
BY_CODE: dict[str, Language] = {lang.code: lang for lang in CONTENT_LANGUAGES}
SOURCE_LANGUAGE = "vi"

# Codes an editor may translate content into (everything but the Vietnamese source).
TRANSLATION_CODES: tuple[str, ...] = tuple(
    lang.code for lang in CONTENT_LANGUAGES if lang.code != SOURCE_LANGUAGE
)


def translation_choices() -> list[tuple[str, str]]:
    """(code, "Vietnamese name — endonym") for editors' language pickers; a language the
    interface speaks is named as the language switch names it (English is "English"
    everywhere, never "Tiếng Anh" in one place and "English" in another)."""
    interface = {code: str(name) for code, name in settings.LANGUAGES}
    return [
        (
            lang.code,
            interface.get(lang.code)
            or (lang.name if lang.name_local in lang.name else f"{lang.name} — {lang.name_local}"),
        )
        for lang in CONTENT_LANGUAGES
        if lang.code != SOURCE_LANGUAGE
    ]


def language_name(code: str) -> str:
    """The name shown beside a translation link: the endonym, which its readers recognise."""
    lang = BY_CODE.get(code)
    return lang.name_local if lang else code


def register() -> None:
    """Teach Django the content languages it lacks (names and direction), so that
    ``get_language_info``, the ``language_name`` filters and ``translation.override`` work."""
    from django.conf import locale

    for lang in CONTENT_LANGUAGES:
        locale.LANG_INFO.setdefault(
            lang.code,
            {
                "bidi": lang.bidi,
                "code": lang.code,
                "name": lang.name_en,
                "name_local": lang.name_local,
                "name_translated": _(lang.name),
            },
        )
