"""Background work of meetings (django-tasks; ``manage.py db_worker`` runs it)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dantoc.meetings import services


class InvitationsNotSent(Exception):
    """Some invitation e-mails could not be sent (the worker logs each address)."""


@task()
def invitation_emails_send_task(
    meeting_id: int, user_ids: list[int], method: str, sequence: int
) -> dict[str, Any]:
    counts = services.invitation_emails_send(
        meeting_id=meeting_id, user_ids=user_ids, method=method, sequence=sequence
    )
    if counts["failed"]:
        raise InvitationsNotSent(f"{counts['failed']} of {len(user_ids)} invitations not sent")
    return counts


def on_meetings_invitations_changed(
    *, meeting_id: int, user_ids: list[int], method: str, sequence: int
) -> None:
    """Listener of ``meetings.invitations_changed`` (after commit): queue the iTIP e-mails."""
    invitation_emails_send_task.enqueue(meeting_id, user_ids, method, sequence)
