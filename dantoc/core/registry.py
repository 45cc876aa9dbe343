"""What each app adds to the platform, declared on its ``AppConfig`` and read by shared code.

An app lists, as class attributes of its AppConfig (all optional):

- ``reference_loaders``: ``Loader``s run by ``manage.py load_reference_data`` (idempotent);
- ``demo_loaders``: ``Loader``s run by ``manage.py load_demo_data`` (never in production);
- ``menu``: ``MenuEntry``s of the site's main navigation, each guarded by a permission
  function of the app (``allowed(user) -> bool``), not by role names in a template;
- ``capabilities``: (role code, what the role may do in this app[, URL name of the page where
  it is done]) tuples, shown to officials
  on their home page.

The shared code (the two commands, the navigation) reads the declarations; it never names
the apps. Adding an app is its folder, a line in ``INSTALLED_APPS`` and its URLs; see
``docs/adding-an-app.md``. Functions are named by dotted path and imported only when used, so
that declaring them imports nothing at start-up and an app below never imports one above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Loader:
    """A step of loading data. ``name`` is unique across apps ("geo.units"); ``function`` is the
    dotted path of a callable taking no argument, returning what to print (a LoadResult, a
    dict, a number or None); ``after`` names the loaders that must run first."""

    name: str
    function: str
    after: tuple[str, ...] = ()

    def run(self) -> Any:
        return import_string(self.function)()


@dataclass(frozen=True)
class MenuEntry:
    """A link in the main navigation. ``allowed`` is the dotted path of a permission function
    ``(user) -> bool``; None shows the link to everybody, signed in or not."""

    label: Any  # a lazy translation
    url_name: str
    allowed: str | None = None
    order: int = 100

    def visible_to(self, user) -> bool:
        return self.allowed is None or bool(import_string(self.allowed)(user))


def _declared(attribute: str) -> Iterator[Any]:
    for config in apps.get_app_configs():
        yield from getattr(config, attribute, ())


class LoaderOrderError(Exception):
    pass


def loaders(kind: str) -> list[Loader]:
    """The declared loaders of ``kind`` ("reference" or "demo") in an order where each runs
    after those it names; among independent ones, INSTALLED_APPS order is kept."""
    declared = list(_declared(f"{kind}_loaders"))
    by_name = {loader.name: loader for loader in declared}
    if len(by_name) != len(declared):
        raise LoaderOrderError(f"two {kind} loaders share a name")
    ordered: list[Loader] = []
    state: dict[str, str] = {}

    def visit(loader: Loader, chain: tuple[str, ...]) -> None:
        if state.get(loader.name) == "done":
            return
        if state.get(loader.name) == "visiting":
            raise LoaderOrderError(f"loaders wait for each other: {' -> '.join(chain)}")
        state[loader.name] = "visiting"
        for name in loader.after:
            if name not in by_name:
                raise LoaderOrderError(f"{loader.name} runs after unknown loader {name}")
            visit(by_name[name], (*chain, name))
        state[loader.name] = "done"
        ordered.append(loader)

    for loader in declared:
        visit(loader, (loader.name,))
    return ordered


def capabilities_of(role_codes) -> list[str]:
    """What holders of ``role_codes`` may do, as the apps declare it, in INSTALLED_APPS order."""
    return [text for text, _url in capability_links_of(role_codes)]


def capability_links_of(role_codes) -> list[tuple[str, str | None]]:
    """(text, address or None) of each capability: a declaration may name, third, the URL
    name of the page where it is done, so that the home page offers it as a link."""
    wanted = set(role_codes)
    found = []
    for role, text, *where in _declared("capabilities"):
        if role in wanted:
            found.append((str(text), reverse(where[0]) if where else None))
    return found


def menu_for(user) -> list[tuple[str, str]]:
    """(label, url) of the navigation links ``user`` may follow, in declared order."""
    entries = sorted(_declared("menu"), key=lambda entry: entry.order)
    return [(str(e.label), reverse(e.url_name)) for e in entries if e.visible_to(user)]


def is_signed_in(user) -> bool:
    """Permission function of links for any signed-in official."""
    return bool(getattr(user, "is_authenticated", False))


PermissionFunction = Callable[[Any], bool]
