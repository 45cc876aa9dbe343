"""Public pages of the portal: no account needed, light, readable without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dantoc.core.languages import language_name
from dantoc.geo.models import LAST_DAY_BEFORE_REFORM, REFORM_DATE, UnitLevel
from dantoc.geo.selectors import unit_get
from dantoc.portal import permissions, selectors
from dantoc.portal.cache import public_page
from dantoc.portal.models import (
    KIND_OF_SECTION,
    ArticleAttachment,
    ArticleKind,
    DocType,
    LegalDocumentAttachment,
    LegalStatus,
)

PAGE_SIZE = 20

SECTIONS = KIND_OF_SECTION


@dataclass(frozen=True)
class ArticleText:
    lang: str
    title: str
    summary: str
    body: str  # sanitised HTML


def _article_view(article, requested: str | None) -> ArticleText:
    """Title, summary and body in the visitor's language, or in ``requested`` (an ethnic
    language chosen on the page), falling back to Vietnamese."""
    language = requested or (get_language() or "vi").split("-")[0]
    translation = article.translation_for(language) if language != "vi" else None
    source = translation or article
    return ArticleText(
        lang=translation.language if translation else "vi",
        title=source.title,
        summary=source.summary,
        body=source.body,
    )


@require_safe
@public_page
def home(request):
    latest_news = list(selectors.published_articles(kind=ArticleKind.NEWS)[:6])
    latest_activities = list(selectors.published_articles(kind=ArticleKind.ACTIVITY)[:4])
    latest_documents = list(selectors.legal_documents_search()[:5])
    pages = list(selectors.published_articles(kind=ArticleKind.PAGE)[:6])
    return render(
        request,
        "portal/home.html",
        {
            "news": [(a, _article_view(a, None)) for a in latest_news],
            "activities": [(a, _article_view(a, None)) for a in latest_activities],
            "documents": latest_documents,
            "pages": [(a, _article_view(a, None)) for a in pages],
            "sections": SECTIONS,
        },
    )


@require_safe
@public_page
def section(request, section: str):
    kind = SECTIONS.get(section)
    if kind is None:
        raise Http404
    articles = selectors.published_articles(kind=kind)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/section.html",
        {
            "section": section,
            "kind": kind,
            "kind_label": ArticleKind(kind).label,
            "page": page,
            "items": [(a, _article_view(a, None)) for a in page],
        },
    )


@require_safe
@public_page
def article_detail(request, section: str, slug: str):
    kind = SECTIONS.get(section)
    if kind is None:
        raise Http404
    article = selectors.article_by_slug(slug=slug, kind=kind)
    if article is None:
        raise Http404(_("Không có bài viết này, hoặc bài viết đã được gỡ."))
    requested = request.GET.get("ban-dich") or None
    if (
        requested
        and requested != "vi"
        and requested not in selectors.translation_languages(article)
    ):
        requested = None
    view = _article_view(article, requested)
    translations = [(t.language, language_name(t.language)) for t in article.translations.all()]
    return render(
        request,
        "portal/article.html",
        {
            "article": article,
            "view": view,
            "section": section,
            "kind_label": ArticleKind(kind).label,
            "translations": translations,
            "areas": list(article.areas.all()),
            "attachments": list(article.attachments.all()),
        },
    )


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@require_safe
@public_page
def document_list(request):
    filters = selectors.DocumentFilters(
        q=request.GET.get("q", "")[:200],
        doc_type=request.GET.get("loai", "") if request.GET.get("loai") in DocType.values else "",
        issuing_body=request.GET.get("co-quan", "")[:200],
        legal_status=request.GET.get("hieu-luc", "")
        if request.GET.get("hieu-luc") in LegalStatus.values
        else "",
        year=_int_or_none(request.GET.get("nam")),
    )
    documents = selectors.legal_documents_search(filters=filters)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/document_list.html",
        {
            "page": page,
            "filters": filters,
            "choices": selectors.legal_document_filter_choices(),
            "doc_types": DocType.choices,
            "legal_statuses": LegalStatus.choices,
        },
    )


@require_safe
@public_page
def document_detail(request, slug: str):
    document = selectors.legal_document_by_slug(slug=slug)
    if document is None:
        raise Http404(_("Không có văn bản này, hoặc văn bản đã được gỡ."))
    return render(
        request,
        "portal/document.html",
        {
            "document": document,
            "amends": list(document.amends.all()),
            "replaces": list(document.replaces.all()),
            "amended_by": list(document.amended_by.all()),
            "replaced_by": list(document.replaced_by.all()),
            "areas": list(document.areas.all()),
            "attachments": list(document.attachments.all()),
        },
    )


@require_safe
@public_page
def agency_list(request):
    q = request.GET.get("q", "")[:200]
    agencies = list(selectors.agencies_public(q=q))
    groups: dict[str, list] = {}
    for agency in agencies:
        key = _("Trung ương") if agency.unit.level == UnitLevel.COUNTRY else agency.unit.name
        groups.setdefault(key, []).append(agency)
    return render(request, "portal/agency_list.html", {"groups": list(groups.items()), "q": q})


@require_safe
@public_page
def areas_index(request):
    rows = selectors.provinces_areas()
    return render(
        request,
        "portal/areas.html",
        {
            "rows": rows,
            "any_classified": any(r.classified_communes for r in rows),
            "reform_date": REFORM_DATE,
        },
    )


@require_safe
@public_page
def areas_province(request, code: str):
    province = unit_get(code=code)
    if province is None or province.level != UnitLevel.PROVINCE or not province.is_current:
        raise Http404(_("Không có tỉnh mã %(code)s.") % {"code": code})
    region = request.GET.get("khu-vuc", "")
    show_all = request.GET.get("tat-ca") == "1"
    communes = selectors.province_communes_areas(province=province)
    if region in {"I", "II", "III"}:
        communes = [c for c in communes if region in c.region_values]
    elif not show_all:
        communes = [c for c in communes if c.regions or c.villages]
    page = Paginator(communes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/areas_province.html",
        {
            "province": province,
            "page": page,
            "region": region,
            "show_all": show_all,
            "reform_date": REFORM_DATE,
            "before_reform": LAST_DAY_BEFORE_REFORM,
        },
    )


@require_safe
@public_page
def search(request):
    q = request.GET.get("q", "")[:200]
    results = selectors.portal_search(q=q)
    return render(
        request,
        "portal/search.html",
        {
            "q": q,
            "results": results,
            "articles": [(a, _article_view(a, None)) for a in results.articles],
        },
    )


@require_safe
def language(request, code: str):
    """The language switch of the public pages: a plain link (no form, so no CSRF token, so
    the pages stay cacheable). Choosing a language changes nothing on the server."""
    if code not in {c for c, _name in settings.LANGUAGES}:
        raise Http404
    target = request.GET.get("next", "/cong-thong-tin/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/cong-thong-tin/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_safe
def attachment(request, uuid):
    """An attached file of a public item (or of an item the signed-in editor may edit)."""
    item_attachment = (
        ArticleAttachment.objects.select_related("article__unit").filter(uuid=uuid).first()
    )
    if item_attachment is not None:
        owner = item_attachment.article
    else:
        item_attachment = (
            LegalDocumentAttachment.objects.select_related("document__unit")
            .filter(uuid=uuid)
            .first()
        )
        if item_attachment is None:
            raise Http404
        owner = item_attachment.document
    return _serve(
        request, owner, item_attachment.file, item_attachment.media_type, item_attachment.title
    )


@require_safe
def article_image(request, uuid):
    from dantoc.portal.models import Article

    article = Article.objects.select_related("unit", "image_asset").filter(uuid=uuid).first()
    if article is None or not article.image:
        raise Http404
    profile = request.GET.get("v")
    if profile and article.image_asset is not None:
        # A phone-sized derivative from the media pipeline (``{% media_picture %}`` links here).
        derivative = article.image_asset.derivatives.filter(profile=profile).first()
        if derivative is None:
            raise Http404
        return _serve(request, article, derivative.file, derivative.mime_type, "")
    name = article.image.name.lower()
    media_type = (
        "image/png"
        if name.endswith(".png")
        else "image/webp"
        if name.endswith(".webp")
        else "image/jpeg"
    )
    return _serve(request, article, article.image, media_type, "")


def _serve(request, owner, file, media_type: str, title: str):
    if not owner.is_public and not permissions.can_edit(request.user, owner):
        raise Http404
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    inline = media_type.startswith("image/") or media_type == "application/pdf"
    extension = file.name.rsplit(".", 1)[-1]
    filename = f"{(title or 'tep')[:80]}.{extension}" if title else None
    response = FileResponse(
        handle, content_type=media_type, as_attachment=not inline, filename=filename or ""
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if owner.is_public:
        response["Cache-Control"] = f"public, max-age={settings.PORTAL_CACHE_SECONDS}"
    else:
        response["Cache-Control"] = "private, no-store"
    return response


# Areas only officials use: crawlers are turned away from them (they would meet a sign-in
# page anyway). Everything public stays open, and the sitemap lists what there is to read.
ROBOTS_DISALLOW = ("/admin/", "/accounts/", "/bien-tap/", "/quan-ly/", "/integration/")


@require_safe
def robots_txt(request):
    """``/robots.txt`` (RFC 9309), naming the sitemap by its absolute address."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /"]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('portal:sitemap'))}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=86400)
    return response
