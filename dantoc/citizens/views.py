"""The citizen pages (Thông tin cho đồng bào): no account, light, readable without JavaScript
on a 360 px phone. The commune the reader picks is kept on the phone in one cookie (its code,
nothing else); views are counted per item, month, province and language, never per person."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from dantoc.citizens import permissions, selectors, services
from dantoc.citizens.models import TOPIC_HINTS, CitizenItem, Topic
from dantoc.core import pagecache
from dantoc.core.languages import BY_CODE, SOURCE_LANGUAGE
from dantoc.core.pagecache import public_page
from dantoc.geo.models import UnitLevel
from dantoc.geo.pickers import unit_param, units_for_text
from dantoc.media.responses import stored_file_response

COMMUNE_COOKIE = pagecache.COMMUNE_COOKIE  # also read by the portal home for its warnings banner
COMMUNE_COOKIE_DAYS = 400
LANGUAGE_PARAM = "ban-dich"


def _commune(request):
    return selectors.commune_for_code(request.COOKIES.get(COMMUNE_COOKIE))


def _page(request, template: str, context: dict, *, status: int = 200):
    context.setdefault("commune", _commune(request))
    context.setdefault("topics", [(t, t.label, TOPIC_HINTS[t]) for t in Topic])
    response = render(request, template, context, status=status)
    # The page depends on the commune kept on the phone: a shared cache keys on the cookie.
    patch_vary_headers(response, ["Cookie"])
    patch_cache_control(response, private=True, max_age=0)
    return response


def _languages() -> list[tuple[str, str]]:
    return [(code, lang.name_local) for code, lang in BY_CODE.items() if code != "en"]


@require_safe
@public_page
def home(request):
    asked = selectors.language_asked(request.GET.get(LANGUAGE_PARAM))
    commune = _commune(request)
    mine = selectors.my_commune(commune) if commune else None
    latest = list(selectors.published_items()[:6])
    return _page(
        request,
        "citizens/home.html",
        {
            "commune": commune,
            "mine": mine,
            "mine_texts": [(i, selectors.item_text(i, asked)) for i in mine.items] if mine else [],
            "latest": [(i, selectors.item_text(i, asked)) for i in latest],
            "asked": asked,
            "languages": _languages(),
        },
    )


@require_safe
@public_page
def commune_choose(request):
    """Pick "my commune" with the unit picker (a plain GET form: without JavaScript a name
    that matches several communes brings the candidates back as radio buttons). A commune
    found is kept on the phone and the reader goes back to the home page."""
    if request.GET.get("bo"):
        response = HttpResponseRedirect(reverse("citizens:home"))
        response.delete_cookie(COMMUNE_COOKIE, samesite="Lax")
        return response
    typed = unit_param(request.GET, "xa")
    error = ""
    if typed:
        commune = selectors.commune_for_code(typed)
        if commune is not None:
            response = HttpResponseRedirect(reverse("citizens:home") + "#xa-cua-toi")
            response.set_cookie(
                COMMUNE_COOKIE,
                commune.code,
                max_age=COMMUNE_COOKIE_DAYS * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        # Several communes answer to the name: the picker lists them to choose from.
        if not units_for_text(typed, levels=[UnitLevel.COMMUNE]):
            error = _(
                "Chưa tìm được xã “%(q)s”. Gõ tên xã (có dấu hay không đều được) rồi chọn."
            ) % {"q": typed}
    return _page(
        request,
        "citizens/choose.html",
        {"typed": typed, "error": error, "levels": UnitLevel.COMMUNE},
        status=200,
    )


@require_safe
@public_page
def topic(request, topic: str):
    if topic not in Topic.values:
        raise Http404
    asked = selectors.language_asked(request.GET.get(LANGUAGE_PARAM))
    items = list(selectors.published_items(topic=topic)[:50])
    return _page(
        request,
        "citizens/topic.html",
        {
            "topic": Topic(topic),
            "hint": TOPIC_HINTS[Topic(topic)],
            "items": [(i, selectors.item_text(i, asked)) for i in items],
            "asked": asked,
        },
    )


def _item_or_404(topic: str, slug: str):
    if topic not in Topic.values:
        raise Http404
    item = selectors.item_by_slug(topic=topic, slug=slug)
    if item is None:
        raise Http404(_("Không có thông tin này, hoặc thông tin đã được gỡ."))
    return item


@require_safe
def item_detail(request, topic: str, slug: str):
    """Counted on every reading (not per person), then served from the public page cache."""
    if request.method == "GET":
        _count_reading(request, topic, slug)
    return _item_page(request, topic, slug)


def _count_reading(request, topic: str, slug: str) -> None:
    """One more reading of the item, in the language shown and from the province of the
    reader's commune; what that is, is kept beside the cached page (same address, commune
    and generation), so a reading of a cached page costs no database query."""
    raw = (
        f"{request.get_full_path()}|{request.COOKIES.get(COMMUNE_COOKIE, '')[:10]}"
        f"|{pagecache.generation()}"
    )
    key = "citizens:reading:" + hashlib.sha256(raw.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        item = _item_or_404(topic, slug)
        text = selectors.item_text(item, selectors.language_asked(request.GET.get(LANGUAGE_PARAM)))
        commune = _commune(request)
        province = commune.parent.code if commune and commune.parent_id else ""
        found = (item.pk, province, text.lang)
        cache.set(key, found, settings.PORTAL_CACHE_SECONDS)
    item_id, province, language = found
    services.reach_count(item=CitizenItem(pk=item_id), province_code=province, language=language)


@public_page
def _item_page(request, topic: str, slug: str):
    item = _item_or_404(topic, slug)
    asked = selectors.language_asked(request.GET.get(LANGUAGE_PARAM))
    text = selectors.item_text(item, asked)
    commune = _commune(request)
    url = request.build_absolute_uri(item.get_absolute_url())
    if text.lang != SOURCE_LANGUAGE:
        url += f"?{LANGUAGE_PARAM}={text.lang}"
    return _page(
        request,
        "citizens/item.html",
        {
            "item": item,
            "text": text,
            "asked_name": BY_CODE[asked].name if asked in BY_CODE else "",
            "commune": commune,
            "share_url": url,
            "share_image": request.build_absolute_uri(static("citizens/share.png")),
            "language_names": [(code, BY_CODE[code].name_local) for code in text.languages],
            "doc_files": list(item.legal_document.attachments.all()) if item.legal_document else [],
            "audio": selectors.public_audio(item, text.lang),
        },
    )


@require_safe
def audio_file(request, uuid):
    """The recording's small derivative (``?v=audio-opus-24k`` / ``audio-aac-32k``, what
    ``{% media_audio %}`` links to). A request for the start of the file counts as one listen
    of the item (a player asks for later ranges as it plays; those are not counted)."""
    audio = selectors.audio_for_serving(uuid=uuid)
    public = audio is not None
    if audio is None and request.user.is_authenticated:
        # An editor of the item listens before approving (not counted, not cached publicly).
        audio = selectors.audio_by_uuid(uuid=uuid)
        if audio is not None and not permissions.can_edit(request.user, audio.item):
            audio = None
    if audio is None:
        raise Http404
    profile = request.GET.get("v", "")
    derivative = audio.asset.derivatives.filter(profile=profile).first()
    if derivative is None or not profile.startswith("audio-"):
        raise Http404
    byte_range = request.headers.get("Range", "")
    if public and request.method == "GET" and byte_range in ("", "bytes=0-"):
        commune = _commune(request)
        province = commune.parent.code if commune and commune.parent_id else ""
        services.reach_count(
            item=audio.item, province_code=province, language=audio.language, counter="listens"
        )
    response = stored_file_response(derivative.file, mime_type=derivative.mime_type, public=public)
    if public:
        # Counted per request: a shared cache must not answer for us.
        response["Cache-Control"] = "private, max-age=3600"
    return response


FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php?u="
SHARE_CHANNELS = ("facebook", "ung-dung", "chep")


@csrf_exempt  # It changes nobody's data: one more share in a monthly count, like a page view.
@require_http_methods(["GET", "HEAD", "POST"])
def item_share(request, topic: str, slug: str, channel: str):
    """Count one share of the item, then: for Facebook (a GET, works without JavaScript) go
    to its sharer with the item's own address (never one from the request); for the phone's
    share sheet or a copied link (a POST beacon from share.js) answer 204."""
    if channel not in SHARE_CHANNELS:
        raise Http404
    if (channel == "facebook") != (request.method in ("GET", "HEAD")):
        return HttpResponseNotAllowed(["GET"] if channel == "facebook" else ["POST"])
    item = _item_or_404(topic, slug)
    text = selectors.item_text(item, selectors.language_asked(request.GET.get(LANGUAGE_PARAM)))
    commune = _commune(request)
    province = commune.parent.code if commune and commune.parent_id else ""
    if request.method != "HEAD":  # a HEAD is nobody pressing the button
        services.reach_count(
            item=item, province_code=province, language=text.lang, counter="shares"
        )
    if channel != "facebook":
        return HttpResponse(status=204)
    url = request.build_absolute_uri(item.get_absolute_url())
    if text.lang != SOURCE_LANGUAGE:
        url += f"?{LANGUAGE_PARAM}={text.lang}"
    response = HttpResponseRedirect(FACEBOOK_SHARER + quote(url, safe=""))
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@public_page
def item_print(request, topic: str, slug: str):
    """One A4 sheet of the item to post at the village hall (print CSS; no header, no menu)."""
    item = _item_or_404(topic, slug)
    asked = selectors.language_asked(request.GET.get(LANGUAGE_PARAM))
    text = selectors.item_text(item, asked)
    return render(
        request,
        "citizens/print.html",
        {"item": item, "text": text, "url": request.build_absolute_uri(item.get_absolute_url())},
    )


@require_safe
@public_page
def search(request):
    q = (request.GET.get("q") or "")[:200]
    asked = selectors.language_asked(request.GET.get(LANGUAGE_PARAM))
    items = selectors.items_search(q=q) if q.strip() else []
    return _page(
        request,
        "citizens/search.html",
        {"q": q, "items": [(i, selectors.item_text(i, asked)) for i in items], "asked": asked},
    )


@require_safe
@public_page
def saved(request):
    """The items this phone keeps to read offline ("Lưu để đọc"): the list lives on the phone
    (the service worker's storage), so the page is a frame that ``citizens/offline.js`` fills;
    without it the page says how to keep a page."""
    return _page(request, "citizens/saved.html", {})
