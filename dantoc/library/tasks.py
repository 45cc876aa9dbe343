"""Background work of the e-library (django-tasks; ``manage.py db_worker`` runs it).

``services.item_text_enqueue`` announces ``library.text_waiting`` after commit and
``LibraryConfig.ready`` connects it to ``on_text_waiting``; services never import tasks.
"""

from __future__ import annotations

from django_tasks import task

from dantoc.library.services import item_text_extract


@task()
def item_text_extract_task(item_id: int) -> str:
    """Extract the text of an item's PDF; returns the item's text state."""
    item = item_text_extract(item_id=item_id)
    return item.text_state if item is not None else "gone"


def on_text_waiting(*, item_id: int) -> None:
    """Listener of ``library.text_waiting`` (after commit): queue the extraction."""
    item_text_extract_task.enqueue(item_id)
