"""Natural order of codes: DA1, DA2, …, DA3.1, DA10, DA10.1 — numbers compared as numbers,
not as text (where "DA10.1" comes before "DA3.1")."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """A sort key that compares the digit runs of ``text`` as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in _NUMBER.split(text or "")
        if part
    )
