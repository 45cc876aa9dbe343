"""A fresh clone's e-mail (issue 17, defect 9): with no mail server configured, mail is written
to files a developer can read and administrators see on a page (never in production); a
failed send is a failed task, retried later, and listed with its error."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dantoc.notifications.models import Notification
from dantoc.notifications.tasks import EmailNotSent, notification_emails_send_task
from dantoc.notifications.tests.helpers import notice_for, with_email

pytestmark = pytest.mark.django_db

COMMUNE_MAIL = "xa.lungcu@tuyenquang.example.gov.vn"


def settings_in_a_fresh_process(**env) -> dict[str, str]:
    """EMAIL_* of config.settings as a new process sees them with only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DANTOC_")}
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'backend': settings.EMAIL_BACKEND, 'path': settings.EMAIL_FILE_PATH}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=str(settings_base()),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def settings_base():
    from django.conf import settings

    return settings.BASE_DIR


def test_a_fresh_clone_writes_mail_to_files_under_var():
    found = settings_in_a_fresh_process()
    assert found["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["path"].endswith("/var/mail")


def test_a_configured_mail_server_or_production_sends_by_smtp():
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    assert settings_in_a_fresh_process(DANTOC_EMAIL_HOST="mail.example.gov.vn")["backend"] == smtp
    production = {"DANTOC_PRODUCTION": "1", "DANTOC_SECRET_KEY": "x" * 50}
    assert settings_in_a_fresh_process(**production)["backend"] == smtp


@pytest.fixture
def mail_to_files(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.PRODUCTION = False
    return tmp_path / "mail"


def test_mail_written_to_files_is_listed_for_the_administrator(people, login, mail_to_files):
    notice = notice_for(with_email(people.commune, COMMUNE_MAIL), title="Báo cáo đã được duyệt")
    assert notification_emails_send_task.call([notice.pk])["sent"] == 1
    [written] = list(mail_to_files.glob("*.log"))
    assert f"To: {COMMUNE_MAIL}" in written.read_text(encoding="utf-8")  # readable on disk
    page = login(people.admin).get("/notifications/mail/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "[dantoc] Báo cáo đã được duyệt" in html and COMMUNE_MAIL in html
    assert "đã được tỉnh duyệt" in html  # the body, readable


def test_the_mail_page_lists_no_files_in_production(people, login, mail_to_files, settings):
    notice = notice_for(with_email(people.commune, COMMUNE_MAIL), title="Báo cáo đã được duyệt")
    notification_emails_send_task.call([notice.pk])
    settings.PRODUCTION = True
    html = login(people.admin).get("/notifications/mail/").content.decode()
    assert "Báo cáo đã được duyệt" not in html and "Thư đã ghi ra tệp" not in html


@pytest.mark.parametrize("persona", ["commune", "province", "ministry", "editor", "province_admin"])
def test_only_national_administrators_read_outgoing_mail(people, login, persona, mail_to_files):
    assert login(getattr(people, persona)).get("/notifications/mail/").status_code == 404


def test_a_failed_send_is_a_failed_task_retried_later_and_listed_with_its_error(
    people, login, smtp
):
    smtp.stop()
    notice = notice_for(with_email(people.commune, COMMUNE_MAIL))
    before = timezone.now()
    with pytest.raises(EmailNotSent, match=r"1 of 1 e-mails not sent \(attempt 1\); retry 2"):
        notification_emails_send_task.call([notice.pk])
    [retry] = DBTaskResult.objects.filter(task_path__endswith="notification_emails_send_task")
    assert retry.args_kwargs == {"args": [[notice.pk]], "kwargs": {"attempt": 2}}
    assert retry.run_after >= before + datetime.timedelta(minutes=1)
    notice.refresh_from_db()
    assert notice.emailed_at is None and "ConnectionRefusedError" in notice.email_error
    html = login(people.admin).get("/notifications/mail/").content.decode()
    assert "Thư chưa gửi được" in html and "ConnectionRefusedError" in html


def test_the_last_attempt_fails_without_scheduling_another(people, smtp):
    smtp.stop()
    notice = notice_for(with_email(people.commune, COMMUNE_MAIL))
    with pytest.raises(EmailNotSent, match="no retry left"):
        notification_emails_send_task.call([notice.pk], attempt=5)
    assert not DBTaskResult.objects.filter(task_path__endswith="notification_emails_send_task")
    assert Notification.objects.get(pk=notice.pk).emailed_at is None
