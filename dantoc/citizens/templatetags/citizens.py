"""``{% citizen_slot "warnings" %}``: what other apps declared for a slot (``citizens.slots``);
``{{ text|paragraphs }}``: plain text written one idea a line, as paragraphs or a list."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from dantoc.citizens.selectors import reach_panel
from dantoc.citizens.slots import render_slot

register = template.Library()


@register.simple_tag(takes_context=True)
def citizen_slot(context, slot: str):
    request = context.get("request")
    return mark_safe(render_slot(slot, request=request, commune=context.get("commune")))


@register.filter
def lines(text: str):
    """Plain text, one idea a line: a list of its non-empty lines."""
    return [line.strip(" -•\t") for line in (text or "").splitlines() if line.strip(" -•\t")]


@register.filter
def as_list(text: str):
    items = lines(text)
    if len(items) <= 1:
        return format_html_join("", "<p>{}</p>", ((i,) for i in items))
    return mark_safe("<ul>" + format_html_join("", "<li>{}</li>", ((i,) for i in items)) + "</ul>")


@register.inclusion_tag("citizens/_reach_panel.html")
def citizens_reach_panel(unit, year):
    """The reach of citizen information on the programme dashboard (``/analytics/``), shown
    as the proxy it is. Used by the analytics dashboard template."""
    return {"panel": reach_panel(unit=unit, year=int(year))}
