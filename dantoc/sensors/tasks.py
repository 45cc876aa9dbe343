"""Background work of sensors (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dantoc.sensors import services


@task()
def indicator_values_compute_task(touched: list[list]) -> dict[str, Any]:
    """The monthly indicator values of the streams and months that have new readings."""
    return services.indicator_values_compute(touched=touched)


def on_readings_stored(*, touched: list[list], **_payload) -> None:
    indicator_values_compute_task.enqueue(touched)
