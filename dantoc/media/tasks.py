"""Background work of the media pipeline (django-tasks; ``manage.py db_worker`` runs it).

Tasks are named after the service they run with ``_task``; services never import their
tasks: ``services.asset_process_enqueue`` announces ``media.asset_waiting`` after commit and
``MediaConfig.ready`` connects it to ``on_asset_waiting``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from dantoc.media.fixity import assets_fixity_check
from dantoc.media.processing import asset_process


@task()
def asset_process_task(asset_id: int) -> str:
    """Make an asset's derivatives; returns its state (ready or failed)."""
    return asset_process(asset_id=asset_id).state


def on_asset_waiting(*, asset_id: int) -> None:
    """Listener of ``media.asset_waiting`` (after commit): queue the asset's derivatives."""
    asset_process_task.enqueue(asset_id)


@task()
def assets_fixity_check_task(reschedule: bool = True) -> dict:
    """Hash every original again and report changes; then queue the next check (the check
    keeps itself scheduled once started by ``manage.py media_fixity_check --schedule``)."""
    report = assets_fixity_check()
    if reschedule:
        days = getattr(settings, "MEDIA_FIXITY_DAYS", 7)
        assets_fixity_check_task.using(
            run_after=timezone.now() + datetime.timedelta(days=days)
        ).enqueue(True)
    return {"checked": report.checked, "changed": report.changed, "missing": report.missing}
