"""Reads of the sensors app (pages and API use the same ones)."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, QuerySet

from dantoc.accounts.permissions import scope_paths
from dantoc.sensors.models import CrossingState, Datastream, Device, Observation, ThresholdCrossing


def _in_scope(queryset: QuerySet, user, field: str) -> QuerySet:
    from django.db.models import Q

    paths = list(scope_paths(user))
    if not paths:
        return queryset.none()
    q = Q()
    for path in paths:
        q |= Q(**{f"{field}__path__startswith": path})
    return queryset.filter(q)


def devices_for_user(*, user) -> QuerySet[Device]:
    streams = Datastream.objects.select_related("indicator").annotate(
        readings=Count("observations"), last_time=Max("observations__phenomenon_time")
    )
    return _in_scope(Device.objects.select_related("unit"), user, "unit").prefetch_related(
        Prefetch("datastreams", queryset=streams)
    )


def device_get(*, uuid) -> Device | None:
    return Device.objects.select_related("unit", "registered_by").filter(uuid=uuid).first()


def recent_readings(*, datastream: Datastream, limit: int = 12) -> list[Observation]:
    return list(
        Observation.objects.filter(datastream=datastream).order_by("-phenomenon_time")[:limit]
    )


def crossings_for_user(*, user) -> QuerySet[ThresholdCrossing]:
    return _in_scope(
        ThresholdCrossing.objects.select_related("datastream__device__unit", "alert"),
        user,
        "datastream__device__unit",
    ).order_by("state", "-started_at")


def pending_crossings_count(*, user) -> int:
    return crossings_for_user(user=user).filter(state=CrossingState.PENDING).count()
