from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from dantoc.core.sorting import natural_key
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
    components = sorted(programme.components.all(), key=lambda c: (c.order, natural_key(c.code)))
    nodes = {c.pk: ComponentNode(c) for c in components}
    roots: list[ComponentNode] = []
    for c in components:
        node = nodes[c.pk]
        if c.parent_id and c.parent_id in nodes:
            nodes[c.parent_id].children.append(node)
        else:
            roots.append(node)
    return roots


# The catalogue's order in SQL, for lists the database sorts (the admin's): each project,
# then its sub-projects — DA1, DA2, DA3, DA3.1, …, DA10, DA10.1 — where ordering by ``order``
# then ``code`` gave DA1, DA10.1, DA3.1 … (every first sub-project has order 1).
TREE_ORDER = [
    "programme__code",
    Coalesce("parent__order", "order").asc(),
    F("parent").asc(nulls_first=True),
    "order",
    "code",
]


def components_in_order(*, programme_code: str | None = None, level: str | None = None):
    """Projects and sub-projects as a flat list in natural code order (DA1, DA2, …, DA3.1,
    DA10, DA10.1), for pickers and lists."""
    components = Component.objects.select_related("programme")
    if programme_code:
        components = components.filter(programme__code=programme_code)
    if level:
        components = components.filter(level=level)
    return sorted(components, key=lambda c: (c.programme.code, natural_key(c.code)))
