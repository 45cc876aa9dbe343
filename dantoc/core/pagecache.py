"""The public page cache: anonymous GETs of public pages (portal, citizen pages, and any part
that shows the public what it publishes) are kept whole for a short while.

Keys carry a generation number; any change the public can see moves it
(``public_pages_changed``, called after commit by the services that publish, and on every
warning issued, updated or cancelled), so a published correction, a deletion or a cancelled
warning is not served from this cache (browsers and proxies may keep a page for
``PORTAL_CACHE_SECONDS``). The generation lives in the database (``PageGeneration``), read
at most once a second by each server process: a change made in one process (a worker, the
task worker, a command) reaches the pages of every other within a second. The key holds the address with its query, the language and the
commune the reader chose on the citizen pages (their warnings banner depends on it).
The cache is Django's default cache: per process in memory on one machine, a shared cache
(Redis, Memcached) when ``CACHES`` says so in production.
"""

from __future__ import annotations

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language

# How long a process trusts the generation it read (seconds).
GENERATION_SECONDS = 1.0
_seen: list = [0.0, None]  # [when read (monotonic), value]
# The cookie of the citizen pages that keeps the reader's commune (its code, nothing else).
COMMUNE_COOKIE = "dantoc_commune"


def public_pages_changed(**_payload) -> None:
    """Every cached public page is stale from now on (also an event listener)."""
    from dantoc.core.models import PageGeneration

    if not PageGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PageGeneration.objects.get_or_create(pk=1, defaults={"value": 2})
    forget_generation()


def public_pages_changed_on_commit() -> None:
    """For a write service: the cached pages go stale when the transaction commits (pages
    rendered meanwhile by other processes show the old content), and at once for this
    transaction's own later reads (a rollback undoes that first move)."""
    public_pages_changed()
    transaction.on_commit(public_pages_changed)


def forget_generation() -> None:
    """The next request reads the generation from the database (tests call it too)."""
    _seen[0], _seen[1] = 0.0, None


def generation() -> int:
    now = time.monotonic()
    if _seen[1] is None or now - _seen[0] > GENERATION_SECONDS:
        from dantoc.core.models import PageGeneration

        value = PageGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
        _seen[0], _seen[1] = now, value or 1
    return _seen[1]


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
