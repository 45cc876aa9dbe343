"""Who may write citizen information: the portal's content editors (role ``content_editor``),
for the units of their subtree (the ministry's editors for everything, a province's for their
province). Reading published items needs no account; publishing needs a second editor (the
editorial workflow's four eyes)."""

from __future__ import annotations

from dantoc.portal.permissions import can_edit_for_unit, is_editor


def can_edit(user, item) -> bool:
    return can_edit_for_unit(user, item.unit)


__all__ = ["can_edit", "can_edit_for_unit", "is_editor"]
