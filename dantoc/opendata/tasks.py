"""Background work of open data (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from django_tasks import task

from dantoc.indicators.models import Indicator
from dantoc.opendata.models import Dataset, DatasetState
from dantoc.opendata.services import datasets_refresh_affected


@task()
def datasets_refresh_affected_task(indicator_codes: list[str]) -> int:
    """Rebuild the published data sets that use these indicators."""
    return datasets_refresh_affected(indicator_codes=indicator_codes)


def on_figures_changed(*, indicator_ids: list[int], period_id: int) -> None:
    """Listener of ``reporting.figures_changed`` (after commit): queue the refresh."""
    codes = list(Indicator.objects.filter(pk__in=indicator_ids).values_list("code", flat=True))
    if codes and Dataset.objects.filter(state=DatasetState.PUBLISHED).exists():
        datasets_refresh_affected_task.enqueue(codes)
