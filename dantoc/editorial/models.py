"""The editorial workflow's models: what any kind of published content carries.

A content model (portal articles and legal documents today; heritage items, library items,
citizen information, training materials and expert profiles next) inherits
``EditorialContent`` for its publication state and, when it is translated,
``EditorialTranslation`` for each translation; the services of ``editorial.services`` move
both through their states. An edit to something already public waits as a
``ContentRevision`` (``editorial.revisions``).

The rules every such row keeps:

* nothing is ever deleted: ``deleted_at`` marks a tombstone, and ``first_published_at`` (set
  once) says whether the public (and sync subscribers) have ever seen the item;
* an item is public when ``status == published``, ``published_at <= now`` and ``deleted_at``
  is empty (``publicly_visible_q``); a scheduled item waits in ``review`` (or ``draft``) with
  ``publish_at`` set until ``content_publish_due`` makes it live;
* ``updated_at`` moves on every change made through a service;
* the item has a ``unit`` (who owns it): the editors allowed to act on it are those whose
  scope covers that unit.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    REVIEW = "review", _("Chờ duyệt")
    PUBLISHED = "published", _("Đã xuất bản")
    ARCHIVED = "archived", _("Đã gỡ")


def publicly_visible_q(now=None, prefix: str = "") -> Q:
    """The one definition of "the public sees it", shared by selectors and the sync feeds;
    ``prefix`` ("item__") states it for the rows of another table that point at the content."""
    now = now or timezone.now()
    return Q(
        **{
            f"{prefix}status": Status.PUBLISHED,
            f"{prefix}published_at__lte": now,
            f"{prefix}deleted_at__isnull": True,
        }
    )


class EditorialContent(models.Model):
    """Publication state of a content item (draft → review → published → archived)."""

    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    publish_at = models.DateTimeField(_("hẹn giờ xuất bản"), null=True, blank=True)
    published_at = models.DateTimeField(_("ngày xuất bản"), null=True, blank=True)
    first_published_at = models.DateTimeField(_("xuất bản lần đầu"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("đã xoá lúc"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("gửi duyệt lúc"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người gửi duyệt"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    updated_at = models.DateTimeField(
        _("cập nhật lúc"), default=timezone.now, db_index=True, editable=False
    )

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_public(self) -> bool:
        return (
            self.status == Status.PUBLISHED
            and self.deleted_at is None
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status in (Status.DRAFT, Status.REVIEW)
            and self.deleted_at is None
            and self.publish_at is not None
        )


class TranslationStatus(models.TextChoices):
    DRAFT = "draft", _("Bản dịch nháp")
    REVIEW = "review", _("Bản dịch chờ duyệt")
    PUBLISHED = "published", _("Bản dịch đã duyệt")


class EditorialTranslation(models.Model):
    """The item in one other language (Vietnamese is the item itself), with its own state: a
    translation is shown only once published, and a second person publishes it."""

    language = models.CharField(
        _("ngôn ngữ"), max_length=12, help_text=_('Mã ngôn ngữ: "en", "hmn" (H\'Mông), "km"…')
    )
    status = models.CharField(
        _("trạng thái bản dịch"),
        max_length=12,
        choices=TranslationStatus.choices,
        default=TranslationStatus.DRAFT,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người gửi duyệt bản dịch"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người duyệt bản dịch"),
    )
    published_at = models.DateTimeField(_("duyệt bản dịch lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True

    @property
    def is_published(self) -> bool:
        return self.status == TranslationStatus.PUBLISHED


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    REVIEW = "review", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt")
    DISCARDED = "discarded", _("Đã bỏ")


OPEN_REVISION_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.REVIEW)


class ContentRevision(models.Model):
    """A new version of a published content item, waiting for a second editor.

    While it is open (draft or review) the item itself, which everything public reads, keeps
    the published version; ``data`` holds the whole edited state of the item as JSON (fields,
    links as primary keys, translations, attachments), written and applied by
    ``editorial.revisions``, which knows nothing of the item's fields beyond what the item's
    registered handler tells it. An approved revision keeps the state it replaced in
    ``previous`` and gets the item's next version number (the first publication is version 1).

    The table is the one the portal created (``portal_contentrevision``): the model moved to
    this app without moving its rows.
    """

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=RevisionStatus.choices,
        default=RevisionStatus.DRAFT,
    )
    number = models.PositiveIntegerField(_("phiên bản"), null=True, blank=True)
    data = models.JSONField(_("nội dung sửa"), default=dict)
    previous = models.JSONField(_("nội dung trước khi duyệt"), null=True, blank=True)
    # Everyone who wrote into the revision: none of them may approve it.
    author_ids = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người sửa"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người gửi duyệt"),
    )
    submitted_at = models.DateTimeField(_("gửi duyệt lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người duyệt"),
    )
    decided_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    reason = models.TextField(_("lý do trả lại"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now, editable=False)

    class Meta:
        db_table = "portal_contentrevision"
        verbose_name = _("bản sửa nội dung")
        verbose_name_plural = _("bản sửa nội dung")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "status"], name="revision_item"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status__in=["draft", "review"]),
                name="revision_one_open_per_item",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"],
                condition=Q(number__isnull=False),
                name="revision_number_unique_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVISION_STATUSES
