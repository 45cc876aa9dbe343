"""Reads of meetings, used by the pages, the calendar feed and the exports alike."""

from __future__ import annotations

import datetime
from collections import Counter

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dantoc.accounts.permissions import scope_q
from dantoc.meetings import permissions
from dantoc.meetings.models import Attendance, FollowUpTask, Invitation, Meeting


def meetings_for_user(user) -> QuerySet[Meeting]:
    """Meetings the user is invited to, organises, or manages through their scope."""
    q = Q(invitations__user=user, invitations__revoked_at__isnull=True) | Q(organizer=user)
    if permissions.can_organise(user):
        q |= scope_q(user, "unit__path")
    return (
        Meeting.objects.filter(q)
        .distinct()
        .select_related("unit", "organizer")
        .annotate(invited=Count("invitations", distinct=True))
        .order_by("-starts_at", "-id")
    )


def meetings_invited(user) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(invitations__user=user, invitations__revoked_at__isnull=True)
        .select_related("unit", "organizer")
        .order_by("starts_at")
    )


def invitation_of(user, meeting) -> Invitation | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Invitation.objects.filter(meeting=meeting, user=user, revoked_at__isnull=True).first()


def invitations_of_meeting(meeting) -> QuerySet[Invitation]:
    return meeting.invitations.select_related("user", "user__unit", "via_unit").order_by(
        "user__unit__path", "user__full_name"
    )


def attendance_rows(meeting) -> list[dict]:
    """One row per invitee: online presences (first join, total time) and venue check-in."""
    rows = []
    by_invitation: dict[int, list[Attendance]] = {}
    for a in meeting.attendances.all():
        by_invitation.setdefault(a.invitation_id, []).append(a)
    now = timezone.now()
    for inv in invitations_of_meeting(meeting):
        found = by_invitation.get(inv.pk, [])
        online = [a for a in found if a.channel == "online"]
        venue = [a for a in found if a.channel == "in_person"]
        total = datetime.timedelta()
        for a in online:
            total += (a.left_at or min(now, meeting.ends_at)) - a.joined_at
        rows.append(
            {
                "invitation": inv,
                "person": inv.user,
                "unit": inv.user.unit,
                "first_join": min((a.joined_at for a in online), default=None),
                "last_leave": max((a.left_at for a in online if a.left_at), default=None),
                "online_minutes": int(total.total_seconds() // 60) if online else None,
                "checked_in": venue[0].joined_at if venue else None,
                "present": bool(online or venue),
                "revoked": inv.revoked_at is not None,
            }
        )
    return rows


def tasks_for_user(user) -> QuerySet[FollowUpTask]:
    """Tasks assigned to the user's unit (or below), and tasks of meetings they manage."""
    q = Q(meeting__organizer=user)
    if user.unit_id:
        q |= scope_q(user, "unit__path")
    return FollowUpTask.objects.filter(q).select_related("meeting", "unit").distinct()


def tasks_overdue(user, *, today: datetime.date | None = None) -> QuerySet[FollowUpTask]:
    today = today or timezone.localdate()
    return tasks_for_user(user).filter(done_at__isnull=True, due_date__lt=today)


def meetings_held(*, unit, year: int, quarter: int | None = None) -> QuerySet[Meeting]:
    """The meetings behind the 30 % share: held (minutes recorded) by ``unit`` or a unit
    below it, in the year (or quarter), local time."""
    start_month = 3 * quarter - 2 if quarter else 1
    start = timezone.make_aware(datetime.datetime(year, start_month, 1))
    end = (
        timezone.make_aware(
            datetime.datetime(year + (start_month + 3 > 12), (start_month + 2) % 12 + 1, 1)
        )
        if quarter
        else timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    )
    return (
        Meeting.objects.filter(
            unit__path__startswith=unit.path, status="held", starts_at__gte=start, starts_at__lt=end
        )
        .select_related("unit")
        .order_by("starts_at", "id")
    )


def online_share(meetings) -> dict:
    """Counts by kind and level: held, online or hybrid, share (%)."""
    held, online = Counter(), Counter()
    for m in meetings:
        for key in (("kind", m.kind), ("level", m.unit.level), ("all", "")):
            held[key] += 1
            online[key] += m.is_online
    return {
        key: {"held": held[key], "online": online[key],
              "share": round(100 * online[key] / held[key], 1) if held[key] else None}
        for key in held
    }  # fmt: skip
