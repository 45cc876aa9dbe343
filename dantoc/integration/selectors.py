"""Reads of the integration app for the administrators' pages."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from dantoc.accounts.permissions import scope_q
from dantoc.integration.models import (
    IntegrationClient,
    WebhookAttempt,
    WebhookMessage,
    WebhookSubscription,
)
from dantoc.integration.permissions import can_manage_clients


def clients_visible_to(user) -> QuerySet[IntegrationClient]:
    """Clients of the administrator's subtree (none for anybody else)."""
    if not can_manage_clients(user):
        return IntegrationClient.objects.none()
    return (
        IntegrationClient.objects.filter(scope_q(user, "unit__path"))
        .select_related("unit", "application")
        .annotate(
            live_subscriptions=Count(
                "subscriptions", filter=Q(subscriptions__deleted_at__isnull=True)
            )
        )
        .order_by("name")
    )


def client_subscriptions(client: IntegrationClient) -> QuerySet[WebhookSubscription]:
    return client.subscriptions.filter(deleted_at__isnull=True).select_related("province")


def client_messages(
    client: IntegrationClient, *, status: str = "", limit: int = 50
) -> list[WebhookMessage]:
    """The delivery log: the client's latest messages, each with its attempts."""
    rows = (
        WebhookMessage.objects.filter(subscription__client=client)
        .select_related("subscription")
        .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("number")))
        .order_by("-created_at", "-id")
    )
    if status:
        rows = rows.filter(status=status)
    return list(rows[:limit])
