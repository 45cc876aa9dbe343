from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from dantoc.programmes.models import Component, Programme


def programmes_list() -> QuerySet[Programme]:
    return Programme.objects.order_by("start_year", "code")


def programme_get(*, code: str) -> Programme | None:
    return Programme.objects.filter(code=code).first()


@dataclass
class ComponentNode:
    component: Component
    children: list[ComponentNode] = field(default_factory=list)


def programme_tree(programme: Programme) -> list[ComponentNode]:
    """The programme's components as a tree, built from one query."""
    components = list(programme.components.order_by("order", "code"))
    nodes = {c.pk: ComponentNode(c) for c in components}
    roots: list[ComponentNode] = []
    for c in components:
        node = nodes[c.pk]
        if c.parent_id and c.parent_id in nodes:
            nodes[c.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots
