"""The e-library: documents on ethnic affairs (books, studies, reports, legal texts, teaching
materials, audio) described in Dublin Core, with their files kept by the media pipeline, their
text extracted from PDFs in the background, and an index of their words for search.

Items follow the shared editorial workflow (draft → review → published by a second person).
"""

from __future__ import annotations

import uuid as uuid_lib

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dantoc.editorial.models import EditorialContent


class DocumentType(models.TextChoices):
    # The Dublin Core type of each is in dc_type (DCMI Type Vocabulary).
    BOOK = "sach", _("Sách")
    STUDY = "nghien-cuu", _("Công trình nghiên cứu")
    THESIS = "luan-van", _("Luận văn, luận án")
    REPORT = "bao-cao", _("Báo cáo")
    LEGAL = "van-ban-phap-luat", _("Văn bản pháp luật")
    TEACHING = "tai-lieu-day-hoc", _("Tài liệu dạy và học")
    AUDIO = "am-thanh", _("Tài liệu âm thanh")


DC_TYPES = {DocumentType.AUDIO: "Sound"}  # everything else is "Text"


class TextState(models.TextChoices):
    NONE = "none", _("Không có văn bản")
    WAITING = "waiting", _("Đang chờ trích văn bản")
    READY = "ready", _("Đã trích văn bản")
    FAILED = "failed", _("Không trích được văn bản")


class Access(models.TextChoices):
    DOWNLOAD = "download", _("Được tải về")
    READ_ONLINE = "read", _("Chỉ đọc trực tuyến")


class LibraryItem(EditorialContent):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị quản lý")
    )
    doc_type = models.CharField(_("loại tài liệu"), max_length=20, choices=DocumentType.choices)
    # Dublin Core elements (dc:title, dc:creator…); lists are kept one value a line.
    title = models.CharField(_("nhan đề"), max_length=300)
    creators = models.TextField(_("tác giả"), blank=True, help_text=_("Mỗi dòng một tác giả."))
    contributors = models.TextField(_("người tham gia"), blank=True)
    publisher = models.CharField(_("nhà xuất bản, cơ quan ban hành"), max_length=200, blank=True)
    issued = models.CharField(
        _("năm xuất bản"),
        max_length=10,
        blank=True,
        help_text=_("Năm (2024) hoặc ngày (2024-05-30)."),
    )
    description = models.TextField(_("tóm tắt"), blank=True)
    subjects = models.TextField(_("chủ đề"), blank=True, help_text=_("Mỗi dòng một chủ đề."))
    language = models.CharField(_("ngôn ngữ"), max_length=12, default="vi")
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    identifier = models.CharField(
        _("số hiệu khác"),
        max_length=100,
        blank=True,
        help_text=_("Số ký hiệu văn bản, mã tài liệu…"),
    )
    licence = models.CharField(_("giấy phép"), max_length=100, blank=True)
    rights = models.CharField(_("quyền"), max_length=300, blank=True)
    access = models.CharField(
        _("cách dùng tệp"), max_length=10, choices=Access.choices, default=Access.DOWNLOAD
    )
    ethnic_groups = models.ManyToManyField(
        "geo.EthnicGroup", blank=True, related_name="+", verbose_name=_("dân tộc")
    )
    document = models.ForeignKey(
        "media.MediaAsset",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tệp tài liệu (PDF)"),
    )
    audio = models.ForeignKey(
        "media.MediaAsset",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tệp âm thanh"),
    )
    pages = models.PositiveIntegerField(_("số trang"), null=True, blank=True)
    text_state = models.CharField(
        _("văn bản toàn văn"), max_length=10, choices=TextState.choices, default=TextState.NONE
    )
    text_failure = models.CharField(_("lý do không trích được"), max_length=300, blank=True)
    full_text = models.TextField(_("toàn văn"), blank=True, editable=False)
    # fold() of the metadata, for the naive search and the word index's source.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("tài liệu thư viện")
        verbose_name_plural = _("tài liệu thư viện")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "published_at"], name="library_public")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:item", kwargs={"uuid": self.uuid})

    @property
    def creator_list(self) -> list[str]:
        return [c.strip() for c in self.creators.splitlines() if c.strip()]

    @property
    def contributor_list(self) -> list[str]:
        return [c.strip() for c in self.contributors.splitlines() if c.strip()]

    @property
    def subject_list(self) -> list[str]:
        return [c.strip() for c in self.subjects.splitlines() if c.strip()]

    @property
    def dc_type(self) -> str:
        return DC_TYPES.get(self.doc_type, "Text")

    @property
    def downloadable(self) -> bool:
        return self.access == Access.DOWNLOAD


class LibraryWord(models.Model):
    """The word index: one row per (folded syllable, item), with how often the syllable occurs
    in the item's metadata (weighted) and full text. A search looks up each query word here
    (an index seek), intersects the items and ranks them by the summed weights; scanning the
    folded text of 50,000 items with a regular expression was too slow (benchmarks/
    library_search.py prints both). Only public items are indexed, so the index never
    reveals a draft."""

    word = models.CharField(max_length=40)
    item = models.ForeignKey(LibraryItem, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("từ chỉ mục thư viện")
        verbose_name_plural = _("từ chỉ mục thư viện")
        constraints = [
            models.UniqueConstraint(fields=["word", "item"], name="library_word_item_unique")
        ]
        indexes = [
            models.Index(fields=["item"], name="library_word_item"),
            # A word's items by weight: the search walks it and stops at a full page.
            models.Index(fields=["word", "weight", "item"], name="library_word_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.word} → {self.item_id}"
