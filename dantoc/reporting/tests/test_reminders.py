import datetime
import io

import pytest
from django.core.management import call_command

from dantoc.notifications.models import Notification
from dantoc.reporting import services
from dantoc.reporting.reminders import deadline_reminders_send

pytestmark = pytest.mark.django_db


def reminders(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind)


def test_reporters_are_reminded_before_the_deadline_once(
    people, von, django_capture_on_commit_callbacks
):
    # BM01-VON: communes must submit 10 days after the quarter ends (2026Q3 → 10/10/2026).
    with django_capture_on_commit_callbacks(execute=True):
        run = deadline_reminders_send(today=datetime.date(2026, 10, 8))
        deadline_reminders_send(today=datetime.date(2026, 10, 8))
    assert run.due_soon >= 2  # both demo communes of the test set
    [note] = reminders(people.commune, "reporting.reminder").filter(title__contains="Quý III/2026")
    assert "10/10/2026" in note.title and note.url == "/reporting/BM01-VON/2026Q3/00715/"
    assert not reminders(people.province, "reporting.reminder").exists()


def test_late_reports_are_flagged_and_submitted_ones_are_not(people, von, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 10, 5))
    q3 = services.period_resolve(period_type=von.period_type, code="2026Q3")
    services.submission_submit(actor=people.commune, form=von, unit=people.commune.unit, period=q3)
    deadline_reminders_send(today=datetime.date(2026, 10, 20))
    assert (
        not reminders(people.commune, "reporting.late")
        .filter(title__contains="Quý III/2026")
        .exists()
    )
    late = reminders(people.other_commune, "reporting.late").filter(title__contains="Quý III/2026")
    assert late.count() == 1 and "quá hạn" in late.get().title


def test_the_daily_command_queues_a_background_task_that_the_worker_runs(people, von):
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-10-08", stdout=out)
    assert "queued task" in out.getvalue()
    assert not reminders(people.commune, "reporting.reminder").exists()
    # What `manage.py db_worker` does with the queued row. (Its own loop opens an EXCLUSIVE
    # transaction, which SQLite refuses inside the test's transaction.)
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.get(
        task_path="dantoc.reporting.tasks.deadline_reminders_send_task"
    )
    worker = Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=1, worker_id="test",
    )  # fmt: skip
    queued.claim("test")
    worker.run_task(queued)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL", queued.traceback
    assert queued.return_value["due_soon"] >= 2
    assert (
        reminders(people.commune, "reporting.reminder")
        .filter(title__contains="Quý III/2026")
        .exists()
    )
