"""Background work of meetings (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dantoc.meetings import services


@task()
def invitation_emails_send_task(
    meeting_id: int, user_ids: list[int], method: str, sequence: int
) -> dict[str, Any]:
    """Queue the invitations in the outbox (channels sends them, with retries)."""
    return services.invitation_emails_send(
        meeting_id=meeting_id, user_ids=user_ids, method=method, sequence=sequence
    )


def on_meetings_invitations_changed(
    *, meeting_id: int, user_ids: list[int], method: str, sequence: int
) -> None:
    """Listener of ``meetings.invitations_changed`` (after commit): queue the iTIP e-mails."""
    invitation_emails_send_task.enqueue(meeting_id, user_ids, method, sequence)
