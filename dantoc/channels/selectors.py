"""Reads of the channels app: the outbox page's figures and lists."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from dantoc.channels.models import OutboxMessage, State, Subscription


def outbox_counts() -> dict[str, dict[str, int]]:
    """{channel: {state: n}} over the whole outbox."""
    counts: dict[str, dict[str, int]] = {}
    for row in OutboxMessage.objects.values("channel", "state").annotate(n=Count("id")):
        counts.setdefault(row["channel"], {s: 0 for s in State.values})[row["state"]] = row["n"]
    return counts


def outbox_list(*, state: str = "", channel: str = "") -> QuerySet[OutboxMessage]:
    messages = OutboxMessage.objects.all()
    if state:
        messages = messages.filter(state=state)
    if channel:
        messages = messages.filter(channel=channel)
    return messages.order_by("-created_at", "-id")


def subscription_counts() -> dict[str, int]:
    active = Subscription.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    return {
        "active": active.count(),
        "pending": Subscription.objects.filter(
            confirmed_at__isnull=True, unsubscribed_at__isnull=True
        ).count(),
        "ended": Subscription.objects.filter(unsubscribed_at__isnull=False).count(),
    }
