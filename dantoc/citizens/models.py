"""Information for ethnic-minority citizens (Thông tin cho đồng bào): policies explained in
plain words and practical items on health, education, farming, security and disasters.

One content type, ``CitizenItem``, follows the editorial workflow (``dantoc.editorial``:
draft → review → published by a second editor; translations with their own state). A policy
item ("chính sách giải thích") fills the who / what / how / where / deadline / contact fields
and names the legal document it comes from; a topic item (health, education…) uses the same
fields it needs. ``ItemReach`` counts views without tracking anybody.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dantoc.editorial.models import EditorialContent, EditorialTranslation


class Topic(models.TextChoices):
    POLICY = "chinh-sach", _("Chính sách")
    HEALTH = "y-te", _("Y tế, sức khoẻ")
    EDUCATION = "giao-duc", _("Học hành")
    FARMING = "nong-nghiep", _("Nông nghiệp và thị trường")
    SECURITY = "an-ninh", _("An ninh trật tự")
    DISASTER = "thien-tai", _("Phòng chống thiên tai")
    PRODUCTS = "san-pham", _("Sản phẩm địa phương")


# What each topic is about, in the plain words a citizen uses (shown under the topic name).
TOPIC_HINTS = {
    Topic.POLICY: _("Nhà nước hỗ trợ gì, ai được nhận, nộp giấy ở đâu"),
    Topic.HEALTH: _("Khám chữa bệnh, thẻ bảo hiểm y tế, mẹ và bé"),
    Topic.EDUCATION: _("Đi học, học bổng, tiền ăn, nhà ở cho học sinh"),
    Topic.FARMING: _("Trồng trọt, chăn nuôi, bán nông sản"),
    Topic.SECURITY: _("Giữ bình yên thôn bản, tránh bị lừa"),
    Topic.DISASTER: _("Mưa lũ, sạt lở, rét đậm: làm gì để an toàn"),
    Topic.PRODUCTS: _("Sản phẩm của xã, cách bán, cách mua"),
}

REGIONS = ("I", "II", "III")


class CitizenItem(EditorialContent):
    """A policy explained, or a practical item of one topic, in Vietnamese (its translations
    are ``CitizenItemTranslation`` rows)."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("đơn vị quản lý"),
        help_text=_("Bộ (VN) hoặc tỉnh soạn và chịu trách nhiệm về nội dung"),
    )
    topic = models.CharField(_("chủ đề"), max_length=16, choices=Topic.choices)
    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=200)
    summary = models.TextField(_("tóm tắt"), max_length=600)
    body = models.TextField(_("nội dung"), blank=True)
    for_whom = models.TextField(_("ai được hưởng"), blank=True)
    benefits = models.TextField(_("được hưởng gì"), blank=True)
    how_to_apply = models.TextField(_("làm thế nào"), blank=True)
    where_to_apply = models.TextField(_("nộp ở đâu"), blank=True)
    deadline = models.DateField(_("hạn cuối"), null=True, blank=True)
    contact = models.TextField(_("hỏi ai"), blank=True)
    legal_document = models.ForeignKey(
        "portal.LegalDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("văn bản căn cứ"),
    )
    # Where the item applies: communes of these regions (khu vực, comma-separated "I,III"),
    # and/or communes with especially disadvantaged villages; neither set = everywhere.
    regions = models.CharField(_("áp dụng cho khu vực"), max_length=12, blank=True)
    dbkk_villages = models.BooleanField(_("áp dụng cho thôn đặc biệt khó khăn"), default=False)
    # Folded text of the item and its published translations (dantoc.core.text.fold).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("thông tin cho đồng bào")
        verbose_name_plural = _("thông tin cho đồng bào")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["topic", "status", "published_at"], name="citizen_item_public")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("citizens:item", args=[self.topic, self.slug])

    @property
    def region_list(self) -> list[str]:
        return [r for r in self.regions.split(",") if r]

    @property
    def applies_everywhere(self) -> bool:
        return not self.region_list and not self.dbkk_villages


# The fields a translation carries (the same as the item's text fields).
TEXT_FIELDS = (
    "title",
    "summary",
    "body",
    "for_whom",
    "benefits",
    "how_to_apply",
    "where_to_apply",
    "contact",
)


class CitizenItemTranslation(EditorialTranslation):
    item = models.ForeignKey(CitizenItem, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(_("tiêu đề"), max_length=200)
    summary = models.TextField(_("tóm tắt"), blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    for_whom = models.TextField(_("ai được hưởng"), blank=True)
    benefits = models.TextField(_("được hưởng gì"), blank=True)
    how_to_apply = models.TextField(_("làm thế nào"), blank=True)
    where_to_apply = models.TextField(_("nộp ở đâu"), blank=True)
    contact = models.TextField(_("hỏi ai"), blank=True)

    class Meta:
        verbose_name = _("bản dịch thông tin cho đồng bào")
        verbose_name_plural = _("bản dịch thông tin cho đồng bào")
        ordering = ["item_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["item", "language"], name="citizen_translation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.title}"


class ItemReach(models.Model):
    """How many times an item was read, per month, province and language: a proxy for reach.

    The province comes from the commune the reader chose to keep on the phone (no IP
    geolocation), empty when none was chosen; no visitor, address or cookie id is stored.
    """

    item = models.ForeignKey(CitizenItem, on_delete=models.CASCADE, related_name="reach")
    month = models.DateField(_("tháng"))
    province_code = models.CharField(_("mã tỉnh"), max_length=10, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=12)
    views = models.PositiveIntegerField(_("lượt xem"), default=0)
    # Plays of the item's recording (a request for the start of the file, not its later
    # ranges) and presses of its share links: the same proxy, counted the same way.
    listens = models.PositiveIntegerField(_("lượt nghe"), default=0)
    shares = models.PositiveIntegerField(_("lượt chia sẻ"), default=0)

    class Meta:
        verbose_name = _("lượt xem")
        verbose_name_plural = _("lượt xem")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "month", "province_code", "language"],
                name="citizen_reach_unique",
            ),
            models.CheckConstraint(condition=Q(views__gte=0), name="citizen_reach_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.month:%Y-%m} {self.province_code or '-'} {self.language}"


class ItemAudio(models.Model):
    """A recording of the item read aloud in one language, with its transcript.

    Speech synthesis does not exist for these languages: an editor uploads a recording (kept
    by the media pipeline, checked by content, transcoded to Opus 24 kbit/s and AAC 32 kbit/s
    for 3G) and writes what is said. The public hears it once a second editor has listened
    to it (``approved_at``), and, for an ethnic language, while the item's translation in
    that language is published; a new recording or transcript waits for approval again."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    item = models.ForeignKey(CitizenItem, on_delete=models.CASCADE, related_name="audios")
    language = models.CharField(_("ngôn ngữ"), max_length=12)
    asset = models.ForeignKey(
        "media.MediaAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("tệp")
    )
    transcript = models.TextField(_("lời đọc"))
    author_ids = models.JSONField(_("người viết"), default=list, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người duyệt"),
    )
    approved_at = models.DateTimeField(_("duyệt lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("sửa lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("bản ghi âm")
        verbose_name_plural = _("bản ghi âm")
        ordering = ["item_id", "language"]
        constraints = [
            models.UniqueConstraint(fields=["item", "language"], name="citizen_audio_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.language}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


# --- market prices --------------------------------------------------------------------------


class MarketProduct(models.Model):
    """A main farm product whose price is followed (reference data:
    data/citizens/market_products.csv, loader ``citizens.market_products``)."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=120)
    unit = models.CharField(_("đơn vị tính"), max_length=20, help_text=_("kg, lít, con…"))
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("nông sản theo dõi giá")
        verbose_name_plural = _("nông sản theo dõi giá")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class MarketPrice(models.Model):
    """The price of one product at one market of a province on one day (đồng per the
    product's unit), entered by the province's officers or imported from their file."""

    province = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh")
    )
    market = models.CharField(_("chợ, nơi thu mua"), max_length=120)
    product = models.ForeignKey(
        MarketProduct, on_delete=models.PROTECT, related_name="prices", verbose_name=_("nông sản")
    )
    on = models.DateField(_("ngày"))
    price = models.PositiveIntegerField(_("giá (đồng)"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), default=timezone.now)

    class Meta:
        verbose_name = _("giá nông sản")
        verbose_name_plural = _("giá nông sản")
        ordering = ["-on", "product__order", "market"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "market", "product", "on"], name="citizen_price_unique"
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="citizen_price_positive"),
        ]
        indexes = [models.Index(fields=["province", "product", "on"], name="citizen_price_series")]

    def __str__(self) -> str:
        return f"{self.product_id} {self.market} {self.on}: {self.price}"


# --- OCOP products ----------------------------------------------------------------------------


class OcopGroup(models.TextChoices):
    """The six product groups of the OCOP programme (Decision 148/QĐ-TTg of 24 Feb 2023,
    the OCOP product evaluation and classification set)."""

    FOOD = "thuc-pham", _("Thực phẩm")
    DRINKS = "do-uong", _("Đồ uống")
    HERBS = "duoc-lieu", _("Dược liệu và sản phẩm từ dược liệu")
    HANDICRAFTS = "thu-cong", _("Thủ công mỹ nghệ")
    ORNAMENTAL = "sinh-vat-canh", _("Sinh vật cảnh")
    TOURISM = "du-lich", _("Dịch vụ du lịch cộng đồng, du lịch nông thôn")


class OcopProduct(EditorialContent):
    """A product of the OCOP programme ("Mỗi xã một sản phẩm") certified with a star rating
    by the province, written by the province's officers and published by a second one."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh")
    )
    slug = models.SlugField(_("đường dẫn"), max_length=120, unique=True)
    name = models.CharField(_("tên sản phẩm"), max_length=200)
    group = models.CharField(_("nhóm sản phẩm"), max_length=16, choices=OcopGroup.choices)
    producer = models.CharField(_("chủ thể sản xuất"), max_length=200)
    commune = models.ForeignKey(
        "geo.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("xã"),
    )
    description = models.TextField(_("giới thiệu"), max_length=3000)
    stars = models.PositiveSmallIntegerField(_("số sao OCOP"))
    certificate_number = models.CharField(_("số quyết định công nhận"), max_length=80)
    certified_on = models.DateField(_("ngày công nhận"))
    expires_on = models.DateField(_("hết hạn"))
    price = models.PositiveIntegerField(_("giá bán (đồng)"), null=True, blank=True)
    price_unit = models.CharField(_("đơn vị bán"), max_length=60, blank=True)
    how_to_buy = models.TextField(_("cách mua"), max_length=2000)
    created_at = models.DateTimeField(_("tạo lúc"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("sản phẩm OCOP")
        verbose_name_plural = _("sản phẩm OCOP")
        ordering = ["-stars", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__gte=3) & Q(stars__lte=5), name="citizen_ocop_stars"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("certified_on")), name="citizen_ocop_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("citizens:ocop_product", args=[self.slug])

    @property
    def certificate_valid(self) -> bool:
        return self.expires_on >= timezone.localdate()


class OcopPhoto(models.Model):
    """A photo of an OCOP product (kept by the media pipeline), first one = the share image."""

    product = models.ForeignKey(OcopProduct, on_delete=models.CASCADE, related_name="photo_set")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    alt = models.CharField(_("mô tả ảnh"), max_length=200)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("ảnh sản phẩm OCOP")
        verbose_name_plural = _("ảnh sản phẩm OCOP")
        ordering = ["product_id", "order", "id"]

    def __str__(self) -> str:
        return self.alt
