"""The editorial workflow applied to a content type other than the portal's: a commune notice
(``notices.py``). Four eyes, scheduling, withdrawal, revisions of what is live and the state
of each translation work for it as they do for articles."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import PASSWORD
from dantoc.accounts.services import user_create
from dantoc.audit.models import AuditEntry
from dantoc.editorial import revisions, selectors, services
from dantoc.editorial.models import RevisionStatus, Status, TranslationStatus
from dantoc.editorial.revisions import RevisionHandler
from dantoc.editorial.tests.notices import CHANGES, Notice
from dantoc.geo.selectors import unit_get
from dantoc.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_editor(db):
    return user_create(
        actor=None,
        username="bientap.thongbao",
        password=PASSWORD,
        unit=unit_get(code="VN"),
        roles=["content_editor"],
        full_name="Biên tập viên thứ hai",
        check_password=False,
    )


@pytest.fixture
def notice(people):
    CHANGES.clear()
    return Notice.objects.create(
        unit=people.editor.unit, title="Lịch tiêm chủng tháng 12", created_by=people.editor
    )


def _actions(notice) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(notice.pk), action__startswith="notices.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_author_of_a_notice_cannot_publish_it_and_a_second_editor_can(
    people, second_editor, notice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.content_submit_for_review(actor=people.editor, item=notice)
    assert Notification.objects.filter(recipient=second_editor, kind="notices_review").exists()

    with pytest.raises(PermissionDenied, match="không tự xuất bản"):
        services.content_publish(actor=people.editor, item=notice)
    assert Notice.objects.get(pk=notice.pk).status == Status.REVIEW

    with pytest.raises(PermissionDenied):
        services.content_publish(actor=people.commune, item=notice)

    published = services.content_publish(actor=second_editor, item=notice)
    assert published.is_public and published.first_published_at is not None
    assert [("changed", notice.pk)] == CHANGES
    assert _actions(notice) == ["notices.notice_submit", "notices.notice_publish"]


def test_a_notice_is_scheduled_then_made_live_by_the_task_at_its_time(
    people, second_editor, notice
):
    services.content_submit_for_review(actor=people.editor, item=notice)
    when = timezone.now() + datetime.timedelta(hours=2)
    with pytest.raises(PermissionDenied):
        services.content_schedule(actor=people.editor, item=notice, publish_at=when)
    with pytest.raises(ValidationError):
        services.content_schedule(
            actor=second_editor, item=notice, publish_at=timezone.now() - datetime.timedelta(1)
        )

    services.content_schedule(actor=second_editor, item=notice, publish_at=when)
    stored = Notice.objects.get(pk=notice.pk)
    assert stored.is_scheduled and not stored.is_public
    assert services.content_publish_due(now=when - datetime.timedelta(minutes=1)) == 0
    assert services.content_publish_due(now=when + datetime.timedelta(seconds=1)) == 1
    stored = Notice.objects.get(pk=notice.pk)
    assert stored.status == Status.PUBLISHED and stored.published_at == when
    assert _actions(notice)[-2:] == ["notices.notice_schedule", "notices.notice_publish"]


def test_a_withdrawn_notice_leaves_the_public_and_stays_a_tombstone(people, second_editor, notice):
    services.content_submit_for_review(actor=people.editor, item=notice)
    services.content_publish(actor=second_editor, item=notice)
    CHANGES.clear()

    withdrawn = services.content_withdraw(actor=people.editor, item=notice)
    assert withdrawn.status == Status.ARCHIVED and not withdrawn.is_public
    assert withdrawn.first_published_at is not None
    assert [("changed", notice.pk)] == CHANGES
    # Published again only through review by a second person.
    services.content_submit_for_review(actor=people.editor, item=notice)
    with pytest.raises(PermissionDenied):
        services.content_publish(actor=people.editor, item=notice)


def test_a_translation_has_its_own_state_and_needs_a_second_person(
    people, second_editor, notice, django_capture_on_commit_callbacks
):
    services.content_submit_for_review(actor=people.editor, item=notice)
    services.content_publish(actor=second_editor, item=notice)

    # A live notice's translation cannot go live on its author's word alone.
    with pytest.raises(PermissionDenied):
        services.translation_save(
            actor=people.editor,
            item=notice,
            language="hmn",
            values={"title": "Hnub txhaj tshuaj"},
            status=TranslationStatus.PUBLISHED,
        )
    with pytest.raises(ValidationError):
        services.translation_save(actor=people.editor, item=notice, language="xx", values={})

    services.translation_save(
        actor=people.editor, item=notice, language="hmn", values={"title": "Hnub txhaj tshuaj"}
    )
    states = {s.language.code: s.status for s in selectors.translation_states(notice)}
    assert states["hmn"] == TranslationStatus.DRAFT and states["en"] == ""
    assert len(states) == 12  # every content language but the Vietnamese source
    notice = Notice.objects.prefetch_related("translations").get(pk=notice.pk)
    assert selectors.published_translation(notice, "hmn") is None  # a draft is not shown

    with django_capture_on_commit_callbacks(execute=True):
        services.translation_submit_for_review(actor=people.editor, item=notice, language="hmn")
    assert Notification.objects.filter(recipient=second_editor, kind="notices_review").exists()
    with pytest.raises(PermissionDenied, match="không tự duyệt"):
        services.translation_publish(actor=people.editor, item=notice, language="hmn")

    services.translation_publish(actor=second_editor, item=notice, language="hmn")
    notice = Notice.objects.prefetch_related("translations").get(pk=notice.pk)
    shown = selectors.published_translation(notice, "hmn")
    assert shown is not None and shown.published_by == second_editor

    services.translation_withdraw(actor=people.editor, item=notice, language="hmn")
    notice = Notice.objects.prefetch_related("translations").get(pk=notice.pk)
    assert selectors.published_translation(notice, "hmn") is None
    assert [a for a in _actions(notice) if "translation" in a] == [
        "notices.notice_translation_save",
        "notices.notice_translation_submit",
        "notices.notice_translation_publish",
        "notices.notice_translation_withdraw",
    ]


def test_an_edit_to_a_live_notice_waits_as_a_revision_for_a_second_editor(
    people, second_editor, notice
):
    revisions.register(
        RevisionHandler(
            model=Notice,
            app="notices",
            kind="notice",
            state=lambda n: {"title": n.title},
            apply=lambda *, actor, item, data: Notice.objects.filter(pk=item.pk).update(
                title=data["title"]
            ),
            fields=[("title", "Tiêu đề")],
            display=lambda key, value: str(value or ""),
            files=lambda state: set(),
            delete_file=lambda name: None,
            can_edit=lambda user, item, data: user.has_role("content_editor"),
            reviewers=lambda item, actor: services.reviewers(item, exclude=actor),
            notify=services.notify_after_commit,
            editor_url=lambda item: f"/thong-bao/{item.pk}/",
        )
    )
    services.content_submit_for_review(actor=people.editor, item=notice)
    services.content_publish(actor=second_editor, item=notice)

    revision = revisions.revision_write(
        actor=people.editor, item=notice, data={"title": "Lịch tiêm chủng (đã đổi)"}
    )
    revisions.revision_submit(actor=people.editor, revision=revision)
    assert Notice.objects.get(pk=notice.pk).title == "Lịch tiêm chủng tháng 12"
    with pytest.raises(PermissionDenied):
        revisions.revision_approve(actor=people.editor, revision=revision)

    approved = revisions.revision_approve(actor=second_editor, revision=revision)
    assert approved.status == RevisionStatus.APPROVED and approved.number == 2
    assert Notice.objects.get(pk=notice.pk).title == "Lịch tiêm chủng (đã đổi)"
    assert "notices.notice_revision_approve" in _actions(notice)
