"""What each app adds to the platform, declared on its ``AppConfig`` and read by shared code.

An app lists, as class attributes of its AppConfig (all optional):

- ``reference_loaders``: ``Loader``s run by ``manage.py load_reference_data`` (idempotent);
- ``demo_loaders``: ``Loader``s run by ``manage.py load_demo_data`` (never in production);
- ``menu``: ``MenuEntry``s of the site's main navigation, each guarded by a permission
  function of the app (``allowed(user) -> bool``), not by role names in a template;
- ``roles``: ``RoleDeclaration``s, the roles the app introduces: their names, the unit levels
  where each may be held, whether it needs a second factor (read by ``accounts``);
- ``capabilities``: (role code, what the role may do in this app[, URL name of the page where
  it is done]) tuples, shown to officials on their home page;
- ``api_urls``: the dotted path of the app's ``api_urls`` module (its ``urlpatterns``, written
  from the site root, ``"api/v1/units/"``, under its own namespace ``<label>_api``); the
  site's URLconf includes every declared module the same way (``api_urlpatterns``);
- ``sync_feeds``: ``SyncFeed``s, the content the app offers to provincial sync feeds and
  webhooks (read by the integration app, which names no content model);
- ``health_checks``: ``HealthCheck``s, the outside services the app depends on (a media
  server, a broker, a channel adapter), reported by ``/healthz`` beside the database;
- ``oai_sources``: ``OaiSource``s, the records the app offers to harvesters through the
  platform's OAI-PMH provider (heritage items, library items);
- ``key_figures``: codes of (computed) indicators the app writes that the programme
  dashboard leads with, after the programme's own (the share of meetings held online, of
  festivals digitised); a code that is not loaded is left out;
- ``key_figure_pages``: (code, URL name) pairs: the page a key figure links to from the
  dashboard, opened with ``?unit=<code>&year=<year>`` (the officials not yet trained).

The shared code (the two commands, the navigation) reads the declarations; it never names
the apps. Adding an app is its folder, a line in ``INSTALLED_APPS`` and its URLs; see
``docs/adding-an-app.md``. Functions are named by dotted path and imported only when used, so
that declaring them imports nothing at start-up and an app below never imports one above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q
from django.urls import include, path, reverse
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


@dataclass(frozen=True)
class RoleDeclaration:
    """A role an app introduces. ``levels`` are the unit levels (geo.UnitLevel values) where
    it may be held: a role is given only where it can be used, so a provincial administrator
    cannot make a ministry officer inside the province. ``requires_2fa``: holders sign in with
    a second factor (roles that approve reports or administer the system). What holders may
    do is told by the apps' ``capabilities``."""

    code: str
    name: Any  # Vietnamese
    name_en: str
    levels: frozenset[str]
    requires_2fa: bool = False
    description: str = ""


@dataclass(frozen=True)
class SyncFeed:
    """Content an app offers to provincial sync feeds (``/api/v1/sync/<name>/``) and webhooks.

    ``model`` ("app_label.ModelName") follows the editorial workflow's rules (``uuid``,
    ``unit``, ``updated_at``, ``first_published_at``, ``is_public``; optionally ``areas``);
    ``where`` narrows it: {field: allowed values}. ``represent`` is the dotted path of
    ``(item, *, base_url) -> dict``, the item's own fields in a feed (the integration app adds
    id, feed, dates and unit); ``details`` the dotted path of ``(queryset) -> queryset`` that
    prefetches what ``represent`` reads. ``changed_event`` is the after-commit event
    (``core.events``) the app announces with ``uuid`` or ``uuids`` when what the public sees
    of such an item changed."""

    name: str
    model: str
    description: str
    represent: str
    details: str | None = None
    where: dict[str, tuple] = field(default_factory=dict)
    changed_event: str = ""

    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)

    def filter_q(self) -> Q:
        return Q(**{f"{name}__in": list(values) for name, values in self.where.items()})

    def holds(self, item) -> bool:
        """Does this feed carry ``item``?"""
        return isinstance(item, self.model_class()) and all(
            getattr(item, name) in values for name, values in self.where.items()
        )

    def represent_item(self, item, *, base_url: str = "") -> dict[str, Any]:
        return import_string(self.represent)(item, base_url=base_url)

    def with_details(self, queryset):
        return import_string(self.details)(queryset) if self.details else queryset


@dataclass(frozen=True)
class HealthCheck:
    """An outside service reported by ``/healthz`` under ``name``. ``check`` is the dotted
    path of a function taking no argument and returning a dict with at least ``"status"``:
    ``"ok"``, ``"error"`` (then ``"error"``: why) or ``"off"`` (not configured here); it
    should answer within a second or two (a short timeout on its connection)."""

    name: str
    check: str

    def run(self) -> dict[str, Any]:
        try:
            result = dict(import_string(self.check)())
        except Exception as exc:  # a failing check is reported, never raised
            return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
        result.setdefault("status", "error")
        return result


@dataclass(frozen=True)
class OaiSource:
    """Records an app offers through the OAI-PMH 2.0 provider.

    ``records``: dotted path of ``f(*, since, until, set_spec) -> iterable of OaiRecord`` (a
    datamodel the provider defines), ordered by (datestamp, identifier), deleted records
    included as such; only what the public may see (the provider shows what it is given).
    ``record``: dotted path of ``f(local_id) -> OaiRecord | None``.
    ``sets``: dotted path of ``f() -> list[(set_spec, set_name)]``; every spec starts with
    ``prefix`` (``"library"``, ``"library:sach"``), which also starts the local part of the
    records' identifiers (``oai:<host>:<prefix>/<local id>``)."""

    prefix: str
    records: str
    record: str
    sets: str


def oai_sources() -> list[OaiSource]:
    return list(_declared("oai_sources"))


def key_figures() -> list[str]:
    return list(dict.fromkeys(_declared("key_figures")))


def key_figure_pages() -> dict[str, str]:
    """Key figure code → URL name of the page that details it (``key_figure_pages``: pairs)."""
    return dict(_declared("key_figure_pages"))


def health_checks() -> list[HealthCheck]:
    return list(_declared("health_checks"))


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


def api_urlpatterns() -> list:
    """The API URLs of every app that declares ``api_urls``, in INSTALLED_APPS order."""
    return [
        path("", include(config.api_urls))
        for config in apps.get_app_configs()
        if getattr(config, "api_urls", None)
    ]


def roles() -> dict[str, RoleDeclaration]:
    """The declared roles by code, in INSTALLED_APPS order; a code is declared once."""
    declared = list(_declared("roles"))
    by_code = {role.code: role for role in declared}
    if len(by_code) != len(declared):
        raise ValueError("two apps declare the same role")
    return by_code


def role_levels(code: str) -> frozenset[str]:
    """Unit levels where role ``code`` may be held (none for an undeclared role)."""
    role = roles().get(code)
    return role.levels if role is not None else frozenset()


def roles_requiring_2fa() -> frozenset[str]:
    return frozenset(code for code, role in roles().items() if role.requires_2fa)


def sync_feeds() -> list[SyncFeed]:
    """The declared sync feeds, in INSTALLED_APPS and declaration order; names are unique."""
    declared = list(_declared("sync_feeds"))
    names = [feed.name for feed in declared]
    if len(set(names)) != len(names):
        raise ValueError(f"two apps declare the same sync feed: {sorted(names)}")
    return declared


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
