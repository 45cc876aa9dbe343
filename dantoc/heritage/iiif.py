"""IIIF for the heritage archive: the Image API 3.0 (served from the original image with
Pillow, derivatives cached on disk) and the Presentation API 3.0 manifest of an item.

Specs: https://iiif.io/api/image/3.0/ and https://iiif.io/api/presentation/3.0/. Compliance:
level 1 plus mirroring, arbitrary rotation, region and size by percent, confined and exact
sizes, upscaling (``^``), the gray and bitonal qualities, PNG and WebP. Who may fetch an image
or a manifest is ``selectors.media_visible`` / ``items_visible``, as for every other channel.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageOps

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MAX_WIDTH = 4000
MAX_AREA = 4000 * 4000
FORMATS = {
    "jpg": ("JPEG", "image/jpeg"),
    "png": ("PNG", "image/png"),
    "webp": ("WEBP", "image/webp"),
}
QUALITIES = ("default", "color", "gray", "bitonal")
TILE = 512

_NUMBER = r"\d+(?:\.\d+)?"


class IiifError(Exception):
    """A request the service refuses (400 Bad Request, with the reason)."""


@dataclass(frozen=True)
class ImageRequest:
    region: str
    size: str
    rotation: str
    quality: str
    fmt: str

    def cache_key(self) -> str:
        raw = f"{self.region}/{self.size}/{self.rotation}/{self.quality}.{self.fmt}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


def parse(region: str, size: str, rotation: str, quality_format: str) -> ImageRequest:
    quality, dot, fmt = quality_format.rpartition(".")
    if not dot or quality not in QUALITIES:
        raise IiifError(f"quality không hợp lệ / invalid quality: {quality_format}")
    if fmt not in FORMATS:
        raise IiifError(f"định dạng không hỗ trợ / unsupported format: {fmt}")
    return ImageRequest(region, size, rotation, quality, fmt)


def _region(spec: str, width: int, height: int) -> tuple[int, int, int, int]:
    if spec == "full":
        return 0, 0, width, height
    if spec == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    pct = spec.startswith("pct:")
    parts = spec[4:].split(",") if pct else spec.split(",")
    if len(parts) != 4 or not all(re.fullmatch(_NUMBER if pct else r"\d+", p) for p in parts):
        raise IiifError(f"vùng không hợp lệ / invalid region: {spec}")
    values = [float(p) for p in parts]
    if pct:
        values = [
            values[0] * width / 100,
            values[1] * height / 100,
            values[2] * width / 100,
            values[3] * height / 100,
        ]
    x, y, w, h = (round(v) for v in values)
    if w <= 0 or h <= 0 or x >= width or y >= height:
        raise IiifError(f"vùng nằm ngoài ảnh / region outside the image: {spec}")
    return x, y, min(w, width - x), min(h, height - y)


def _size(spec: str, width: int, height: int) -> tuple[int, int]:
    upscale = spec.startswith("^")
    body = spec[1:] if upscale else spec
    if body == "max":
        w, h = width, height
        scale = min(1.0, MAX_WIDTH / w, (MAX_AREA / (w * h)) ** 0.5)
        w, h = max(1, round(w * scale)), max(1, round(h * scale))
    elif body.startswith("pct:"):
        if not re.fullmatch(_NUMBER, body[4:]):
            raise IiifError(f"cỡ không hợp lệ / invalid size: {spec}")
        n = float(body[4:])
        if n <= 0 or (n > 100 and not upscale):
            raise IiifError(f"cỡ không hợp lệ / invalid size: {spec}")
        w, h = max(1, round(width * n / 100)), max(1, round(height * n / 100))
    else:
        confined = body.startswith("!")
        match = re.fullmatch(r"(\d*),(\d*)", body[1:] if confined else body)
        if not match or not (match[1] or match[2]) or (confined and not (match[1] and match[2])):
            raise IiifError(f"cỡ không hợp lệ / invalid size: {spec}")
        if confined:
            bw, bh = int(match[1]), int(match[2])
            scale = min(bw / width, bh / height)
            if not upscale:
                scale = min(scale, 1.0)
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
        elif match[1] and match[2]:
            w, h = int(match[1]), int(match[2])
        elif match[1]:
            w = int(match[1])
            h = max(1, round(height * w / width))
        else:
            h = int(match[2])
            w = max(1, round(width * h / height))
    if w <= 0 or h <= 0:
        raise IiifError(f"cỡ không hợp lệ / invalid size: {spec}")
    if not upscale and (w > width or h > height):
        raise IiifError(f"phóng to cần dấu ^ / upscaling needs ^: {spec}")
    if w > MAX_WIDTH or h > MAX_WIDTH or w * h > MAX_AREA:
        raise IiifError(f"ảnh yêu cầu quá lớn / larger than {MAX_WIDTH}px: {spec}")
    return w, h


def _rotation(spec: str) -> tuple[bool, float]:
    mirror = spec.startswith("!")
    body = spec[1:] if mirror else spec
    if not re.fullmatch(_NUMBER, body) or not 0 <= float(body) <= 360:
        raise IiifError(f"góc xoay không hợp lệ / invalid rotation: {spec}")
    return mirror, float(body) % 360


def render(original: Path, request: ImageRequest) -> bytes:
    """The image ``request`` asks for, made from the ``original`` file."""
    with Image.open(original) as source:
        source.seek(0)
        image = ImageOps.exif_transpose(source)
        image.load()
    width, height = image.size
    x, y, w, h = _region(request.region, width, height)
    size = _size(request.size, w, h)
    mirror, degrees = _rotation(request.rotation)
    image = image.crop((x, y, x + w, y + h))
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    if mirror:
        image = ImageOps.mirror(image)
    fill = "white"
    if request.quality == "gray":
        image = image.convert("L")
    elif request.quality == "bitonal":
        image = image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")
        fill = 1
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if degrees:
        # Clockwise, as the spec says; Pillow turns counter-clockwise.
        image = image.rotate(
            -degrees,
            expand=True,
            fillcolor=fill,
            resample=Image.Resampling.BICUBIC if image.mode != "1" else Image.Resampling.NEAREST,
        )
    pil_format, _mime = FORMATS[request.fmt]
    out = io.BytesIO()
    if pil_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("L" if request.quality in ("gray", "bitonal") else "RGB")
    image.save(out, pil_format, quality=85) if pil_format != "PNG" else image.save(out, pil_format)
    return out.getvalue()


def cache_dir() -> Path:
    return Path(getattr(settings, "HERITAGE_IIIF_CACHE", settings.VAR_DIR / "iiif-cache"))


def cached_render(*, asset, original_path_opener, request: ImageRequest) -> bytes:
    """Render once, then serve from the cache (keyed by the original's checksum, so a
    replaced original never serves a stale derivative)."""
    folder = cache_dir() / asset.sha256[:2] / asset.sha256
    target = folder / f"{request.cache_key()}.{request.fmt}"
    if target.exists():
        return target.read_bytes()
    with original_path_opener() as path:
        data = render(path, request)
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return data


def info(*, service_id: str, width: int, height: int) -> dict:
    sizes = []
    w, h = width, height
    while w >= 64 and len(sizes) < 6:
        sizes.append({"width": w, "height": h})
        w, h = w // 2, h // 2
    factors = [1]
    while max(width, height) / factors[-1] > TILE and len(factors) < 6:
        factors.append(factors[-1] * 2)
    return {
        "@context": IMAGE_CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level1",
        "width": width,
        "height": height,
        "maxWidth": MAX_WIDTH,
        "maxArea": MAX_AREA,
        "sizes": list(reversed(sizes)),
        "tiles": [{"width": TILE, "height": TILE, "scaleFactors": factors}],
        "extraQualities": ["color", "gray", "bitonal"],
        "extraFormats": ["png", "webp"],
        "extraFeatures": [
            "mirroring",
            "regionByPct",
            "regionSquare",
            "rotationArbitrary",
            "rotationBy90s",
            "sizeByConfinedWh",
            "sizeByPct",
            "sizeByWh",
            "sizeUpscaling",
        ],
    }


LICENCE_URIS = {
    "CC BY 4.0": "http://creativecommons.org/licenses/by/4.0/",
    "CC BY-SA 4.0": "http://creativecommons.org/licenses/by-sa/4.0/",
    "CC BY-NC 4.0": "http://creativecommons.org/licenses/by-nc/4.0/",
    "CC BY-NC-SA 4.0": "http://creativecommons.org/licenses/by-nc-sa/4.0/",
    "CC BY-NC-ND 4.0": "http://creativecommons.org/licenses/by-nc-nd/4.0/",
    "CC0 1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
}


def manifest(*, item, media, translations, base: str, image_service, file_url) -> dict:
    """The Presentation 3.0 manifest of ``item`` with the ``media`` the reader may see.
    ``translations``: published (language, title, description); ``image_service(m)`` and
    ``file_url(m, profile)`` make addresses."""
    label = {item.language or "vi": [item.title]}
    summary = {item.language or "vi": [item.description[:500]]}
    for language, title, description in translations:
        label[language] = [title]
        if description:
            summary[language] = [description[:500]]
    item_id = f"{base}/di-san/{item.uuid}/manifest.json"
    canvases = []
    for index, m in enumerate(media, start=1):
        asset = m.asset
        canvas_id = f"{item_id}/canvas/{index}"
        body: dict
        canvas: dict = {
            "id": canvas_id,
            "type": "Canvas",
            "label": {"vi": [m.caption or asset.get_kind_display()]},
        }
        if asset.kind == "image" and asset.width and asset.height:
            service = image_service(m)
            canvas.update(width=asset.width, height=asset.height)
            body = {
                "id": f"{service}/full/max/0/default.jpg",
                "type": "Image",
                "format": "image/jpeg",
                "width": asset.width,
                "height": asset.height,
                "service": [{"id": service, "type": "ImageService3", "profile": "level1"}],
            }
        elif asset.kind in ("audio", "video") and asset.duration_ms:
            duration = asset.duration_ms / 1000
            canvas["duration"] = duration
            profile = "audio-aac-32k" if asset.kind == "audio" else "video-240p.mp4"
            derived = {d.profile: d for d in asset.derivatives.all()}.get(profile)
            body = {
                "id": file_url(m, profile if derived else "goc"),
                "type": "Sound" if asset.kind == "audio" else "Video",
                "format": derived.mime_type if derived else asset.mime_type,
                "duration": duration,
            }
            if asset.kind == "video":
                vw = (derived.width if derived else None) or asset.width or 426
                vh = (derived.height if derived else None) or asset.height or 240
                canvas.update(width=vw, height=vh)
                body.update(width=vw, height=vh)
        else:
            continue
        canvas["items"] = [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/page/painting",
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": body,
                        "target": canvas_id,
                    }
                ],
            }
        ]
        canvases.append(canvas)
    result = {
        "@context": PRESENTATION_CONTEXT,
        "id": item_id,
        "type": "Manifest",
        "label": label,
        "summary": summary,
        "metadata": [
            {"label": {"vi": ["Loại"], "en": ["Type"]}, "value": {"vi": [item.get_kind_display()]}},
            {
                "label": {"vi": ["Dân tộc"], "en": ["Ethnic group"]},
                "value": {"vi": [", ".join(g.name for g in item.ethnic_groups.all())]},
            },
        ],
        "requiredStatement": {
            "label": {"vi": ["Ghi công"], "en": ["Attribution"]},
            "value": {"vi": [item.community or item.creator or "Cộng đồng"]},
        },
        "homepage": [
            {
                "id": f"{base}/di-san/{item.uuid}/",
                "type": "Text",
                "label": label,
                "format": "text/html",
            }
        ],
        "items": canvases,
    }
    if item.licence in LICENCE_URIS:
        result["rights"] = LICENCE_URIS[item.licence]
    return result
