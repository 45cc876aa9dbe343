"""``{% unit_picker "unit" value "report-unit" %}``: a unit field of a plain GET form that takes
a name or a code (see dantoc.geo.pickers); the view reads it with ``unit_param``."""

from django import template

from dantoc.geo.pickers import picker_context

register = template.Library()


@register.inclusion_tag("geo/unit_picker.html")
def unit_picker(name: str, value: str, field_id: str, levels: str = "", described_by: str = ""):
    context = picker_context(
        name=name,
        value=value or "",
        field_id=field_id,
        levels=[lv for lv in levels.split(",") if lv],
    )
    context["described_by"] = described_by
    return context
