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


# --- word-based search ------------------------------------------------------------------------
#
# Vietnamese is written in syllables separated by spaces; a word is one or more syllables
# ("y tế" is two). Searching folded text with a plain substring test finds "te" inside "kinh
# te" and "y" inside "quy", so "y te" returned economic decrees. A folded query term therefore
# matches whole syllables only: it must sit between the start or end of the text and any
# character that is not a letter or digit. The pattern below is understood alike by SQLite
# (Django's REGEXP, Python's ``re``) and PostgreSQL (POSIX ``~``), so one query serves both.

SEARCH_TERMS_MAX = 8
_WORD_EDGE_BEFORE = "(^|[^a-z0-9])"
_WORD_EDGE_AFTER = "($|[^a-z0-9])"


def search_words(value: str) -> list[str]:
    """The folded syllables of ``value``: "Y tế, giáo dục" -> ["y", "te", "giao", "duc"]."""
    folded = fold(value)
    spaced = "".join(ch if ch.isalnum() else " " for ch in folded)
    return spaced.split()[:SEARCH_TERMS_MAX]


INDEX_WORD_MAX_LENGTH = 40


def index_words(value: str) -> list[str]:
    """Folded syllables of ``value`` for a word index, as ``search_words`` makes them but
    without its limit on the number of terms (the index and the query split text the same
    way); a syllable longer than a word-index column is cut to it."""
    spaced = "".join(ch if ch.isalnum() else " " for ch in fold(value))
    return [w[:INDEX_WORD_MAX_LENGTH] for w in spaced.split()]


def _plain(term: str) -> bool:
    return term.isascii() and term.isalnum()


def phrase_q(words: list[str], field: str = "search_text"):
    """Rows whose folded ``field`` holds ``words`` as consecutive whole syllables."""
    from django.db.models import Q

    if not words:
        return Q()
    if all(_plain(w) for w in words):
        return Q(**{f"{field}__regex": _WORD_EDGE_BEFORE + " ".join(words) + _WORD_EDGE_AFTER})
    # Letters of other scripts (Tai Viet, Khmer, Cham) have no spaces between words: a
    # substring is the best test there.
    return Q(**{f"{field}__contains": " ".join(words)})


def words_q(q: str, field: str = "search_text"):
    """Every syllable of ``q``, folded, occurs as a whole syllable of the folded ``field``:
    "quyet dinh 330" and "Quyết định 330" find the same rows, "y te" does not find "quy"."""
    from django.db.models import Q

    condition = Q()
    for word in search_words(q):
        condition &= phrase_q([word], field)
    return condition
