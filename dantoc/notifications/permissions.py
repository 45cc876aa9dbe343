from dantoc.accounts.models import RoleCode, User
from dantoc.notifications.models import Notification


def can_read_notification(user: User, notification: Notification) -> bool:
    """A notice is private to its recipient: no role, however high, reads someone else's."""
    return user.is_authenticated and notification.recipient_id == user.pk


def can_read_outgoing_mail(user: User) -> bool:
    """Outgoing mail carries every official's notices: national administrators only."""
    return (
        user.is_authenticated
        and user.has_role(RoleCode.SYSTEM_ADMIN)
        and user.unit is not None
        and user.unit.level == "country"
    )
