"""The public page cache: anonymous GETs of portal pages are kept whole for a short while.

Keys carry a generation number; any change the public can see (every ``_announce`` in
services) moves the generation, so a published correction or a deletion is never served stale
from this cache (browsers and proxies may keep a page for ``PORTAL_CACHE_SECONDS``).
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


def public_pages_changed() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def alerts_changed(**_payload) -> None:
    """Listener of ``alerts.alert_changed``: cached pages may show a warning's banner."""
    public_pages_changed()


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def public_page(view):
    """Cache the page for anonymous visitors (per address, query and language) and say that
    browsers may keep it; signed-in editors always get a fresh, private page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PORTAL_CACHE_SECONDS
        anonymous = not request.user.is_authenticated
        if request.method not in ("GET", "HEAD") or not anonymous or seconds <= 0:
            response = view(request, *args, **kwargs)
            if not anonymous:
                patch_cache_control(response, private=True, no_cache=True)
            return response
        # The commune a citizen chose (cookie of the citizen pages) changes the warnings shown.
        commune = request.COOKIES.get("dantoc_commune", "")[:10]
        raw = f"{request.get_full_path()}|{get_language()}|{commune}|{_generation()}"
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
