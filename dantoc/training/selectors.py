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
