from django import template

from dantoc.portal.uploads import ATTACHMENT_KINDS, IMAGE_KINDS

register = template.Library()
_LABELS = {k.media_type: k.label for k in (*ATTACHMENT_KINDS, *IMAGE_KINDS)}


@register.filter
def file_label(media_type: str) -> str:
    return _LABELS.get(media_type, "")
