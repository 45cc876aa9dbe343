"""The portal's pages use the platform's public page cache (``dantoc.core.pagecache``); the
name stays here for the portal's URLs and views."""

from __future__ import annotations

from dantoc.core.pagecache import public_page

__all__ = ["public_page"]
