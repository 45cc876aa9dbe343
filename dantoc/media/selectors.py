"""Reads of the media pipeline."""

from __future__ import annotations

from dantoc.media.models import MediaAsset, MediaDerivative


def asset_get(*, uuid) -> MediaAsset | None:
    return (
        MediaAsset.objects.select_related("uploaded_by", "owner_unit")
        .prefetch_related("derivatives")
        .filter(uuid=uuid)
        .first()
    )


def derivatives_by_profile(asset: MediaAsset) -> dict[str, MediaDerivative]:
    """The asset's derivatives keyed by profile (uses a prefetch when there is one)."""
    return {d.profile: d for d in asset.derivatives.all()}


def picture_sources(asset: MediaAsset) -> dict[str, list[MediaDerivative]]:
    """The image derivatives per format, narrowest first: ``{"webp": [...], "jpg": [...]}``."""
    sources: dict[str, list[MediaDerivative]] = {"webp": [], "jpg": []}
    for derivative in asset.derivatives.all():
        name, _, fmt = derivative.profile.rpartition(".")
        if name.startswith("image-") and fmt in sources:
            sources[fmt].append(derivative)
    for items in sources.values():
        items.sort(key=lambda d: d.width or 0)
    return sources
