"""Showing an asset in any app's template, light enough for a cheap phone on 3G:

    {% load media %}
    {% media_picture asset alt=article.image_alt %}
    {% media_audio asset %}
    {% media_video asset %}

Each takes ``url``: the address of the owning app's view that serves the asset's files after
its own permission check (the profile is added as ``?v=<profile>``). Without it the media
pages' own addresses are used (for the uploader and administrators only).
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from dantoc.media.models import MediaAsset
from dantoc.media.selectors import derivatives_by_profile, picture_sources

register = template.Library()

ORIGINAL = "goc"


def _url(asset: MediaAsset, profile: str, base: str | None) -> str:
    if base:
        return f"{base}?v={profile}"
    return reverse("media:file", kwargs={"uuid": asset.uuid, "profile": profile})


def _srcset(asset, items, base) -> str:
    return ", ".join(f"{_url(asset, d.profile, base)} {d.width}w" for d in items)


@register.simple_tag
def media_picture(
    asset: MediaAsset | None,
    alt: str = "",
    url: str | None = None,
    sizes: str = "(max-width: 720px) 100vw, 720px",
    css_class: str = "",
):
    """A <picture> with WebP and JPEG sources in phone widths, the JPEG as the fallback."""
    if asset is None:
        return ""
    sources = picture_sources(asset)
    jpegs, webps = sources["jpg"], sources["webp"]
    if not jpegs:
        # Not processed yet: the original, sized so the page does not jump when it loads.
        return format_html(
            '<img src="{}" alt="{}"{}{} loading="lazy" decoding="async"{}>',
            _url(asset, ORIGINAL, url),
            alt,
            format_html(' width="{}"', asset.width) if asset.width else "",
            format_html(' height="{}"', asset.height) if asset.height else "",
            format_html(' class="{}"', css_class) if css_class else "",
        )
    first = jpegs[0]
    webp_source = (
        format_html(
            '<source type="image/webp" srcset="{}" sizes="{}">',
            _srcset(asset, webps, url),
            sizes,
        )
        if webps
        else ""
    )
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}"'
        ' loading="lazy" decoding="async"{}></picture>',
        webp_source,
        _url(asset, first.profile, url),
        _srcset(asset, jpegs, url),
        sizes,
        first.width,
        first.height,
        alt,
        format_html(' class="{}"', css_class) if css_class else "",
    )


@register.simple_tag
def media_audio(asset: MediaAsset | None, url: str | None = None, label: str = ""):
    """An <audio> player that downloads nothing until pressed: Opus first, AAC for Safari."""
    if asset is None:
        return ""
    by_profile = derivatives_by_profile(asset)
    sources = [
        (by_profile[p], t)
        for p, t in (
            ("audio-opus-24k", "audio/ogg; codecs=opus"),
            ("audio-aac-32k", "audio/mp4"),
        )
        if p in by_profile
    ]
    if not sources:
        return format_html('<p class="muted">{}</p>', _("Tệp âm thanh đang được xử lý."))
    return format_html(
        '<audio controls preload="none"{}>{}<a href="{}">{}</a></audio>',
        format_html(' aria-label="{}"', label) if label else "",
        format_html_join(
            "",
            '<source src="{}" type="{}">',
            ((_url(asset, d.profile, url), t) for d, t in sources),
        ),
        _url(asset, sources[-1][0].profile, url),
        _("Tải tệp âm thanh"),
    )


@register.simple_tag
def media_video(asset: MediaAsset | None, url: str | None = None, label: str = ""):
    """A <video> player with a poster, downloading nothing until pressed; 240p plays first
    (cheap on 3G), with a link to the 360p file."""
    if asset is None:
        return ""
    by_profile = derivatives_by_profile(asset)
    videos = [by_profile[p] for p in ("video-240p.mp4", "video-360p.mp4") if p in by_profile]
    if not videos:
        return format_html('<p class="muted">{}</p>', _("Video đang được xử lý."))
    poster = by_profile.get("poster.jpg")
    first = videos[0]
    sharper = (
        format_html(
            '<p><a href="{}">{}</a></p>', _url(asset, videos[-1].profile, url), _("Xem bản 360p")
        )
        if len(videos) > 1
        else ""
    )
    return format_html(
        '<video controls preload="none" playsinline width="{}" height="{}"{}{}>'
        '<source src="{}" type="video/mp4"><a href="{}">{}</a></video>{}',
        first.width,
        first.height,
        format_html(' poster="{}"', _url(asset, poster.profile, url)) if poster else "",
        format_html(' aria-label="{}"', label) if label else "",
        _url(asset, first.profile, url),
        _url(asset, first.profile, url),
        _("Tải video"),
        sharper,
    )
