from __future__ import annotations

from dantoc.accounts.models import User
from dantoc.notifications.models import Notification
from dantoc.notifications.services import notify


def with_email(user: User, address: str) -> User:
    User.objects.filter(pk=user.pk).update(email=address)
    user.refresh_from_db()
    return user


def notice_for(
    user: User, title: str = "Báo cáo quý 3/2025 đã được duyệt", **kwargs
) -> Notification:
    kwargs.setdefault("kind", "reporting.approved")
    kwargs.setdefault("body", "Báo cáo biểu mẫu BM01 kỳ 2025Q3 của xã Lũng Cú đã được tỉnh duyệt.")
    [notice] = notify(recipients=[user], title=title, **kwargs)
    return notice
