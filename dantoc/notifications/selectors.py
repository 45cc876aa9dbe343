from __future__ import annotations

from django.db.models import QuerySet

from dantoc.accounts.models import User
from dantoc.notifications.models import Notification


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notices, newest first. Nobody reads another person's notices."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notices = Notification.objects.filter(recipient=user).select_related("unit")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
