from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from dantoc.accounts.models import Role, User
from dantoc.accounts.permissions import scope_q
from dantoc.experts.models import Expert
from dantoc.geo.models import Unit
from dantoc.training import permissions
from dantoc.training.models import (
    Certificate,
    Course,
    CourseProgress,
    Event,
    Feedback,
    Participant,
    ParticipantStatus,
    RosterEntry,
    Session,
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


def audience_q(event, prefix: str = "") -> Q:
    """The officials an event is for, as a filter on users (``permissions.in_audience`` for a
    queryset; ``prefix`` when the users are reached through a relation)."""
    q = Q(**{f"{prefix}unit__path__startswith": event.unit.path})
    if event.audience_levels:
        q &= Q(**{f"{prefix}unit__level__in": event.audience_levels})
    if event.audience_roles:
        q &= Q(**{f"{prefix}pk__in": User.objects.filter(roles__code__in=event.audience_roles)})
    units = list(event.audience_units.all())
    if units:
        within = Q()
        for unit in units:
            within |= Q(**{f"{prefix}unit__path__startswith": unit.path})
        q &= within
    return q


def role_names(codes) -> list[str]:
    return [r.localized_name for r in Role.objects.filter(code__in=codes).order_by("code")]


def nominees_for(*, user, event, limit: int = 300) -> QuerySet[User]:
    if event.audience != "officials":
        return User.objects.none()
    taken = event.participants.exclude(status=ParticipantStatus.CANCELLED).values("user_id")
    return (
        User.objects.filter(scope_q(user, "unit__path"), audience_q(event), is_active=True)
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


def trainer_profiles(*, user) -> dict[str, str]:
    """Trainer name → the expert profile's uuid, for the trainers chosen from the expert
    database in the events of ``user``'s scope."""

    refs = set(
        Session.objects.filter(scope_q(user, "event__unit__path"))
        .exclude(trainer_expert_ref="")
        .values_list("trainer_expert_ref", flat=True)
    )
    return {
        name: str(uuid)
        for uuid, name in Expert.objects.filter(uuid__in=refs).values_list("uuid", "full_name")
    }


# --- the 100 % goal --------------------------------------------------------------------------


def _year_bounds(year: int):
    import datetime

    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


@dataclass(slots=True)
class Official:
    """One official the goal counts: an account (``user_id``) or a roster entry without one
    (``roster_id``)."""

    unit_id: int
    unit_path: str
    trained: bool
    user_id: int | None = None
    roster_id: int | None = None


def officials_to_train(*, unit) -> QuerySet[User]:
    """Accounts of officials who must be trained: active accounts with a role in ``unit``'s
    subtree (rosters add the officials without an account: ``officials_goal``)."""
    return User.objects.filter(
        Exists(User.roles.through.objects.filter(user_id=OuterRef("pk"))),
        is_active=True,
        unit__path__startswith=unit.path,
    )


def trained_ids(*, unit, year: int) -> set[int]:
    """Accounts of the subtree that completed a training event or passed a course in
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


def _in_subtree(rows: QuerySet, unit) -> QuerySet:
    """``rows`` of units in ``unit``'s subtree; the whole table for the country (a filter
    there would only make the database visit every unit's index entries one by one)."""
    if unit.parent_id is None:
        return rows
    return rows.filter(unit_id__in=Unit.objects.filter(path__startswith=unit.path).values("pk"))


def officials_goal(*, unit, year: int) -> list[Official]:
    """Every official of ``unit``'s subtree the 100 % goal counts, once each, and whether they
    were trained in ``year``: accounts with a role, and roster entries (a roster entry linked
    to such an account is that account; its outside training counts for it). Four queries,
    whatever the number of officials."""
    done = trained_ids(unit=unit, year=year)
    # Unit paths looked up once (a few thousand units) rather than joined on every row.
    paths = dict(
        Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path").iterator()
    )
    accounts = {
        pk: unit_id
        for pk, unit_id in officials_to_train(unit=unit)
        .order_by()
        .values_list("pk", "unit_id")
        .iterator()
    }
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    # 1/0 rather than a boolean: an integer column needs no per-row converter (50,000 rows).
    in_year = Case(
        When(trained_on__gte=first, trained_on__lte=last, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    roster = []
    for pk, user_id, unit_id, outside in (
        _in_subtree(RosterEntry.objects.all(), unit)
        .order_by()  # the model's ordering would sort every row by unit path and name
        .values_list("pk", "user_id", "unit_id", in_year)
        .iterator(chunk_size=5000)
    ):
        if user_id in accounts:
            if outside:
                done.add(user_id)
            continue
        trained = bool(outside) or (user_id is not None and user_id in done)
        roster.append(Official(unit_id, paths[unit_id], trained, None, pk))
    return [
        Official(unit_id, paths.get(unit_id, ""), pk in done, pk, None)
        for pk, unit_id in accounts.items()
    ] + roster


def trained_share(
    *, unit, children, year: int, officials: list[Official] | None = None
) -> list[dict]:
    """Per child unit (and the unit itself first): officials to train, trained, share %.
    One pass over the officials: each falls to the child its unit path goes through."""
    if officials is None:
        officials = officials_goal(unit=unit, year=year)
    by_child = {f"{c.pk}": i for i, c in enumerate(children, start=1)}
    totals = [0] * (len(children) + 1)
    trained = [0] * (len(children) + 1)
    prefix = len(unit.path)
    for o in officials:
        totals[0] += 1
        trained[0] += o.trained
        index = by_child.get(o.unit_path[prefix:].split("/", 1)[0])
        if index is not None:
            totals[index] += 1
            trained[index] += o.trained
    return [
        {
            "unit": u,
            "total": totals[i],
            "trained": trained[i],
            "share": round(100 * trained[i] / totals[i], 1) if totals[i] else None,
        }
        for i, u in enumerate([unit, *children])
    ]


@dataclass(frozen=True)
class NotTrained:
    name: str
    unit_name: str
    unit_path: str
    position: str
    has_account: bool


def officials_not_trained(
    *, unit, year: int, limit: int = 200, officials: list[Official] | None = None
) -> tuple[list[NotTrained], int]:
    """The first ``limit`` officials of the subtree not trained in ``year`` (by unit, then
    name; accounts and roster entries), and how many there are in all. ``officials``: the
    answer of ``officials_goal`` when the caller already has it."""
    if officials is None:
        officials = officials_goal(unit=unit, year=year)
    missing = [o for o in officials if not o.trained]
    users = {o.user_id for o in missing if o.user_id}
    entries = {o.roster_id for o in missing if o.roster_id}
    found: list[NotTrained] = []
    for user in (
        officials_to_train(unit=unit).select_related("unit").order_by("unit__path", "full_name")
    ).iterator(chunk_size=2000):
        if user.pk in users:
            found.append(NotTrained(str(user), user.unit.name, user.unit.path, user.position, True))
            if len(found) >= limit:
                break
    roster: list[NotTrained] = []
    for entry in (
        # Entries trained outside the platform this year are never in ``entries``: left out
        # in SQL, so that the sort reads only the others.
        _in_subtree(RosterEntry.objects.all(), unit)
        .exclude(
            trained_on__gte=datetime.date(year, 1, 1), trained_on__lte=datetime.date(year, 12, 31)
        )
        .select_related("unit")
        .order_by("unit__path", "full_name")
    ).iterator(chunk_size=500):
        if entry.pk in entries:
            roster.append(
                NotTrained(entry.full_name, entry.unit.name, entry.unit.path, entry.position, False)
            )
            if len(roster) >= limit:
                break
    merged = sorted(found + roster, key=lambda o: (o.unit_path, o.name))[:limit]
    return merged, len(missing)


def roster_by_unit(*, user, limit: int = 500) -> list[dict]:
    """The rosters in ``user``'s scope, per unit: entries, linked to an account, trained
    outside the platform this year, last upload."""
    start = datetime.date(timezone.localdate().year, 1, 1)
    return list(
        RosterEntry.objects.filter(scope_q(user, "unit__path"))
        .values("unit__code", "unit__name", "unit__path")
        .annotate(
            n=Count("pk"),
            linked=Count("pk", filter=Q(user__isnull=False)),
            trained=Count("pk", filter=Q(trained_on__gte=start)),
            last=Max("uploaded_at"),
        )
        .order_by("unit__path")[:limit]
    )


def courses_editable(*, user) -> list[Course]:
    """The courses ``user`` may edit (their unit's and those under it), with lesson counts."""
    return [
        c
        for c in Course.objects.filter(unit__path__startswith=user.unit.path)
        .select_related("unit")
        .annotate(n_lessons=Count("lessons", distinct=True))
        if permissions.can_edit_course(user, c)
    ]
