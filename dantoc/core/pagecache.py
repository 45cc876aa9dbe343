"""The public page cache: anonymous GETs of public pages (portal, citizen pages, and any part
that shows the public what it publishes) are kept whole for a short while.

Keys carry a generation number; any change the public can see moves it
(``public_pages_changed``, called after commit by the services that publish, and on every
warning issued, updated or cancelled), so a published correction, a deletion or a cancelled
warning is never served stale from this cache (browsers and proxies may keep a page for
``PORTAL_CACHE_SECONDS``). The key holds the address with its query, the language and the
commune the reader chose on the citizen pages (their warnings banner depends on it).
The cache is Django's default cache: per process in memory on one machine, a shared cache
(Redis, Memcached) when ``CACHES`` says so in production.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

GENERATION_KEY = "portal:generation"
# The cookie of the citizen pages that keeps the reader's commune (its code, nothing else).
COMMUNE_COOKIE = "dantoc_commune"


def public_pages_changed(**_payload) -> None:
    """Every cached public page is stale from now on (also an event listener)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def public_page(view):
    """Cache the page for anonymous visitors (per address, query, language and chosen commune)
    and say that browsers may keep it; signed-in people always get a fresh, private page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PORTAL_CACHE_SECONDS
        anonymous = not request.user.is_authenticated
        if request.method not in ("GET", "HEAD") or not anonymous or seconds <= 0:
            response = view(request, *args, **kwargs)
            if not anonymous:
                patch_cache_control(response, private=True, no_cache=True)
            return response
        commune = request.COOKIES.get(COMMUNE_COOKIE, "")[:10]
        raw = f"{request.get_full_path()}|{get_language()}|{commune}|{generation()}"
        key = "portal:page:" + hashlib.sha256(raw.encode()).hexdigest()
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=seconds)
        patch_vary_headers(response, ["Cookie"])
        personal = response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        if response.status_code == 200 and not personal and not response.streaming:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, seconds)
        return response

    return wrapped
