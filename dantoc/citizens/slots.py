"""Places on the citizen pages that other apps fill, without this app knowing them.

An app declares on its AppConfig::

    citizen_blocks = (
        ("warnings", "alerts/citizen_warnings.html", "dantoc.alerts.citizen.warnings_context"),
    )

(slot, template, dotted path of ``f(*, request, commune) -> dict | None``). Every citizen page
renders the slot ``warnings`` first, above its content ("today's warnings for my commune"):
for each declaration the function is imported and called with the request and the commune the
reader keeps on the phone (a ``geo.Unit`` or None); when it returns a dict the template is
rendered with it, when it returns None nothing is shown. With no app declaring, the slot is
empty. Nothing here imports the declaring app, so this app runs with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

SLOTS = ("warnings",)


@dataclass(frozen=True)
class Block:
    slot: str
    template: str
    context: str


def declared_blocks(slot: str) -> list[Block]:
    blocks = []
    for config in apps.get_app_configs():
        for declared in getattr(config, "citizen_blocks", ()):
            block = Block(*declared)
            if block.slot not in SLOTS:
                raise ValueError(f"{config.label}: no citizen slot named {block.slot!r}")
            if block.slot == slot:
                blocks.append(block)
    return blocks


def render_slot(slot: str, *, request, commune) -> str:
    parts = []
    for block in declared_blocks(slot):
        context = import_string(block.context)(request=request, commune=commune)
        if context is not None:
            parts.append(render_to_string(block.template, context, request=request))
    return "".join(parts)
