from dantoc.accounts.models import User
from dantoc.notifications.models import Notification


def can_read_notification(user: User, notification: Notification) -> bool:
    """A notice is private to its recipient: no role, however high, reads someone else's."""
    return user.is_authenticated and notification.recipient_id == user.pk
