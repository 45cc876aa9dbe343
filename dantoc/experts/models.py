"""The expert database (issue 23): profiles with consent, verification, engagements.

Names follow the ORCID record v3.0 where a section matches (``qualifications``, ``works``,
``services``); fields of expertise are a taxonomy tied to the programme catalogue
(``programmes.Component``), kept as reference data (data/experts/fields.csv).

Consent follows the Personal Data Protection Law 2025 (Law 91/2025/QH15) and Decree
13/2023/NĐ-CP: the expert chooses what is public (the summary) and whether officials may see
the restricted part (contact, documents); each choice is kept as a ``ConsentRecord`` with its
purpose and time. A withdrawn consent or a deletion request hides the profile everywhere at
once, because every page, the API, exports and matching read the same selectors, which test
``consent_withdrawn_at`` and ``deletion_requested_at``.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertiseField(models.Model):
    """A field of expertise: a node of a small tree whose top level follows the programme's
    projects (DA1…DA10) and whose leaves are the sub-projects or narrower themes."""

    code = models.CharField(_("mã"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    component = models.ForeignKey(
        "programmes.Component",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dự án / tiểu dự án"),
    )
    name = models.CharField(_("tên"), max_length=300)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("lĩnh vực chuyên môn")
        verbose_name_plural = _("lĩnh vực chuyên môn")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    @property
    def top_code(self) -> str:
        return self.code.split(".")[0]


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Sẵn sàng nhận việc")
    LIMITED = "limited", _("Có thể nhận việc ít")
    UNAVAILABLE = "unavailable", _("Hiện không nhận việc")


class LanguageLevel(models.TextChoices):
    NATIVE = "native", _("Tiếng mẹ đẻ")
    FLUENT = "fluent", _("Thông thạo")
    WORKING = "working", _("Giao tiếp được")
    BASIC = "basic", _("Biết ít")


LEVEL_WEIGHT = {"native": 4, "fluent": 3, "working": 2, "basic": 1}


class Expert(models.Model):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    # The expert's own sign-in (self-registration or an accepted invitation); empty for a
    # profile entered or imported by an official and not yet claimed.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expert_profile",
    )
    full_name = models.CharField(_("họ và tên"), max_length=150)
    photo = models.ForeignKey(
        "media.MediaAsset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.CharField(_("cơ quan, tổ chức"), max_length=300, blank=True)
    position = models.CharField(_("chức danh"), max_length=200, blank=True)
    summary = models.TextField(_("giới thiệu"), blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    availability = models.CharField(
        _("khả năng nhận việc"),
        max_length=12,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
    )
    fields = models.ManyToManyField(ExpertiseField, blank=True, related_name="experts")
    provinces = models.ManyToManyField("geo.Unit", blank=True, related_name="+")
    communes = models.ManyToManyField("geo.Unit", blank=True, related_name="+")
    ethnic_groups = models.ManyToManyField("geo.EthnicGroup", blank=True, related_name="+")

    # Restricted part: shown only to officials, and only when the expert allows it.
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    address = models.CharField(_("địa chỉ liên hệ"), max_length=300, blank=True)

    # Consent (the latest choice; the history is in ConsentRecord).
    consent_public = models.BooleanField(_("công khai phần tóm tắt"), default=False)
    consent_officials = models.BooleanField(_("cho cán bộ xem liên hệ và tài liệu"), default=False)
    consent_purpose = models.TextField(_("mục đích xử lý dữ liệu"), blank=True)
    consent_at = models.DateTimeField(_("đồng ý lúc"), null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(_("rút đồng ý lúc"), null=True, blank=True)
    deletion_requested_at = models.DateTimeField(_("yêu cầu xoá lúc"), null=True, blank=True)

    verified_at = models.DateTimeField(_("xác minh lúc"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_note = models.CharField(_("ghi chú xác minh"), max_length=500, blank=True)

    # An invitation by an official: the link's secret (cleared once used).
    invite_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    # Folded words for search, and the codes of the facets, kept by services.expert_reindex:
    # " DA1 DA3.2 " so that a filter or the matching reads one row, not five joins.
    search_text = models.TextField(editable=False, default="")
    field_codes = models.CharField(max_length=500, editable=False, default="")
    province_codes = models.CharField(max_length=500, editable=False, default="")
    ethnic_codes = models.CharField(max_length=300, editable=False, default="")
    language_codes = models.CharField(max_length=300, editable=False, default="")
    # The average evaluation of the expert's engagements (kept by services.engagement_record).
    rating_avg = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("chuyên gia")
        verbose_name_plural = _("chuyên gia")
        ordering = ["full_name", "pk"]
        indexes = [models.Index(fields=["consent_withdrawn_at", "deletion_requested_at"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_hidden(self) -> bool:
        return self.consent_withdrawn_at is not None or self.deletion_requested_at is not None

    @property
    def is_public(self) -> bool:
        return self.consent_public and self.consent_at is not None and not self.is_hidden

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


class ExpertLanguage(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("ngôn ngữ"), max_length=8)
    level = models.CharField(_("mức độ"), max_length=8, choices=LanguageLevel.choices)

    class Meta:
        verbose_name = _("ngôn ngữ")
        verbose_name_plural = _("ngôn ngữ")
        constraints = [
            models.UniqueConstraint(fields=["expert", "code"], name="expert_language_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.level}"


class ActivityKind(models.TextChoices):
    # ORCID v3.0 activity sections.
    EDUCATION = "educations", _("Học vấn")
    QUALIFICATION = "qualifications", _("Bằng cấp, chứng chỉ")
    WORK = "works", _("Công trình, ấn phẩm")
    SERVICE = "services", _("Dự án đã tham gia")


class ExpertActivity(models.Model):
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("loại"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("tên"), max_length=400)
    organisation = models.CharField(_("nơi cấp / nơi thực hiện"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    url = models.URLField(_("liên kết (DOI, trang)"), blank=True)

    class Meta:
        verbose_name = _("quá trình, công trình")
        verbose_name_plural = _("quá trình, công trình")
        ordering = ["kind", "-year", "pk"]

    def __str__(self) -> str:
        return self.title


class ExpertDocument(models.Model):
    """A document (CV, diploma scan) kept through the media pipeline; restricted."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="documents")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tên tài liệu"), max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["-uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ConsentAction(models.TextChoices):
    GIVEN = "given", _("Đồng ý")
    CHANGED = "changed", _("Thay đổi phạm vi")
    WITHDRAWN = "withdrawn", _("Rút đồng ý")
    IMPORTED = "imported", _("Đồng ý ghi trong danh sách nhập")
    DELETION = "deletion", _("Yêu cầu xoá dữ liệu")


class ConsentRecord(models.Model):
    """One consent decision, kept as evidence (Decree 13/2023, Art. 11: consent must be
    demonstrable): what was allowed, for which purpose, when, by whom."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(_("hành động"), max_length=12, choices=ConsentAction.choices)
    public = models.BooleanField(_("công khai tóm tắt"))
    officials = models.BooleanField(_("cán bộ xem phần hạn chế"))
    purpose = models.TextField(_("mục đích"))
    at = models.DateTimeField(_("lúc"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("bản ghi đồng ý")
        verbose_name_plural = _("bản ghi đồng ý")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%d/%m/%Y}"


class EngagementKind(models.TextChoices):
    SUBPROJECT = "subproject", _("Tiểu dự án / dự án")
    EVENT = "event", _("Hội nghị, tập huấn")
    MEETING = "meeting", _("Cuộc họp")


class Engagement(models.Model):
    """An expert's service to the programme, recorded by an official, with an evaluation."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="engagements")
    kind = models.CharField(_("loại"), max_length=12, choices=EngagementKind.choices)
    component = models.ForeignKey(
        "programmes.Component",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dự án / tiểu dự án"),
    )
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("địa bàn")
    )
    title = models.CharField(_("nội dung"), max_length=300)
    started_on = models.DateField(_("từ ngày"))
    ended_on = models.DateField(_("đến ngày"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("đánh giá (1–5)"), null=True, blank=True)
    evaluation = models.TextField(_("nhận xét"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    request_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("lần tham gia")
        verbose_name_plural = _("lần tham gia")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="engagement_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return self.title
