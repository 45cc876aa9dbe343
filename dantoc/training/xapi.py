"""Learning records as xAPI 1.0.3 statements, sent to an outside learning record store (LRS)
when one is configured (``DANTOC_XAPI_ENDPOINT``, with ``DANTOC_XAPI_USERNAME`` and
``DANTOC_XAPI_PASSWORD`` for HTTP Basic; off when the endpoint is empty).

Two statements: an official **passed** an e-learning course (score scaled and raw, success),
and **completed** a training event. The actor is an account on this platform, named by a
stable pseudonymous id (the one the certificates use), never by name or e-mail: an LRS outside
the platform must not receive personal data it does not need.

Sending: after the commit that records the learning, the statement is queued in the task
worker (``xapi_send_task``), which ``PUT``s it to ``<endpoint>/statements?statementId=<id>``
(xAPI 1.0.3 Communication §2.1.1). The id is a name-based UUID of what happened (the course
and learner, the event and participant), so a retry or a second queueing stores one
statement: an LRS answers ``204`` for a new statement and ``409`` for an id it already has,
both taken as done. Other answers and network errors are retried with growing delays
(1, 5, 30 minutes, 2 and 12 hours), then logged as given up.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)
VERSION = "1.0.3"
NAMESPACE = uuid.UUID("0b6f4c44-8d8e-4d52-bf4b-1f7f7a3c0e21")
VERBS = {
    "passed": ("http://adlnet.gov/expapi/verbs/passed", "đạt", "passed"),
    "completed": ("http://adlnet.gov/expapi/verbs/completed", "hoàn thành", "completed"),
}
COURSE = "http://adlnet.gov/expapi/activities/course"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
RETRY_MINUTES = (1, 5, 30, 120, 720)


def _site() -> str:
    return (settings.SITE_URL or "http://localhost:8000").rstrip("/")


def endpoint() -> str:
    return (getattr(settings, "XAPI_ENDPOINT", "") or "").rstrip("/")


def _actor(user_ref: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": _site(), "name": user_ref}}


def _verb(name: str) -> dict:
    iri, vi, en = VERBS[name]
    return {"id": iri, "display": {"vi-VN": vi, "en-US": en}}


def _activity(url: str, kind: str, title: str) -> dict:
    return {
        "objectType": "Activity",
        "id": f"{_site()}{url}",
        "definition": {"type": kind, "name": {"vi-VN": title}},
    }


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def course_passed(*, user_ref: str, course, score: int, at: datetime.datetime, url: str) -> dict:
    """The statement that the learner ``user_ref`` passed ``course`` with ``score`` (%)."""
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"passed/{course.uuid}/{user_ref}")),
        "actor": _actor(user_ref),
        "verb": _verb("passed"),
        "object": _activity(url, COURSE, course.title),
        "result": {
            "score": {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100},
            "success": True,
            "completion": True,
        },
        "timestamp": _stamp(at),
        "version": VERSION,
    }


def event_completed(*, user_ref: str, event, at: datetime.datetime, url: str) -> dict:
    """The statement that the participant ``user_ref`` completed the training ``event``."""
    return {
        "id": str(uuid.uuid5(NAMESPACE, f"completed/{event.uuid}/{user_ref}")),
        "actor": _actor(user_ref),
        "verb": _verb("completed"),
        "object": _activity(url, MEETING, event.title),
        "result": {"completion": True},
        "timestamp": _stamp(at),
        "version": VERSION,
    }


def record(statement: dict) -> bool:
    """Queue ``statement`` for the LRS after the current transaction commits (nothing when
    no LRS is configured). Returns whether it will be sent."""
    if not endpoint():
        return False
    transaction.on_commit(lambda: xapi_send_task.enqueue(statement, 0))
    return True


class LrsError(Exception):
    pass


def statement_send(statement: dict, *, timeout: float = 20) -> int:
    """PUT one statement to the LRS; its HTTP status (204 stored, 409 already there). Raises
    ``LrsError`` for any other answer or a network failure."""
    url = f"{endpoint()}/statements?statementId={statement['id']}"
    request = urllib.request.Request(
        url,
        data=json.dumps(statement, ensure_ascii=False).encode(),
        method="PUT",
        headers={"Content-Type": "application/json", "X-Experience-API-Version": VERSION},
    )
    user = getattr(settings, "XAPI_USERNAME", "")
    if user:
        secret = f"{user}:{getattr(settings, 'XAPI_PASSWORD', '')}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(secret).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            if error.code == 409:
                return 409
            body = error.read()[:300].decode(errors="replace")
            raise LrsError(f"LRS answered {error.code}: {body}") from None
    except (urllib.error.URLError, OSError) as error:
        raise LrsError(f"LRS not reachable: {error}") from None


@task()
def xapi_send_task(statement: dict, attempt: int = 0) -> str:
    try:
        status = statement_send(statement)
    except LrsError as error:
        if attempt < len(RETRY_MINUTES):
            later = timezone.now() + datetime.timedelta(minutes=RETRY_MINUTES[attempt])
            xapi_send_task.using(run_after=later).enqueue(statement, attempt + 1)
            logger.warning("xAPI statement %s: %s; retried later", statement["id"], error)
            return f"retry {attempt + 1}"
        logger.error("xAPI statement %s given up: %s", statement["id"], error)
        return "given up"
    return str(status)
