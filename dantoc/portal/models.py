"""The programme portal (Cổng thông tin thành phần Chương trình): articles, the legal documents
register, the agency directory.

Rows are written only by ``portal.services``; the integration app reads them to serve the sync
API and webhooks, so these rules hold for every row:

* ``uuid`` is the public, stable id (slugs and primary keys may change or differ between
  instances);
* ``updated_at`` moves on every change made through a service, so ``modified_since`` works;
* articles and documents follow the editorial workflow (``dantoc.editorial``: draft → review
  → published by a second editor, scheduled, withdrawn, revised, translated); its rules on
  tombstones (``deleted_at``, ``first_published_at``) and on what the public sees
  (``publicly_visible_q``) hold here: an unpublication or deletion of a once-public item must
  be sent to subscribers as a tombstone.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dantoc.editorial.models import (  # noqa: F401 (the names portal code and tests import)
    OPEN_REVISION_STATUSES,
    ContentRevision,
    EditorialContent,
    EditorialTranslation,
    RevisionStatus,
    Status,
    TranslationStatus,
    publicly_visible_q,
)


class PublishableContent(EditorialContent):
    """Fields shared by articles and legal documents (their publication state comes from the
    editorial workflow)."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị quản lý"),
        help_text=_("Bộ (VN) hoặc tỉnh sở hữu nội dung"),
    )
    areas = models.ManyToManyField(
        "geo.Unit",
        blank=True,
        related_name="+",
        verbose_name=_("địa bàn liên quan"),
        help_text=_("Các tỉnh mà nội dung liên quan tới"),
    )
    source = models.CharField(
        _("nguồn"),
        max_length=100,
        blank=True,
        help_text=_("Để trống, hoặc tên ứng dụng tích hợp đã gửi nội dung này"),
    )
    # Diacritics-free, lower-case text of the item (dantoc.core.text.fold), kept by the
    # services, so one portable LIKE finds "Quyết định 330" from "quyet dinh 330".
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        abstract = True


class ArticleKind(models.TextChoices):
    NEWS = "news", _("Tin tức")
    ACTIVITY = "activity", _("Hoạt động")
    POLICY = "policy", _("Chính sách")
    PAGE = "page", _("Trang chương trình")
    REPORT = "report", _("Báo cáo")


# Vietnamese addresses of the article sections: /cong-thong-tin/tin-tuc/…
SECTION_OF_KIND = {
    ArticleKind.NEWS: "tin-tuc",
    ArticleKind.ACTIVITY: "hoat-dong",
    ArticleKind.POLICY: "chinh-sach",
    ArticleKind.PAGE: "chuong-trinh",
    ArticleKind.REPORT: "bao-cao",
}
KIND_OF_SECTION = {section: kind for kind, section in SECTION_OF_KIND.items()}


class Article(PublishableContent):
    """News, activities, policies, programme pages and published reports."""

    kind = models.CharField(_("chuyên mục"), max_length=12, choices=ArticleKind.choices)
    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True, allow_unicode=False)
    title = models.CharField(_("tiêu đề"), max_length=300)
    summary = models.TextField(_("tóm tắt"), blank=True)
    body = models.TextField(_("nội dung"), blank=True, help_text=_("HTML đã làm sạch"))
    image = models.FileField(_("ảnh đại diện"), upload_to="portal/images/%Y/%m/", blank=True)
    image_alt = models.CharField(_("mô tả ảnh (alt)"), max_length=300, blank=True)
    # The same image in the media pipeline: phone-sized WebP/JPEG derivatives made by the task
    # worker. ``image`` stays the file the sync API and mirrors exchange.
    image_asset = models.ForeignKey(
        "media.MediaAsset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ảnh cho điện thoại"),
    )

    class Meta:
        verbose_name = _("bài viết")
        verbose_name_plural = _("bài viết")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "status", "published_at"], name="article_kind_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(image="") | ~Q(image_alt=""), name="article_image_has_alt"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal:article", args=[SECTION_OF_KIND[self.kind], self.slug])

    def translation_for(self, language: str | None = None) -> ArticleTranslation | None:
        """The translation in ``language`` (default: the active one), from prefetched rows."""
        language = (language or get_language() or "vi").split("-")[0]
        if language == "vi":
            return None
        for translation in self.translations.all():
            if translation.language == language and translation.is_published:
                return translation
        return None


class ArticleTranslation(EditorialTranslation):
    """An article in English or an ethnic language; Vietnamese is the article itself."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(_("tiêu đề"), max_length=300)
    summary = models.TextField(_("tóm tắt"), blank=True)
    body = models.TextField(_("nội dung"), blank=True)

    class Meta:
        verbose_name = _("bản dịch bài viết")
        verbose_name_plural = _("bản dịch bài viết")
        ordering = ["article_id", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="article_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"


class DocType(models.TextChoices):
    LAW = "luat", _("Luật")
    RESOLUTION = "nghi_quyet", _("Nghị quyết")
    DECREE = "nghi_dinh", _("Nghị định")
    DECISION = "quyet_dinh", _("Quyết định")
    CIRCULAR = "thong_tu", _("Thông tư")
    DIRECTIVE = "chi_thi", _("Chỉ thị")
    OFFICIAL_LETTER = "cong_van", _("Công văn")
    PLAN = "ke_hoach", _("Kế hoạch")
    NOTICE = "thong_bao", _("Thông báo")
    GUIDANCE = "huong_dan", _("Hướng dẫn")
    OTHER = "khac", _("Văn bản khác")


class LegalStatus(models.TextChoices):
    IN_FORCE = "in_force", _("Còn hiệu lực")
    AMENDED = "amended", _("Được sửa đổi, bổ sung")
    REPLACED = "replaced", _("Bị thay thế")
    EXPIRED = "expired", _("Hết hiệu lực")
    NOT_YET = "not_yet", _("Chưa có hiệu lực")


class LegalDocument(PublishableContent):
    """One entry of the legal documents register (văn bản)."""

    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True)
    number_symbol = models.CharField(_("số, ký hiệu"), max_length=80)
    doc_type = models.CharField(_("loại văn bản"), max_length=16, choices=DocType.choices)
    issuing_body = models.CharField(_("cơ quan ban hành"), max_length=200)
    signer = models.CharField(_("người ký"), max_length=150, blank=True)
    issued_on = models.DateField(_("ngày ban hành"))
    effective_on = models.DateField(_("ngày có hiệu lực"), null=True, blank=True)
    expires_on = models.DateField(_("ngày hết hiệu lực"), null=True, blank=True)
    abstract = models.TextField(_("trích yếu"))
    field = models.CharField(_("lĩnh vực"), max_length=150, blank=True)
    legal_status = models.CharField(
        _("tình trạng hiệu lực"),
        max_length=12,
        choices=LegalStatus.choices,
        default=LegalStatus.IN_FORCE,
    )
    body = models.TextField(_("nội dung, ghi chú"), blank=True, help_text=_("HTML đã làm sạch"))
    amends = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="amended_by",
        verbose_name=_("sửa đổi, bổ sung văn bản"),
    )
    replaces = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("thay thế văn bản"),
    )

    class Meta:
        verbose_name = _("văn bản")
        verbose_name_plural = _("văn bản")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "issued_on"], name="legaldoc_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(effective_on__isnull=True)
                | Q(expires_on__gte=models.F("effective_on")),
                name="legaldoc_validity_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()} {self.number_symbol}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal:document", args=[self.slug])

    @property
    def title(self) -> str:
        return str(self)


class AttachmentBase(models.Model):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    title = models.CharField(_("tên tệp"), max_length=255)
    file = models.FileField(_("tệp"), upload_to="portal/files/%Y/%m/")
    media_type = models.CharField(_("kiểu tệp"), max_length=100)
    size_bytes = models.PositiveBigIntegerField(_("dung lượng"))
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ArticleAttachment(AttachmentBase):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")

    class Meta(AttachmentBase.Meta):
        verbose_name = _("tệp đính kèm bài viết")
        verbose_name_plural = _("tệp đính kèm bài viết")


class LegalDocumentAttachment(AttachmentBase):
    document = models.ForeignKey(
        LegalDocument, on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(AttachmentBase.Meta):
        verbose_name = _("tệp đính kèm văn bản")
        verbose_name_plural = _("tệp đính kèm văn bản")


class AgencyRole(models.TextChoices):
    STEERING = "steering", _("Ban Chỉ đạo")
    STANDING = "standing", _("Cơ quan thường trực")
    MANAGING = "managing", _("Cơ quan chủ quản")
    IMPLEMENTING = "implementing", _("Cơ quan thực hiện")
    COORDINATING = "coordinating", _("Cơ quan phối hợp")


AGENCY_ROLE_EN = {
    AgencyRole.STEERING: "Steering committee",
    AgencyRole.STANDING: "Standing body",
    AgencyRole.MANAGING: "Managing body",
    AgencyRole.IMPLEMENTING: "Implementing body",
    AgencyRole.COORDINATING: "Coordinating body",
}


class Agency(models.Model):
    """A body that steers or implements the programme, with contacts. Name, address and
    description are also kept in English (Decree 42/2022/NĐ-CP, art. 4)."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("cấp, địa bàn")
    )
    name = models.CharField(_("tên cơ quan"), max_length=250)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=250, blank=True)
    role = models.CharField(_("vai trò"), max_length=16, choices=AgencyRole.choices)
    description = models.TextField(_("chức năng, nhiệm vụ"), blank=True)
    description_en = models.TextField(_("chức năng, nhiệm vụ (tiếng Anh)"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    address_en = models.CharField(_("địa chỉ (tiếng Anh)"), max_length=300, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=60, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang thông tin"), blank=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=100)
    search_text = models.TextField(blank=True, editable=False)
    deleted_at = models.DateTimeField(_("đã xoá lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(
        _("cập nhật lúc"), default=timezone.now, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("danh bạ cơ quan")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def localized_name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def localized_address(self) -> str:
        if (get_language() or "vi").startswith("en") and self.address_en:
            return self.address_en
        return self.address

    @property
    def localized_description(self) -> str:
        if (get_language() or "vi").startswith("en") and self.description_en:
            return self.description_en
        return self.description

    @property
    def localized_role(self) -> str:
        if (get_language() or "vi").startswith("en"):
            return AGENCY_ROLE_EN.get(self.role, self.get_role_display())
        return self.get_role_display()
