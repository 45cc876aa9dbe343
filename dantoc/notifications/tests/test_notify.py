"""Who is told, and how often: the rules of ``notify`` that reporting relies on."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dantoc.accounts.services import user_set_active
from dantoc.notifications.models import Notification
from dantoc.notifications.services import notify

pytestmark = pytest.mark.django_db

RETURNED = {
    "kind": "reporting.returned",
    "title": "Báo cáo quý 3/2025 bị trả lại",
    "body": "Lý do: thiếu số liệu hộ nghèo người Mông.",
}


def test_a_reminder_key_tells_each_recipient_once_but_tells_newcomers(people):
    key = "reminder:BM01:2025Q3:late"
    [first] = notify(recipients=[people.commune], dedupe_key=key, **RETURNED)
    again = notify(recipients=[people.commune, people.other_commune], dedupe_key=key, **RETURNED)
    assert first.recipient == people.commune
    assert [n.recipient for n in again] == [people.other_commune]
    assert Notification.objects.filter(dedupe_key=key).count() == 2


def test_notices_without_a_key_may_repeat(people):
    notify(recipients=[people.commune], **RETURNED)
    notify(recipients=[people.commune], **RETURNED)
    assert Notification.objects.filter(recipient=people.commune).count() == 2


def test_the_database_itself_refuses_a_second_notice_with_the_same_key(people):
    # What keeps two reminder jobs running at the same moment from both telling someone.
    fields = {"recipient": people.commune, "kind": "reporting.reminder", "title": "Nhắc hạn"}
    Notification.objects.create(dedupe_key="k", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(dedupe_key="k", **fields)


def test_a_reminder_job_that_loses_a_race_does_not_tell_anyone_twice(people, monkeypatch):
    key = "reminder:BM01:2025Q3:late"
    insert = Notification.objects.bulk_create

    def another_job_gets_there_first(objs, **kwargs):
        Notification.objects.create(
            recipient=people.commune, kind="reporting.reminder", title="Nhắc hạn", dedupe_key=key
        )
        return insert(objs, **kwargs)

    monkeypatch.setattr(Notification.objects, "bulk_create", another_job_gets_there_first)
    created = notify(recipients=[people.commune, people.other_commune], dedupe_key=key, **RETURNED)
    assert [n.recipient for n in created] == [people.other_commune]
    assert Notification.objects.filter(recipient=people.commune, dedupe_key=key).count() == 1


def test_inactive_accounts_are_not_told(people):
    user_set_active(actor=people.admin, user=people.other_commune, is_active=False)
    created = notify(recipients=[people.commune, people.other_commune.pk], **RETURNED)
    assert [n.recipient for n in created] == [people.commune]
    assert created[0].body == "Lý do: thiếu số liệu hộ nghèo người Mông."


@pytest.mark.parametrize(
    "url", ["https://ví-dụ.example/", "//evil.example/x", "/\\evil.example", "reporting/x"]
)
def test_links_must_stay_inside_the_platform(people, url):
    with pytest.raises(ValidationError):
        notify(recipients=[people.commune], url=url, **RETURNED)
    assert not Notification.objects.exists()


def test_a_long_title_is_shortened_and_kept_on_one_line(people):
    [notice] = notify(
        recipients=[people.commune],
        kind="reporting.submitted",
        title="Xã Lũng Cú\nđã nộp " + "báo cáo " * 60,
        body="",
    )
    assert "\n" not in notice.title
    assert len(notice.title) == 255 and notice.title.endswith("…")
