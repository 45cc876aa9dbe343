"""Who may see an asset through the media pages. An app that shows an asset on its own pages
(the portal's article image) serves it behind its own permission check instead."""

from __future__ import annotations

from dantoc.accounts.models import RoleCode
from dantoc.accounts.permissions import unit_in_scope
from dantoc.media.models import MediaAsset

# Apps whose files carry access rules of their own (the heritage archive's cultural
# protocols) add a guard ``(user, asset) -> bool | None``: False refuses the asset on the
# media pages even to an administrator, None leaves the decision to the rules below.
ASSET_GUARDS: list = []


def can_view_asset(user, asset: MediaAsset) -> bool:
    if not user.is_authenticated:
        return False
    if asset.uploaded_by_id is not None and asset.uploaded_by_id == user.pk:
        return True
    if any(guard(user, asset) is False for guard in ASSET_GUARDS):
        return False
    # System administrators see the assets of their subtree (to follow up a failure): the
    # owning unit's, or else the uploader's unit's.
    if not user.has_role(RoleCode.SYSTEM_ADMIN):
        return False
    unit = asset.owner_unit or (asset.uploaded_by.unit if asset.uploaded_by else None)
    return unit is not None and unit_in_scope(user, unit)


def can_retry_asset(user, asset: MediaAsset) -> bool:
    return can_view_asset(user, asset)
