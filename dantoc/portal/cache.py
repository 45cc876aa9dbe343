"""The portal's pages use the platform's public page cache (``dantoc.core.pagecache``); the
names stay here for the portal's modules and tests."""

from __future__ import annotations

from dantoc.core.pagecache import public_page, public_pages_changed

__all__ = ["public_page", "public_pages_changed"]
