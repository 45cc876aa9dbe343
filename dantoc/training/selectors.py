from __future__ import annotations

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.accounts.permissions import scope_q
from dantoc.training.models import (
    Certificate,
    Course,
    CourseProgress,
    Event,
    Feedback,
    Participant,
    ParticipantStatus,
)


def events_for_user(*, user) -> QuerySet[Event]:
    """Events the official could attend (organised by a unit above or at theirs) and those
    organised in their subtree."""
    ancestors = [p for p in user.unit.path.strip("/").split("/") if p]
    above = Q(unit_id__in=[int(p) for p in ancestors])
    return (
        Event.objects.filter(above | scope_q(user, "unit__path"))
        .select_related("unit")
        .annotate(n_sessions=Count("sessions", distinct=True))
        .order_by("-starts_at")
    )


def upcoming_and_past(events) -> tuple[list[Event], list[Event]]:
    now = timezone.now()
    coming = [e for e in events if e.ends_at >= now]
    past = [e for e in events if e.ends_at < now]
    return sorted(coming, key=lambda e: e.starts_at), past


def participants_of(*, event) -> QuerySet[Participant]:
    return event.participants.select_related("user", "unit").prefetch_related("attendances")


def nominees_for(*, user, event, limit: int = 300) -> QuerySet[User]:
    taken = event.participants.exclude(status=ParticipantStatus.CANCELLED).values("user_id")
    return (
        User.objects.filter(
            scope_q(user, "unit__path"), is_active=True, unit__path__startswith=event.unit.path
        )
        .exclude(pk__in=taken)
        .select_related("unit")
        .order_by("unit__path", "full_name")[:limit]
    )


def feedback_summary(*, event) -> dict:
    rows = Feedback.objects.filter(event=event)
    summary = rows.aggregate(
        n=Count("pk"), content=Avg("content_rating"), trainer=Avg("trainer_rating")
    )
    summary["comments"] = list(rows.exclude(comment="").values_list("comment", flat=True)[:50])
    return summary


def courses_published() -> QuerySet[Course]:
    return Course.objects.filter(is_published=True).annotate(n_lessons=Count("lessons"))


def progress_of(*, user, course) -> CourseProgress | None:
    return CourseProgress.objects.filter(user=user, course=course).first()


def certificates_of(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(user=user).select_related("issuer_unit")


def trainer_results(*, user) -> list[dict]:
    """Average trainer rating per trainer over the events in the user's scope where they
    taught (a trainer named in several sessions of one event counts that event once)."""
    events = Event.objects.filter(scope_q(user, "unit__path"))
    by_trainer: dict[str, set[int]] = {}
    for event_id, names in events.filter(sessions__trainers__gt="").values_list(
        "pk", "sessions__trainers"
    ):
        for name in (n.strip() for n in names.split(",")):
            if name:
                by_trainer.setdefault(name, set()).add(event_id)
    results = []
    for name, event_ids in sorted(by_trainer.items()):
        agg = Feedback.objects.filter(event_id__in=event_ids).aggregate(
            n=Count("pk"), rating=Avg("trainer_rating")
        )
        results.append({"trainer": name, "events": len(event_ids), **agg})
    return results


# --- the 100 % goal --------------------------------------------------------------------------


def _year_bounds(year: int):
    import datetime

    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


def officials_to_train(*, unit) -> QuerySet[User]:
    """Officials who must be trained: active accounts of officials of ``unit``'s subtree
    (rosters of officials without an account are not in yet: see docs/training.md)."""
    return User.objects.filter(
        is_active=True, unit__path__startswith=unit.path, roles__isnull=False
    ).distinct()


def trained_ids(*, unit, year: int) -> set[int]:
    """Officials of the subtree who completed a training event or passed a course in
    ``year``."""
    start, end = _year_bounds(year)
    from_events = Participant.objects.filter(
        completed=True,
        unit__path__startswith=unit.path,
        event__ends_at__gte=start,
        event__ends_at__lt=end,
    ).values_list("user_id", flat=True)
    from_courses = CourseProgress.objects.filter(
        user__unit__path__startswith=unit.path, passed_at__gte=start, passed_at__lt=end
    ).values_list("user_id", flat=True)
    return set(from_events) | set(from_courses)


def trained_share(*, unit, children, year: int) -> list[dict]:
    """Per child unit (and the unit itself first): officials to train, trained, share %."""
    everyone = list(officials_to_train(unit=unit).values_list("pk", "unit__path"))
    done = trained_ids(unit=unit, year=year)
    rows = []
    for u in [unit, *children]:
        ids = [pk for pk, path in everyone if path.startswith(u.path)]
        trained = sum(1 for pk in ids if pk in done)
        rows.append(
            {
                "unit": u,
                "total": len(ids),
                "trained": trained,
                "share": round(100 * trained / len(ids), 1) if ids else None,
            }
        )
    return rows


def officials_not_trained(*, unit, year: int) -> QuerySet[User]:
    return (
        officials_to_train(unit=unit)
        .exclude(pk__in=trained_ids(unit=unit, year=year))
        .select_related("unit")
        .order_by("unit__path", "full_name")
    )
