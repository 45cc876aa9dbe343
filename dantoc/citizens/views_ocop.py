"""OCOP products: the public list (by group and province) and product page (schema.org
Product + Offer + Certification, Open Graph image = the product's photo), the photos, and the
province officers' pages (write, add photos, submit, publish by a second officer)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dantoc.citizens import ocop, permissions, selectors
from dantoc.citizens.forms import OcopForm, PhotoForm, ReasonForm
from dantoc.citizens.models import OcopGroup, OcopPhoto
from dantoc.citizens.views import _page
from dantoc.citizens.views_market import officer_required
from dantoc.core.pagecache import public_page
from dantoc.editorial import permissions as editorial_permissions
from dantoc.editorial import services as editorial
from dantoc.geo.models import UnitLevel
from dantoc.geo.selectors import unit_get
from dantoc.media.responses import stored_file_response
from dantoc.media.selectors import picture_sources


@require_safe
@public_page
def ocop_list(request):
    group = request.GET.get("nhom", "")
    group = group if group in OcopGroup.values else ""
    province = unit_get(code=request.GET.get("tinh", "")) if request.GET.get("tinh") else None
    if province is not None and province.level != UnitLevel.PROVINCE:
        province = None
    return _page(
        request,
        "citizens/ocop/list.html",
        {
            "products": list(selectors.ocop_published(group=group, province=province)[:60]),
            "groups": OcopGroup.choices,
            "group": group,
            "provinces": list(selectors.ocop_provinces()),
            "province": province,
        },
    )


def _photo_url(request, photo: OcopPhoto, profile: str = "") -> str:
    url = reverse("citizens:ocop_photo", args=[photo.pk])
    return request.build_absolute_uri(url + (f"?v={profile}" if profile else ""))


def _largest_jpeg(photo: OcopPhoto):
    jpegs = picture_sources(photo.asset)["jpg"]
    return jpegs[-1] if jpegs else None


@require_safe
@public_page
def ocop_product(request, slug: str):
    product = selectors.ocop_by_slug(slug=slug)
    if product is None:
        raise Http404(_("Không có sản phẩm này, hoặc sản phẩm đã được gỡ."))
    photos = list(product.photo_set.all())
    share_images = []
    for photo in photos:
        jpeg = _largest_jpeg(photo)
        share_images.append(_photo_url(request, photo, jpeg.profile if jpeg else "goc"))
    url = request.build_absolute_uri(product.get_absolute_url())
    issuer = _("Uỷ ban nhân dân %(name)s") % {"name": product.unit.name}
    data = ocop.product_jsonld(product, url=url, images=share_images, issuer=issuer)
    first = photos[0] if photos else None
    first_jpeg = _largest_jpeg(first) if first else None
    return _page(
        request,
        "citizens/ocop/product.html",
        {
            "product": product,
            "photos": photos,
            "jsonld": ocop.jsonld_script(data),
            "share_url": url,
            "share_image": share_images[0] if share_images else "",
            "share_image_size": (first_jpeg.width, first_jpeg.height) if first_jpeg else None,
            "issuer": issuer,
        },
    )


@require_safe
def ocop_photo(request, pk: int):
    photo = selectors.ocop_photo_for_serving(pk=pk, user=request.user)
    if photo is None:
        raise Http404
    profile = request.GET.get("v", "")
    public = photo.product.is_public
    if profile in ("", "goc"):
        return stored_file_response(
            photo.asset.file, mime_type=photo.asset.mime_type, public=public
        )
    derivative = photo.asset.derivatives.filter(profile=profile).first()
    if derivative is None:
        raise Http404
    return stored_file_response(derivative.file, mime_type=derivative.mime_type, public=public)


# --- officers ------------------------------------------------------------------------------


@officer_required
def ocop_editor_list(request):
    return render(
        request,
        "citizens/ocop/editor_list.html",
        {"products": selectors.ocop_for_officer(user=request.user)[:200]},
    )


def _commune_or_error(form, code: str):
    if not code:
        return None
    commune = unit_get(code=code.strip())
    if commune is None or commune.level != UnitLevel.COMMUNE:
        form.add_error("commune", _("Không có xã mã này."))
        return False
    return commune


@officer_required
def ocop_edit(request, uuid=None):
    product = selectors.ocop_for_editing(uuid=uuid) if uuid else None
    if uuid and product is None:
        raise Http404
    if product is not None and not permissions.can_edit_ocop(request.user, product):
        raise PermissionDenied(_("Chỉ cán bộ của tỉnh nhập sản phẩm OCOP của tỉnh."))
    provinces = selectors.officer_provinces(user=request.user)
    fields = [
        "name", "group", "producer", "description", "stars", "certificate_number",
        "certified_on", "expires_on", "price", "price_unit", "how_to_buy",
    ]  # fmt: skip
    if request.method == "POST":
        form = OcopForm(request.POST, provinces=provinces)
        if form.is_valid():
            data = form.cleaned_data
            commune = _commune_or_error(form, data["commune"])
            if commune is not False:
                try:
                    product = ocop.product_save(
                        actor=request.user,
                        product=product,
                        unit=data["unit"],
                        commune=commune,
                        **{name: data[name] for name in fields},
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("Đã lưu bản nháp."))
                    return redirect("citizens:ocop_edit", uuid=product.uuid)
    elif product is not None:
        initial = {name: getattr(product, name) for name in fields}
        initial.update(unit=product.unit, commune=product.commune.code if product.commune else "")
        form = OcopForm(initial=initial, provinces=provinces)
    else:
        form = OcopForm(
            initial={"unit": provinces.first() if provinces.count() == 1 else None},
            provinces=provinces,
        )
    context = {"form": form, "product": product}
    if product is not None:
        context.update(
            photos=list(product.photo_set.all()),
            photo_form=PhotoForm(),
            publish_refusal=editorial_permissions.publish_refusal(request.user, product),
            reason_form=ReasonForm(),
        )
    return render(request, "citizens/ocop/edit.html", context)


ACTIONS = {
    "gui-duyet": lambda user, p, post: editorial.content_submit_for_review(actor=user, item=p),
    "xuat-ban": lambda user, p, post: editorial.content_publish(actor=user, item=p),
    "tra-lai": lambda user, p, post: editorial.content_return_to_draft(
        actor=user, item=p, reason=post.get("reason", "")[:1000]
    ),
    "go-xuong": lambda user, p, post: editorial.content_withdraw(actor=user, item=p),
    "xoa": lambda user, p, post: editorial.content_delete(actor=user, item=p),
}


@officer_required
@require_POST
def ocop_action(request, uuid, action: str):
    product = selectors.ocop_for_editing(uuid=uuid)
    if product is None:
        raise Http404
    try:
        if action == "anh":
            form = PhotoForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            ocop.photo_add(
                actor=request.user,
                product=product,
                file=form.cleaned_data["file"],
                alt=form.cleaned_data["alt"],
            )
        elif action == "bo-anh":
            photo = product.photo_set.filter(pk=request.POST.get("photo") or 0).first()
            if photo is None:
                raise Http404
            ocop.photo_delete(actor=request.user, photo=photo)
        elif action in ACTIONS:
            ACTIONS[action](request.user, product, request.POST)
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, _("Đã cập nhật."))
        if action == "xoa":
            return redirect("citizens:ocop_editor_list")
    return redirect("citizens:ocop_edit", uuid=product.uuid)
