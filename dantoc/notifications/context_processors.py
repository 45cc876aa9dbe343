from dantoc.notifications.selectors import unread_count


def unread(request) -> dict[str, int]:
    """``unread_notifications`` for the header: one COUNT for a signed-in user, none otherwise."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user=user)}
