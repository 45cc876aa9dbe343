"""DHIS2 identifiers (UIDs) for the platform's metadata, derived from the codes.

DHIS2 names every metadata object by an 11-character UID: a letter, then ten letters or
digits (``CodeGenerator`` in ``dhis2-core``; the Web API's default ``idScheme=UID``). The
platform's own identifiers are codes, so each object's UID is computed from its kind and
code: the first 128 bits of SHA-256 of ``"dantoc:<kind>:<code>"`` written in that alphabet.
The UID is therefore stable for as long as the code is (codes are never reused: Decision
124/2004/QĐ-TTg for units, the catalogues' own rule for forms and indicators), the same on
every installation, and needs no column or migration. The chance that two of a kind's
objects share a UID is below 10^-10 for a million objects; ``IdMaps`` refuses to resolve
a UID that two codes share rather than pick one.

The "default" category combination, category, option and option combination carry the UIDs
they have in every DHIS2 database, so a client that hard-codes ``HllvX50cXC0`` works.
"""

from __future__ import annotations

import hashlib
import re
import string
from functools import lru_cache

DATA_SET = "dataSet"
DATA_ELEMENT = "dataElement"
ORG_UNIT = "organisationUnit"
CATEGORY = "category"
CATEGORY_OPTION = "categoryOption"
CATEGORY_COMBO = "categoryCombo"
CATEGORY_OPTION_COMBO = "categoryOptionCombo"

DEFAULT = "default"
# The UIDs of DHIS2's built-in "default" objects (the same in every DHIS2 database).
DEFAULT_UIDS = {
    CATEGORY_COMBO: "bjDvmb4bfuf",
    CATEGORY_OPTION_COMBO: "HllvX50cXC0",
    CATEGORY: "GLevLNI9wkl",
    CATEGORY_OPTION: "xYerKDKCefk",
}

_LETTERS = string.ascii_letters
_CHARS = string.ascii_letters + string.digits
UID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]{10}")


def is_uid(text: str) -> bool:
    return bool(UID_PATTERN.fullmatch(text or ""))


@lru_cache(maxsize=131072)
def uid(kind: str, code: str) -> str:
    """The UID of the object of ``kind`` whose code is ``code``."""
    if code in ("", DEFAULT) and kind in DEFAULT_UIDS:
        return DEFAULT_UIDS[kind]
    number = int.from_bytes(hashlib.sha256(f"dantoc:{kind}:{code}".encode()).digest()[:16], "big")
    chars = [_LETTERS[number % 52]]
    number //= 52
    for _ in range(10):
        chars.append(_CHARS[number % 62])
        number //= 62
    return "".join(chars)
