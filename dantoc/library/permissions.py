"""Who may do what in the e-library. Librarians (the role this app declares, at a province or
the ministry) and content editors add and describe documents of their unit's subtree; a
second one of them publishes. Everybody, signed in or not, reads what is published."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope

LIBRARIAN = "librarian"
EDITOR_ROLES = (LIBRARIAN, RoleCode.CONTENT_EDITOR)


def is_librarian(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and any(user.has_role(r) for r in EDITOR_ROLES)
    )


def can_edit_for_unit(user, unit) -> bool:
    return is_librarian(user) and unit_in_scope(user, unit)


def can_edit(user, item) -> bool:
    return can_edit_for_unit(user, item.unit)


def can_read(user, item) -> bool:
    """The public reads published items; librarians of the item's unit read their drafts."""
    return item.is_public or can_edit(user, item)
