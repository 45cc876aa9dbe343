"""Reads of disaster warnings: the pages, the CAP documents, the feeds and the citizens'
banner call these, so a warning is the same on every screen."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from dantoc.accounts.permissions import scope_q
from dantoc.alerts.models import Alert, AlertInfo, MsgType
from dantoc.geo.models import Unit


def _with_details(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    return alerts.select_related("unit", "previous").prefetch_related(
        Prefetch("communes", queryset=Unit.objects.select_related("parent").order_by("code")),
        Prefetch("infos", queryset=AlertInfo.objects.order_by("pk")),
    )


def alert_get(*, uuid) -> Alert | None:
    return _with_details(Alert.objects.filter(uuid=uuid)).first()


def alerts_current(*, now: datetime.datetime | None = None) -> QuerySet[Alert]:
    """The newest message of each warning not yet expired, cancellations included (the feeds
    carry a Cancel until the warning would have expired)."""
    now = now or timezone.now()
    return _with_details(Alert.objects.filter(is_latest=True, expires__gt=now))


def alerts_active(*, now: datetime.datetime | None = None) -> QuerySet[Alert]:
    """Warnings in force: newest message, not cancelled, not expired."""
    return alerts_current(now=now).exclude(msg_type=MsgType.CANCEL)


def alerts_active_for_commune(*, code: str, now: datetime.datetime | None = None) -> list[Alert]:
    """Warnings in force for the commune (unit in force) with this code, gravest first."""
    if not code or not code.isdigit() or len(code) > 10:
        return []
    alerts = alerts_active(now=now).filter(communes__code=code, communes__valid_to__isnull=True)
    return sorted(alerts.distinct(), key=lambda a: (-a.level, a.expires))


def alerts_for_officer(*, user) -> QuerySet[Alert]:
    """The newest message of each warning issued in the officer's subtree."""
    return _with_details(Alert.objects.filter(is_latest=True).filter(scope_q(user, "unit__path")))


def thread_messages(alert: Alert) -> list[Alert]:
    """Every message of the warning, oldest first."""
    return list(_with_details(Alert.objects.filter(thread=alert.thread)).order_by("sent", "pk"))
