"""Which content types follow the editorial workflow, and what each tells the workflow.

A content app registers one ``Workflow`` per model (in its services module, which its
``AppConfig.ready`` imports); ``editorial.services`` reads it. The workflow itself never names
an app: what differs between an article, a heritage item or an expert profile (who may edit
it, how it is audited, what happens when the public sees a change) comes from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model


def _nothing(*args, **kwargs) -> None:
    return None


def _on() -> bool:
    return True


@dataclass(frozen=True)
class Workflow:
    model: type[Model]
    # Names in audit actions and notification kinds: "<app>.<kind>_publish", "<app>_review".
    app: str
    kind: str
    # A JSON-safe picture of the item for the audit trail (before and after each step).
    snapshot: Callable[[Model], dict[str, Any]]
    # May ``user`` write, submit, withdraw or delete ``item``? (Publishing also needs four
    # eyes.) The item has a ``unit``; the reviewers told are officials of ``reviewer_roles``
    # at that unit or above it.
    can_edit: Callable[[Any, Model], bool]
    reviewer_roles: tuple[str, ...]
    # The editor's page of the item (the link in notifications).
    editor_url: Callable[[Model], str]
    # What the public sees of the item changed (clear caches, tell subscribers), after a step.
    changed: Callable[[Model], None] = _nothing
    # The item has just gone live: ``published(actor, item)`` (a legal document marks the
    # documents it amends or replaces).
    published: Callable[[Any, Model], None] = _nothing
    # Does publication need a second person? Read at each step, so a setting can switch it.
    four_eyes: Callable[[], bool] = _on
    # The related name of the item's translations (rows of an ``EditorialTranslation``), and
    # what to do when one changed (search text, modification time).
    translations: str | None = None
    translation_changed: Callable[[Model], None] = _nothing


_WORKFLOWS: dict[type[Model], Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _WORKFLOWS[workflow.model] = workflow
    return workflow


def unregister(model: type[Model]) -> None:
    _WORKFLOWS.pop(model, None)


def workflow_for(model: type[Model]) -> Workflow:
    try:
        return _WORKFLOWS[model]
    except KeyError:
        raise LookupError(f"{model.__name__} does not follow the editorial workflow") from None


def registered() -> list[Workflow]:
    return list(_WORKFLOWS.values())


def four_eyes_on(model: type[Model]) -> bool:
    workflow = _WORKFLOWS.get(model)
    return True if workflow is None else bool(workflow.four_eyes())
