"""Reminders before a deadline and when a report is late, run as background tasks.

Cron (or any scheduler) runs ``manage.py send_reminders`` once a day; it enqueues
``reporting.tasks.deadline_reminders_send_task``, which the task worker (``manage.py db_worker``) executes. Each
reminder carries a dedupe key, so running the job twice on one day tells nobody twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.geo.selectors import valid_on_q
from dantoc.notifications.services import notify
from dantoc.reporting import selectors, services
from dantoc.reporting.models import Submission, SubmissionStatus
from dantoc.reporting.permissions import ENTRY_ROLE

REMIND_DAYS_BEFORE = 3
DONE = [SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, SubmissionStatus.WAIVED]


@dataclass
class ReminderRun:
    due_soon: int = 0
    late: int = 0


def deadline_reminders_send(*, today: datetime.date | None = None) -> ReminderRun:

    day = today or timezone.localdate()
    run = ReminderRun()
    for form in selectors.active_forms().prefetch_related("deadlines"):
        for window in selectors.open_periods(form, today=day):
            if not (form.opens_on_date(window) <= day):
                continue
            period = services.period_resolve(period_type=form.period_type, code=window.code)
            for level in selectors.chain_levels(form, period):
                deadline = selectors.deadline_for(form, level, period)
                if deadline is None:
                    continue
                if deadline - datetime.timedelta(days=REMIND_DAYS_BEFORE) <= day <= deadline:
                    kind, key = "reporting.reminder", "due"
                elif day > deadline:
                    # Late: remind once a week until the report is in or entry locks.
                    kind, key = "reporting.late", f"late-w{day.isocalendar().week}"
                else:
                    continue
                done = Submission.objects.filter(
                    form_code=form.code, period=period, status__in=DONE
                ).values("unit_id")
                reporters = (
                    User.objects.filter(
                        is_active=True,
                        roles__code=ENTRY_ROLE[level],
                        unit__level=level,
                    )
                    .filter(valid_on_q(period.end_date, prefix="unit__"))
                    .exclude(unit_id__in=done)
                    .select_related("unit")
                    .distinct()
                )
                by_unit: dict[int, list[User]] = {}
                for user in reporters:
                    by_unit.setdefault(user.unit_id, []).append(user)
                for users in by_unit.values():
                    unit = users[0].unit
                    if kind == "reporting.reminder":
                        title = f"Sắp đến hạn nộp báo cáo {form.code} kỳ {period.label} ({deadline:%d/%m/%Y})"
                        run.due_soon += 1
                    else:
                        title = f"Báo cáo {form.code} kỳ {period.label} đã quá hạn ({deadline:%d/%m/%Y})"
                        run.late += 1
                    notify(
                        recipients=users,
                        kind=kind,
                        title=title,
                        body=f"“{form.name}” — {period.label} — {unit.name}. Hạn nộp: {deadline:%d/%m/%Y}.",
                        url=f"/reporting/{form.code}/{period.code}/{unit.code}/",
                        unit=unit,
                        dedupe_key=f"{key}:{form.code}:{period.code}:{unit.pk}",
                    )
    return run
