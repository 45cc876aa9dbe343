"""Pages of the heritage archive: public browsing (list, item, feed), files and IIIF, the
contributors' pages (their items, the form, media, the workflow's steps), the stewards'
protocol pages and the digitisation plan. Every read of an item or a file goes through
``selectors.items_visible`` / ``media_visible``; not found and not allowed look the same."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dantoc.editorial import permissions as editorial_permissions
from dantoc.editorial import revisions
from dantoc.editorial import services as editorial
from dantoc.editorial.models import RevisionStatus, TranslationStatus
from dantoc.editorial.permissions import publish_refusal
from dantoc.geo.models import Unit, UnitLevel
from dantoc.heritage import chunks, iiif, permissions, selectors, services
from dantoc.heritage.forms import (
    InventoryEntryForm,
    ItemForm,
    MediaForm,
    MemberForm,
    ProtocolForm,
    TranslationForm,
    initial_from,
)
from dantoc.heritage.models import HeritageItem, InventoryEntry, ItemKind, Protocol, Season
from dantoc.media.models import MediaState
from dantoc.media.responses import ORIGINAL, asset_profile_response

PAGE_SIZE = 20


def _base_url(request) -> str:
    return (settings.SITE_URL or request.build_absolute_uri("/")).rstrip("/")


def _open_to_all(media) -> bool:
    return selectors.media_visible(AnonymousUser()).filter(pk=media.pk).exists()


# --- public pages ------------------------------------------------------------------------------


@require_safe
def item_list(request):
    params = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "kind", "dt", "tinh", "mua")}
    items = selectors.items_search(
        user=request.user,
        q=params["q"],
        kind=params["kind"],
        ethnic_group=params["dt"],
        province=params["tinh"],
        season=params["mua"],
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("trang"))
    covers = selectors.item_covers(user=request.user, items=page.object_list)
    cards = [(item, covers.get(item.pk)) for item in page]
    provinces, groups = selectors.browse_facets(request.user)
    query = urlencode({k: v for k, v in params.items() if v})
    return render(
        request,
        "heritage/item_list.html",
        {
            "page": page,
            "more_than": selectors.COUNT_CAP if getattr(items, "capped", False) else None,
            "cards": cards,
            "params": params,
            "kinds": ItemKind.choices,
            "seasons": Season.choices,
            "provinces": provinces,
            "groups": groups,
            "query": query,
        },
    )


@require_safe
def item_detail(request, uuid):
    item = selectors.item_visible_get(user=request.user, uuid=uuid)
    if item is None:
        raise Http404
    media = selectors.item_media_visible(user=request.user, item=item)
    images = [m for m in media if m.asset.kind == "image" and m.asset.width]
    return render(
        request,
        "heritage/item_detail.html",
        {
            "item": item,
            "media": media,
            "notices": [p for p in item.protocols.all() if p.notice],
            "restricted": any(not p.is_open for p in item.protocols.all()),
            "iiif_images": json.dumps(
                [reverse("heritage:iiif_info", args=[m.uuid]) for m in images]
            ),
            "has_images": bool(images),
            "performers": [p for p in item.performers.splitlines() if p.strip()]
            if item.performers_consent
            else [],
            "can_edit": permissions.can_edit_item(request.user, item),
            "translations": item.translations.filter(status=TranslationStatus.PUBLISHED).order_by(
                "language"
            ),
        },
    )


@require_safe
def media_file(request, uuid):
    media = selectors.media_visible_get(user=request.user, uuid=uuid)
    if media is None:
        raise Http404
    profile = request.GET.get("v", ORIGINAL)
    return asset_profile_response(media.asset, profile, public=_open_to_all(media), request=request)


class ItemFeed(Feed):
    """Atom-compatible RSS of the newest items the public may see (anonymous by nature: a
    feed reader carries no session)."""

    title = gettext_lazy("Di sản văn hoá các dân tộc")
    description = gettext_lazy("Tư liệu di sản mới được công bố")

    def link(self):
        return reverse("heritage:item_list")

    def items(self):
        return selectors.items_search(user=AnonymousUser())[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.description[:400]

    def item_link(self, item):
        return reverse("heritage:item_detail", args=[item.uuid])

    def item_pubdate(self, item):
        return item.published_at


# --- IIIF --------------------------------------------------------------------------------------


def _iiif_media(request, uuid):
    media = selectors.media_visible_get(user=request.user, uuid=uuid)
    if media is None or media.asset.kind != "image" or not media.asset.width:
        raise Http404
    return media


def _cors(response, media):
    if _open_to_all(media):
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = "public, max-age=86400"
    else:
        response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def iiif_base(request, uuid):
    _iiif_media(request, uuid)
    return HttpResponseRedirect(reverse("heritage:iiif_info", args=[uuid]), status=303)


@require_safe
def iiif_info(request, uuid):
    media = _iiif_media(request, uuid)
    service_id = request.build_absolute_uri(reverse("heritage:iiif_base", args=[uuid]))
    body = iiif.info(service_id=service_id, width=media.asset.width, height=media.asset.height)
    accept = request.headers.get("Accept", "")
    content_type = (
        'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
        if "application/ld+json" in accept
        else "application/json"
    )
    response = HttpResponse(json.dumps(body), content_type=content_type)
    response["Link"] = '<http://iiif.io/api/image/3/level1.json>;rel="profile"'
    return _cors(response, media)


@contextlib.contextmanager
def _local_original(asset):
    """The original as a local file (storage may be object storage)."""
    try:
        yield Path(asset.file.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(prefix="dantoc-iiif-") as local:
        with asset.file.open("rb") as source:
            while chunk := source.read(1024 * 1024):
                local.write(chunk)
        local.flush()
        yield Path(local.name)


@require_safe
def iiif_image(request, uuid, region, size, rotation, quality_format):
    media = _iiif_media(request, uuid)
    try:
        wanted = iiif.parse(region, size, rotation, quality_format)
        data = iiif.cached_render(
            asset=media.asset,
            original_path_opener=lambda: _local_original(media.asset),
            request=wanted,
        )
    except iiif.IiifError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=iiif.FORMATS[wanted.fmt][1])
    response["Link"] = '<http://iiif.io/api/image/3/level1.json>;rel="profile"'
    return _cors(response, media)


@require_safe
def item_manifest(request, uuid):
    item = selectors.item_visible_get(user=request.user, uuid=uuid)
    if item is None:
        raise Http404
    media = selectors.item_media_visible(user=request.user, item=item)
    base = _base_url(request)
    translations = [
        (t.language, t.title, t.description)
        for t in item.translations.filter(status=TranslationStatus.PUBLISHED)
    ]
    body = iiif.manifest(
        item=item,
        media=media,
        translations=translations,
        base=base,
        image_service=lambda m: base + reverse("heritage:iiif_base", args=[m.uuid]),
        file_url=lambda m, profile: (
            base + reverse("heritage:media_file", args=[m.uuid]) + f"?v={profile}"
        ),
    )
    response = JsonResponse(
        body,
        content_type='application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
    )
    open_item = selectors.items_visible(AnonymousUser()).filter(pk=item.pk).exists()
    if open_item and all(_open_to_all(m) for m in media):
        response["Access-Control-Allow-Origin"] = "*"
    else:
        response["Cache-Control"] = "private, max-age=60"
    return response


# --- contributors ------------------------------------------------------------------------------


@login_required
@require_safe
def manage_list(request):
    if not permissions.is_contributor(request.user):
        raise PermissionDenied
    return render(
        request,
        "heritage/manage_list.html",
        {
            "items": selectors.items_editable(user=request.user)[:200],
            "protocols": selectors.protocols_stewarded(user=request.user),
            "may_create_protocol": permissions.can_create_protocol(request.user),
            "may_edit_inventory": permissions.can_edit_inventory(request.user, request.user.unit),
        },
    )


def _editable(request, uuid) -> HeritageItem:
    item = (
        HeritageItem.objects.filter(uuid=uuid, deleted_at__isnull=True)
        .select_related("unit")
        .first()
    )
    if item is None or not permissions.can_edit_item(request.user, item):
        raise Http404
    return item


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            field = "commune_code" if name == "commune" else name
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
    else:
        for problem in error.messages:
            form.add_error(None, problem)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_create(request):
    if not permissions.is_contributor(request.user):
        raise PermissionDenied
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.item_create(
                actor=request.user, unit=request.user.unit, data=form.item_data()
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Đã lưu bản nháp. Thêm ảnh, âm thanh, video rồi gửi duyệt.")
            )
            return redirect("heritage:manage_item", uuid=item.uuid)
    return render(
        request,
        "heritage/item_form.html",
        {"form": form, "item": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_item(request, uuid):
    item = _editable(request, uuid)
    form = ItemForm(request.POST or None, initial=None if request.POST else initial_from(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(actor=request.user, item=item, data=form.item_data())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("heritage:manage_item", uuid=item.uuid)
    media = list(item.media.select_related("asset").prefetch_related("protocols"))
    busy = any(m.asset.state in (MediaState.WAITING, MediaState.PROCESSING) for m in media)
    return render(
        request,
        "heritage/item_form.html",
        {
            "form": form,
            "item": item,
            "media": media,
            "busy": busy,
            "media_form": MediaForm(),
            "publish_refusal": publish_refusal(request.user, item),
            "chunk_max": chunks.CHUNK_MAX,
            **_revision_context(request.user, item),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def media_upload(request, uuid):
    item = _editable(request, uuid)
    form = MediaForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.media_add(
                actor=request.user,
                item=item,
                file=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
                protocols=form.cleaned_data["protocols"],
                sharing=form.cleaned_data["sharing"],
            )
        except ValidationError as error:
            for problem in error.messages:
                messages.error(request, problem)
        else:
            messages.success(request, _("Đã nhận tệp; bản cho điện thoại đang được làm."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect("heritage:manage_item", uuid=item.uuid)


@login_required
@require_POST
def media_upload_piece(request, uuid):
    """One piece of a large file (``chunks``); JSON answers for the page's script."""
    item = _editable(request, uuid)
    upload_id = request.headers.get("X-Upload-Id", "")
    body = request.body
    try:
        piece = chunks.parse(request.headers.get("Content-Range", ""), upload_id, len(body))
        path = chunks.staging_path(
            user_id=request.user.pk, item_uuid=item.uuid, upload_id=upload_id
        )
        complete = chunks.receive(path, piece, body)
    except chunks.ChunkError as error:
        return JsonResponse(
            {"error": error.message, "received": error.received}, status=error.status
        )
    if not complete:
        return JsonResponse({"received": piece.last + 1})
    name = unquote(request.headers.get("X-File-Name", "")) or "video"
    upload = chunks.as_upload(path, name)
    try:
        media = services.media_add(
            actor=request.user,
            item=item,
            file=upload,
            caption=unquote(request.headers.get("X-Caption", ""))[:300],
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    finally:
        upload.close()
        path.unlink(missing_ok=True)
    return JsonResponse(
        {"received": piece.total, "media": str(media.uuid), "state": media.asset.state}, status=201
    )


def _revision_context(user, item) -> dict:
    """The item's change waiting for approval beside what the public sees, and the versions."""
    revision = revisions.revision_open(item)
    history = list(
        revisions.revisions_of(item).filter(status=RevisionStatus.APPROVED).order_by("-number")
    )
    context = {"revision": revision, "history": history}
    if revision is not None:
        live = revisions.handler_for(type(item)).state(item)
        context["comparison"] = revisions.compare(item, live, revision.data)
        context["approve_refusal"] = revisions.approve_refusal(user, revision, item)
    return context


REVISION_STEPS = {
    "submit": (revisions.revision_submit, gettext_lazy("Đã gửi duyệt bản sửa.")),
    "approve": (
        revisions.revision_approve,
        gettext_lazy("Đã duyệt: bản sửa đã thay bản đang công bố."),
    ),
    "return": (revisions.revision_return, gettext_lazy("Đã trả lại bản sửa.")),
    "discard": (
        revisions.revision_discard,
        gettext_lazy("Đã bỏ bản sửa; bản đang công bố giữ nguyên."),
    ),
}


@login_required
@require_POST
def revision_step(request, uuid):
    """Send a published item's change for review, approve it (a second person), return it or
    drop it."""
    item = _editable(request, uuid)
    revision = revisions.revision_open(item)
    step = REVISION_STEPS.get(request.POST.get("step", ""))
    if revision is None or step is None:
        raise Http404
    action, done = step
    extra = (
        {"reason": request.POST.get("reason", "")[:1000]}
        if action is revisions.revision_return
        else {}
    )
    try:
        action(actor=request.user, revision=revision, **extra)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(request, done)
    return redirect("heritage:manage_item", uuid=item.uuid)


STEPS = {
    "submit": lambda actor, item: editorial.content_submit_for_review(actor=actor, item=item),
    "publish": lambda actor, item: editorial.content_publish(actor=actor, item=item),
    "return": lambda actor, item: editorial.content_return_to_draft(actor=actor, item=item),
    "withdraw": lambda actor, item: editorial.content_withdraw(actor=actor, item=item),
    "delete": lambda actor, item: editorial.content_delete(actor=actor, item=item),
}


@login_required
@require_POST
def item_step(request, uuid):
    item = _editable(request, uuid)
    step = STEPS.get(request.POST.get("step", ""))
    if step is None:
        raise Http404
    try:
        step(request.user, item)
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request, " ".join(getattr(error, "messages", [str(error)])) or _("Không được phép.")
        )
    else:
        messages.success(request, _("Đã cập nhật trạng thái."))
    if request.POST.get("step") == "delete":
        return redirect("heritage:manage_list")
    return redirect("heritage:manage_item", uuid=item.uuid)


# --- protocols ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def protocol_members(request, uuid):
    protocol = Protocol.objects.filter(uuid=uuid).first()
    if protocol is None or not permissions.can_steward(request.user, protocol):
        raise Http404
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        remove = request.POST.get("remove")
        user_model = get_user_model()
        if remove:
            member = user_model.objects.filter(username=remove).first()
            if member is not None:
                services.member_remove(actor=request.user, protocol=protocol, user=member)
                messages.success(request, _("Đã bỏ thành viên."))
            return redirect("heritage:protocol_members", uuid=protocol.uuid)
        if form.is_valid():
            member = user_model.objects.filter(username=form.cleaned_data["username"]).first()
            if member is None:
                form.add_error("username", _("Không có tài khoản này."))
            else:
                services.member_add(
                    actor=request.user,
                    protocol=protocol,
                    user=member,
                    steward=form.cleaned_data["steward"],
                )
                messages.success(request, _("Đã thêm thành viên."))
                return redirect("heritage:protocol_members", uuid=protocol.uuid)
    return render(
        request,
        "heritage/protocol_members.html",
        {
            "protocol": protocol,
            "form": form,
            "memberships": protocol.memberships.select_related("user").order_by("user__username"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def protocol_create(request):
    """A province or ministry officer opens a protocol for a community; they steward it."""
    if not permissions.can_create_protocol(request.user):
        raise PermissionDenied
    form = ProtocolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            protocol = services.protocol_create(
                actor=request.user,
                slug=services.protocol_slug(data["name"]),
                name=data["name"],
                kind=data["kind"],
                community=data["community"],
                notice=data["notice"],
                ethnic_group=data["ethnic_group"],
                stewards=[request.user],
                months=data["months"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Đã tạo giao thức; thêm thành viên của cộng đồng."))
            return redirect("heritage:protocol_members", uuid=protocol.uuid)
    return render(
        request,
        "heritage/protocol_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- translations ------------------------------------------------------------------------------

TRANSLATION_STEPS = {
    "submit": editorial.translation_submit_for_review,
    "publish": editorial.translation_publish,
    "withdraw": editorial.translation_withdraw,
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def item_translations(request, uuid):
    """The item's name and description in ethnic languages (and English): written as a
    draft, sent for review, published by a second person (the shared workflow)."""
    item = _editable(request, uuid)
    language = (request.POST.get("language") or request.GET.get("language") or "").lower()
    existing = {t.language: t for t in item.translations.all()}
    if request.method == "POST" and request.POST.get("step") in TRANSLATION_STEPS:
        try:
            TRANSLATION_STEPS[request.POST["step"]](
                actor=request.user, item=item, language=language
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
        else:
            messages.success(request, _("Đã cập nhật trạng thái bản dịch."))
        return redirect(f"{request.path}?language={language}")
    chosen = existing.get(language)
    initial = {"language": language}
    if chosen is not None:
        initial.update(title=chosen.title, description=chosen.description)
    form = TranslationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            editorial.translation_save(
                actor=request.user,
                item=item,
                language=data["language"],
                values={"title": data["title"], "description": data["description"]},
            )
        except (ValidationError, PermissionDenied) as error:
            _form_errors(
                form, error if isinstance(error, ValidationError) else ValidationError(str(error))
            )
        else:
            messages.success(request, _("Đã lưu bản dịch nháp: gửi duyệt để người khác đọc."))
            return redirect(f"{request.path}?language={data['language']}")
    rows = [
        (t, editorial_permissions.translation_publish_refusal(request.user, item, t))
        for t in sorted(existing.values(), key=lambda t: t.language)
    ]
    return render(
        request,
        "heritage/translations.html",
        {"item": item, "form": form, "rows": rows},
        status=400 if request.method == "POST" else 200,
    )


# --- the goal ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inventory_edit(request):
    """A province's digitisation plan: the festivals and customs it plans to digitise, each
    linked to its item once digitised. Province officers keep their province's; the ministry
    chooses the province (``?tinh=``)."""
    user = request.user
    code = request.GET.get("tinh") or (user.unit.code if user.unit_id else "")
    provinces = Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True)
    province = provinces.filter(code=code).first()
    any_province = permissions.can_edit_inventory(user, None)
    if province is None and any_province:
        # The ministry picks the province first.
        return render(
            request,
            "heritage/inventory_edit.html",
            {"province": None, "provinces": provinces.order_by("name")},
        )
    if province is None or not permissions.can_edit_inventory(user, province):
        raise PermissionDenied
    entries = InventoryEntry.objects.filter(province=province).select_related(
        "ethnic_group", "item"
    )
    if request.method == "POST" and request.POST.get("delete"):
        entry = entries.filter(pk=request.POST["delete"]).first()
        if entry is not None:
            services.inventory_entry_delete(actor=user, entry=entry)
            messages.success(request, _("Đã bỏ khỏi kế hoạch."))
        return redirect(f"{request.path}?tinh={province.code}")
    items = HeritageItem.objects.filter(province=province, deleted_at__isnull=True).order_by(
        "title"
    )
    form = InventoryEntryForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.inventory_entry_upsert(actor=user, province=province, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Đã lưu vào kế hoạch."))
            return redirect(f"{request.path}?tinh={province.code}")
    return render(
        request,
        "heritage/inventory_edit.html",
        {
            "province": province,
            "entries": entries,
            "form": form,
            "provinces": provinces.order_by("name") if any_province else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_safe
def inventory(request):
    rows = selectors.inventory_progress()
    planned = sum(r.planned for r in rows)
    done = sum(r.done for r in rows)
    return render(
        request,
        "heritage/inventory.html",
        {
            "rows": rows,
            "planned": planned,
            "done": done,
            "share": (done / planned) if planned else 0,
            "may_edit": permissions.can_edit_inventory(
                request.user, getattr(request.user, "unit", None)
            ),
        },
    )
