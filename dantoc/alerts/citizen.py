"""The warnings banner's content, shared by the ``{% alerts_banner %}`` tag (portal home) and
the citizen pages' "warnings" slot (declared as ``citizen_blocks`` on this app's config)."""

from __future__ import annotations

from dantoc.alerts.selectors import alerts_active_for_commune


def banner_shown(*, commune_code: str, language: str) -> list[tuple]:
    """(alert, its words in ``language`` or else in Vietnamese) for each warning in force in
    the commune; empty for an empty or unknown code."""
    shown = []
    for alert in alerts_active_for_commune(code=str(commune_code or "").strip()):
        infos = list(alert.infos.all())
        info = next((i for i in infos if i.language == language), None) or next(
            (i for i in infos if i.language == "vi"), infos[0] if infos else None
        )
        shown.append((alert, info))
    return shown


def warnings_context(*, request, commune) -> dict | None:
    """The citizen pages' slot: the warnings for the reader's commune (kept on the phone), in
    the language the reader chose for items (``?ban-dich=``) or the page's language."""
    if commune is None:
        return None
    language = request.GET.get("ban-dich") or getattr(request, "LANGUAGE_CODE", "vi")
    shown = banner_shown(commune_code=commune.code, language=language)
    return {"shown": shown} if shown else None
