"""Background work of the media pipeline (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from dantoc.media.processing import asset_process


@task()
def asset_process_task(asset_id: int) -> str:
    """Make an asset's derivatives; returns its state (ready or failed)."""
    return asset_process(asset_id=asset_id).state
