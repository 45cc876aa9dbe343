"""Writes of OCOP products ("Mỗi xã một sản phẩm"): written by a province's officers and
published by a second officer through the editorial workflow; photos kept by the media
pipeline. Also the schema.org description a product page carries."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from dantoc.accounts.models import RoleCode
from dantoc.audit.services import audit_record, snapshot
from dantoc.citizens import permissions
from dantoc.citizens.models import OcopGroup, OcopPhoto, OcopProduct
from dantoc.core.events import announce
from dantoc.core.pagecache import public_pages_changed_on_commit
from dantoc.core.text import fold, nfc
from dantoc.editorial import workflows
from dantoc.editorial.models import Status
from dantoc.geo.models import UnitLevel
from dantoc.media.models import MediaKind
from dantoc.media.services import asset_delete, asset_upload

CHANGED = "citizens.ocop_changed"
MAX_PHOTOS = 6
FIELDS = [
    "name", "group", "producer", "commune", "description", "stars", "certificate_number",
    "certified_on", "expires_on", "price", "price_unit", "how_to_buy", "unit", "status",
]  # fmt: skip


def _snapshot(product: OcopProduct) -> dict[str, Any]:
    return snapshot(product, FIELDS)


def _changed(product: OcopProduct) -> None:
    public_pages_changed_on_commit()
    transaction.on_commit(lambda: announce(CHANGED, uuid=str(product.uuid)), robust=True)


workflows.register(
    workflows.Workflow(
        model=OcopProduct,
        app="citizens",
        kind="ocop",
        snapshot=_snapshot,
        can_edit=permissions.can_edit_ocop,
        reviewer_roles=(RoleCode.PROVINCE_OFFICER,),
        editor_url=lambda product: f"/dong-bao/ocop/bien-tap/{product.uuid}/",
        changed=_changed,
    )
)


def _slug(name: str, *, exclude_pk: int | None) -> str:
    base = (slugify(fold(name)) or "san-pham")[:100].strip("-") or "san-pham"
    taken = OcopProduct.objects.exclude(pk=exclude_pk) if exclude_pk else OcopProduct.objects
    candidate, n = base, 2
    while taken.filter(slug=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@transaction.atomic
def product_save(
    *,
    actor,
    product: OcopProduct | None,
    unit,
    name: str,
    group: str,
    producer: str,
    description: str,
    stars: int,
    certificate_number: str,
    certified_on: datetime.date,
    expires_on: datetime.date,
    how_to_buy: str,
    commune=None,
    price: int | None = None,
    price_unit: str = "",
) -> OcopProduct:
    """Create a product (a draft) or change a draft, returned or withdrawn one; a product in
    review or on the public site is returned or withdrawn first (four eyes)."""
    if unit is None or unit.level != UnitLevel.PROVINCE:
        raise ValidationError("Sản phẩm OCOP thuộc một tỉnh.", code="unit")
    if actor is not None and not permissions.can_write_ocop_for(actor, unit):
        raise PermissionDenied("Chỉ cán bộ của tỉnh nhập sản phẩm OCOP của tỉnh.")
    if group not in OcopGroup.values:
        raise ValidationError("Nhóm sản phẩm không hợp lệ.", code="group")
    if not 3 <= int(stars) <= 5:
        raise ValidationError("Sản phẩm OCOP được công nhận từ 3 đến 5 sao.", code="stars")
    if expires_on <= certified_on:
        raise ValidationError("Ngày hết hạn phải sau ngày công nhận.", code="dates")
    if commune is not None and (
        commune.level != UnitLevel.COMMUNE or not commune.path.startswith(unit.path)
    ):
        raise ValidationError("Xã phải thuộc tỉnh của sản phẩm.", code="commune")
    values = {
        "name": nfc(name).strip(),
        "producer": nfc(producer).strip(),
        "description": nfc(description).strip(),
        "certificate_number": nfc(certificate_number).strip(),
        "how_to_buy": nfc(how_to_buy).strip(),
        "price_unit": nfc(price_unit or "").strip(),
    }
    for key in ("name", "producer", "description", "certificate_number", "how_to_buy"):
        if not values[key]:
            label = OcopProduct._meta.get_field(key).verbose_name
            raise ValidationError(f"Cần nhập {label}.", code="required")
    if product is None:
        product = OcopProduct(created_by=actor)
        before = None
    else:
        product = OcopProduct.objects.select_for_update().get(pk=product.pk)
        if actor is not None and not permissions.can_edit_ocop(actor, product):
            raise PermissionDenied("Chỉ cán bộ của tỉnh nhập sản phẩm OCOP của tỉnh.")
        if product.deleted_at is not None:
            raise ValidationError("Sản phẩm đã bị xoá.", code="deleted")
        if product.status in (Status.REVIEW, Status.PUBLISHED):
            raise ValidationError(
                "Sản phẩm đang chờ duyệt hoặc đang hiện: trả lại hoặc gỡ xuống rồi mới sửa.",
                code="status",
            )
        before = _snapshot(product)
    for key, value in values.items():
        setattr(product, key, value)
    product.unit = unit
    product.group = group
    product.commune = commune
    product.stars = int(stars)
    product.certified_on = certified_on
    product.expires_on = expires_on
    product.price = price
    product.slug = product.slug or _slug(product.name, exclude_pk=product.pk)
    product.updated_at = timezone.now()
    product.save()
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.ocop_save",
        obj=product,
        unit=unit,
        before=before,
        after=_snapshot(product),
    )
    return product


def _require_edit(actor, product: OcopProduct) -> None:
    if actor is not None and not permissions.can_edit_ocop(actor, product):
        raise PermissionDenied("Chỉ cán bộ của tỉnh nhập sản phẩm OCOP của tỉnh.")


@transaction.atomic
def photo_add(*, actor, product: OcopProduct, file, alt: str, process: bool = True) -> OcopPhoto:
    """A photo of the product, checked by content and made small by the media pipeline. A
    photo changes what the public sees only after the next publication when the product is
    live, so it can be added only while the product is not in review or public."""
    product = OcopProduct.objects.select_for_update().get(pk=product.pk)
    _require_edit(actor, product)
    if product.status in (Status.REVIEW, Status.PUBLISHED):
        raise ValidationError(
            "Sản phẩm đang chờ duyệt hoặc đang hiện: trả lại hoặc gỡ xuống rồi mới thêm ảnh.",
            code="status",
        )
    alt = nfc(alt or "").strip()
    if not alt:
        raise ValidationError("Cần mô tả ảnh (cho người không nhìn thấy ảnh).", code="alt")
    if product.photo_set.count() >= MAX_PHOTOS:
        raise ValidationError(f"Mỗi sản phẩm có tối đa {MAX_PHOTOS} ảnh.", code="too_many")
    asset = asset_upload(
        actor=actor,
        file=file,
        allowed_kinds=[MediaKind.IMAGE],
        owner_unit=product.unit,
        process=process,
    )
    photo = OcopPhoto.objects.create(
        product=product, asset=asset, alt=alt[:200], order=product.photo_set.count()
    )
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.ocop_photo_add",
        obj=product,
        unit=product.unit,
        after={"photo": photo.pk, "asset": str(asset.uuid), "alt": photo.alt},
    )
    return photo


@transaction.atomic
def photo_delete(*, actor, photo: OcopPhoto) -> None:
    product = OcopProduct.objects.select_for_update().get(pk=photo.product_id)
    _require_edit(actor, product)
    if product.status in (Status.REVIEW, Status.PUBLISHED):
        raise ValidationError(
            "Sản phẩm đang chờ duyệt hoặc đang hiện: trả lại hoặc gỡ xuống rồi mới bỏ ảnh.",
            code="status",
        )
    public_pages_changed_on_commit()
    audit_record(
        actor=actor,
        action="citizens.ocop_photo_delete",
        obj=product,
        unit=product.unit,
        before={"photo": photo.pk, "asset": str(photo.asset.uuid), "alt": photo.alt},
    )
    asset = photo.asset
    photo.delete()
    asset_delete(actor=actor, asset=asset)


# --- schema.org ----------------------------------------------------------------------------


def product_jsonld(
    product: OcopProduct, *, url: str, images: list[str], issuer: str
) -> dict[str, Any]:
    """The product as schema.org ``Product`` with an ``Offer`` and its OCOP star rating as a
    ``Certification`` (``hasCertification``): the stars are the province's certification,
    not customers' ratings, so no ``aggregateRating`` or ``review`` is given."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "@id": url + "#san-pham",
        "name": product.name,
        "description": product.description,
        "url": url,
        "category": str(product.get_group_display()),
        "manufacturer": {"@type": "Organization", "name": product.producer},
        "hasCertification": {
            "@type": "Certification",
            "name": f"OCOP {product.stars} sao",
            "certificationIdentification": product.certificate_number,
            "issuedBy": {"@type": "Organization", "name": issuer},
            "validFrom": product.certified_on.isoformat(),
            "expires": product.expires_on.isoformat(),
            "certificationStatus": (
                "https://schema.org/CertificationActive"
                if product.certificate_valid
                else "https://schema.org/CertificationInactive"
            ),
            "certificationRating": {
                "@type": "Rating",
                "ratingValue": product.stars,
                "bestRating": 5,
                "worstRating": 3,
            },
        },
    }
    if images:
        data["image"] = images
    if product.commune_id:
        data["countryOfOrigin"] = {"@type": "Country", "name": "Việt Nam"}
        data["manufacturer"]["address"] = {
            "@type": "PostalAddress",
            "addressLocality": product.commune.name,
            "addressRegion": product.unit.name,
            "addressCountry": "VN",
        }
    if product.price:
        data["offers"] = {
            "@type": "Offer",
            "price": product.price,
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock",
            "url": url,
            "seller": {"@type": "Organization", "name": product.producer},
        }
    return data


def jsonld_script(data: dict[str, Any]) -> SafeString:
    """A ``<script type="application/ld+json">`` data block (not run by the browser, so the
    strict CSP does not concern it); ``<``, ``>`` and ``&`` escaped so no text ends it."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
