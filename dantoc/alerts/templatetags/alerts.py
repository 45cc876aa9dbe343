"""``{% alerts_banner commune_code %}``: the warnings in force for a commune, for the top of
every citizen page (the citizens app and the portal's home call it).

Shows nothing when the code is empty or unknown or no warning is in force there; otherwise
one banner per warning with its risk level's colour (Decision 18/2021/QĐ-TTg), an icon and
the level in words (never the colour alone), a drill mark for Test/Exercise messages, what to
do, the expiry, and a link to the warning's page. Usage::

    {% load alerts %}
    {% alerts_banner request.COOKIES.dantoc_commune %}
"""

from __future__ import annotations

from django import template

from dantoc.alerts.citizen import banner_shown

register = template.Library()


@register.inclusion_tag("alerts/banner.html", takes_context=True)
def alerts_banner(context, commune_code):
    request = context.get("request")
    language = getattr(request, "LANGUAGE_CODE", "vi") if request else "vi"
    return {"shown": banner_shown(commune_code=commune_code, language=language)}
