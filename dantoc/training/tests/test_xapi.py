"""Learning records sent as xAPI 1.0.3 statements to a learning record store. No LRS runs on
this machine and none is packaged on PyPI, so the store is a small HTTP server here that
answers as the xAPI 1.0.3 Communication part says for ``PUT /statements?statementId=`` (204
stored, 409 for an id it holds with other content); every statement it receives is read back
with TinCanPython (``tincan``, ADL's Python xAPI library), an independent model of the
statement format."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import tincan
from django_tasks_db.models import DBTaskResult

from dantoc.core.testing import free_port
from dantoc.training import services, xapi
from dantoc.training.models import Choice, Course, Lesson, Question

pytestmark = pytest.mark.django_db


class _Lrs(BaseHTTPRequestHandler):
    stored: dict = {}
    requests: list = []

    def do_PUT(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        body = json.loads(raw)
        self.requests.append((self.path, dict(self.headers), json.loads(raw)))
        if self.headers.get("X-Experience-API-Version") != "1.0.3":
            self.send_response(400)
        else:
            sid = query["statementId"][0]
            known = self.stored.get(sid)
            self.send_response(409 if known is not None and known != body else 204)
            self.stored.setdefault(sid, body)
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def lrs(settings):
    _Lrs.stored, _Lrs.requests = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Lrs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.XAPI_ENDPOINT = f"http://127.0.0.1:{server.server_port}/xapi/"
    settings.XAPI_USERNAME, settings.XAPI_PASSWORD = "dantoc", "bi-mat"
    settings.SITE_URL = "https://dantoc.example"
    yield _Lrs
    server.shutdown()
    server.server_close()


@pytest.fixture
def course(people):
    course = Course.objects.create(
        title="An toàn thông tin", unit=people.ministry.unit, pass_score=50, is_published=True
    )
    Lesson.objects.create(course=course, position=1, title="Bài 1", body="Nội dung.")
    question = Question.objects.create(course=course, position=1, text="Câu hỏi?")
    Choice.objects.create(question=question, text="Đúng", is_correct=True)
    Choice.objects.create(question=question, text="Sai", is_correct=False)
    return course


def _queued():
    return list(DBTaskResult.objects.filter(task_path__endswith="xapi_send_task").order_by("pk"))


def test_passing_a_course_sends_one_valid_statement_without_personal_data(
    lrs, people, course, django_capture_on_commit_callbacks
):
    answers = {q.pk: q.choices.get(is_correct=True).pk for q in course.questions.all()}
    with django_capture_on_commit_callbacks(execute=True):
        services.quiz_submit(actor=people.commune, course=course, answers=answers)
    with django_capture_on_commit_callbacks(execute=True):
        services.quiz_submit(actor=people.commune, course=course, answers=answers)  # again
    queued = _queued()
    assert len(queued) == 1  # passed once: one statement
    statement, attempt = queued[0].args_kwargs["args"]
    assert xapi.xapi_send_task.call(statement, attempt) == "204"
    path, headers, body = lrs.requests[0]
    assert path == f"/xapi/statements?statementId={statement['id']}"
    assert headers["Authorization"] == "Basic ZGFudG9jOmJpLW1hdA=="
    parsed = tincan.Statement(body)  # ADL's library reads it as a statement
    assert parsed.verb.id == "http://adlnet.gov/expapi/verbs/passed"
    assert parsed.result.success is True and parsed.result.score.scaled == 1.0
    assert parsed.object.id == f"https://dantoc.example/tap-huan/khoa-hoc/{course.uuid}/"
    assert parsed.actor.account.home_page == "https://dantoc.example"
    text = json.dumps(body, ensure_ascii=False)
    for personal in (people.commune.username, people.commune.full_name, people.commune.email):
        assert not personal or personal not in text
    # A retry stores nothing twice: the same id is answered 204 again.
    assert xapi.xapi_send_task.call(statement, 0) == "204"
    assert len(lrs.stored) == 1


def test_a_completed_training_is_a_completed_statement(
    lrs, people, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    event = services.event_create(
        actor=people.province, unit=people.province.unit, kind="training", title="Tập huấn",
        starts_at=start, ends_at=start + datetime.timedelta(hours=3), venue="Hội trường",
    )  # fmt: skip
    session = services.session_add(
        actor=people.province, event=event, title="Sáng", mode="in_person",
        starts_at=start, ends_at=start + datetime.timedelta(hours=3),
    )  # fmt: skip
    participant = services.participant_nominate(
        actor=people.province, event=event, nominee=people.commune
    )
    services.participant_confirm(actor=people.province, participant=participant)
    services.attendance_record(
        actor=people.province, session=session, participant=participant, method="qr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.event_complete(actor=people.province, event=event)
    (queued,) = _queued()
    statement, attempt = queued.args_kwargs["args"]
    assert xapi.xapi_send_task.call(statement, attempt) == "204"
    parsed = tincan.Statement(lrs.requests[0][2])
    assert parsed.verb.id == "http://adlnet.gov/expapi/verbs/completed"
    assert parsed.result.completion is True


def test_an_unreachable_store_is_retried_later_and_no_store_means_nothing_queued(
    settings, people, course, django_capture_on_commit_callbacks
):
    settings.XAPI_ENDPOINT = ""
    answers = {q.pk: q.choices.get(is_correct=True).pk for q in course.questions.all()}
    with django_capture_on_commit_callbacks(execute=True):
        services.quiz_submit(actor=people.commune, course=course, answers=answers)
    assert _queued() == []
    settings.XAPI_ENDPOINT = f"http://127.0.0.1:{free_port()}/xapi"  # nothing listens there
    statement = {"id": "6f1c1d52-0000-4000-8000-000000000001", "actor": {}, "verb": {}}
    assert xapi.xapi_send_task.call(statement, 0) == "retry 1"
    (retry,) = _queued()
    assert retry.args_kwargs["args"] == [statement, 1] and retry.run_after is not None
    assert xapi.xapi_send_task.call(statement, len(xapi.RETRY_MINUTES)) == "given up"
