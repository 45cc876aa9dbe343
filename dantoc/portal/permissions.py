"""Who may write portal content. Reading published content needs no account.

Editors (role ``content_editor``) write for the units of their subtree: the ministry's editor
for everything, a province's editor for their province. Publication needs a second pair of
eyes when ``PORTAL_FOUR_EYES`` is on (the default): the editor who submitted an item for review
(or wrote it) may not publish it; another editor whose scope covers it does. A state portal
answers for what it publishes (Decree 42/2022/NĐ-CP), and one editor's mistake or a stolen
editor account must not reach the public alone.
"""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.editorial import permissions as editorial_permissions
from dantoc.editorial import revisions


def is_editor(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(RoleCode.CONTENT_EDITOR))


def can_edit_for_unit(user, unit) -> bool:
    return is_editor(user) and unit_in_scope(user, unit)


def can_edit(user, item) -> bool:
    """Write, submit, unpublish or delete ``item`` (an article, a document or an agency)."""
    return can_edit_for_unit(user, item.unit)


def publish_refusal(user, item) -> str | None:
    """Why ``user`` may not publish ``item`` now, or None if they may (the editorial
    workflow's rule: four eyes when ``PORTAL_FOUR_EYES`` is on)."""
    return editorial_permissions.publish_refusal(user, item)


def revision_approve_refusal(user, revision, item) -> str | None:
    """Why ``user`` may not approve ``revision`` of ``item`` (a new version of a published
    item) now, or None if they may: they must cover the item's unit (and the unit the revision
    gives it), the revision must be in review, and, with four eyes on, nobody who wrote into
    it approves it."""
    return revisions.approve_refusal(user, revision, item)
