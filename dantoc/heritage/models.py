"""The heritage archive: festivals, rituals, customs, crafts, songs, costumes, instruments and
stories of the ethnic minorities, described in Dublin Core plus the platform's own fields,
with their photos, recordings, videos and documents (``media.MediaAsset``).

Communities keep control of what is shown (the "cultural protocols" of Mukurtu CMS): every
item and every media file belongs to one or more ``Protocol``s, open to all or limited to the
protocol's members (signed in); with several protocols the item's ``sharing`` says whether a
member of ANY of them may see it or only a member of ALL. Who may see what is decided in one
place, ``selectors.items_visible`` / ``selectors.media_visible``, read by every channel.
"""

from __future__ import annotations

import uuid as uuid_lib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dantoc.editorial.models import EditorialContent, EditorialTranslation


class ItemKind(models.TextChoices):
    FESTIVAL = "festival", _("Lễ hội")
    RITUAL = "ritual", _("Nghi lễ")
    CUSTOM = "custom", _("Phong tục")
    CRAFT = "craft", _("Nghề thủ công")
    SONG = "song", _("Dân ca")
    COSTUME = "costume", _("Trang phục")
    INSTRUMENT = "instrument", _("Nhạc cụ")
    STORY = "story", _("Truyện kể")


# Dublin Core type of each kind (DCMI Type Vocabulary).
DC_TYPE = {
    ItemKind.FESTIVAL: "Event",
    ItemKind.RITUAL: "Event",
    ItemKind.CUSTOM: "Event",
    ItemKind.CRAFT: "PhysicalObject",
    ItemKind.SONG: "Sound",
    ItemKind.COSTUME: "PhysicalObject",
    ItemKind.INSTRUMENT: "PhysicalObject",
    ItemKind.STORY: "Text",
}


class Season(models.TextChoices):
    SPRING = "spring", _("Mùa xuân")
    SUMMER = "summer", _("Mùa hè")
    AUTUMN = "autumn", _("Mùa thu")
    WINTER = "winter", _("Mùa đông")
    ALL_YEAR = "all_year", _("Quanh năm")


class Sharing(models.TextChoices):
    ANY = "any", _("Thành viên của một trong các giao thức")
    ALL = "all", _("Thành viên của tất cả các giao thức")


class ProtocolKind(models.TextChoices):
    OPEN = "open", _("Mở cho mọi người")
    COMMUNITY = "community", _("Chỉ thành viên cộng đồng")


class Protocol(models.Model):
    """An access rule a community sets (a sacred ritual, a seasonal song…)."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=12, choices=ProtocolKind.choices)
    community = models.CharField(_("cộng đồng"), max_length=200, blank=True)
    ethnic_group = models.ForeignKey(
        "geo.EthnicGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice = models.CharField(
        _("thông báo hiện trên tư liệu"),
        max_length=300,
        blank=True,
        help_text=_("Ví dụ: “Chỉ dùng trong cộng đồng”, “Ghi công cộng đồng người Dao”."),
    )
    # A seasonal protocol ("seen only in the months of the festival"): the months (1-12) in
    # which it can be passed, stored as ",1,2,"; empty: all year.
    months = models.CharField(_("chỉ trong các tháng"), max_length=40, blank=True, default="")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="heritage_protocols"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("giao thức văn hoá")
        verbose_name_plural = _("giao thức văn hoá")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == ProtocolKind.OPEN


class Membership(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_steward = models.BooleanField(_("người quản lý giao thức"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thành viên cộng đồng")
        verbose_name_plural = _("thành viên cộng đồng")
        constraints = [
            models.UniqueConstraint(fields=["protocol", "user"], name="heritage_one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.protocol_id}:{self.user_id}"


class HeritageItem(EditorialContent):
    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    # The unit that owns the record (its editors act on it): a province or a commune.
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("loại di sản"), max_length=12, choices=ItemKind.choices)
    # Dublin Core
    title = models.CharField(_("tên"), max_length=250)
    description = models.TextField(_("mô tả"))
    creator = models.CharField(_("người ghi chép / sưu tầm"), max_length=250, blank=True)
    subject = models.CharField(_("chủ đề (cách nhau bằng dấu ;)"), max_length=300, blank=True)
    date = models.CharField(_("thời gian ghi nhận"), max_length=40, blank=True)
    language = models.CharField(
        _("ngôn ngữ"), max_length=12, default="vi", help_text=_("Mã ngôn ngữ: vi, hmn, km…")
    )
    rights = models.CharField(_("quyền"), max_length=300, blank=True)
    licence = models.CharField(_("giấy phép"), max_length=60, default="CC BY-NC 4.0")
    # Our fields
    ethnic_groups = models.ManyToManyField("geo.EthnicGroup", related_name="+", blank=False)
    commune = models.ForeignKey(
        "geo.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("xã"),
        help_text=_("Xã nơi có di sản (xã trước hoặc sau sắp xếp 2025)."),
    )
    # The current province of the commune (or the owner), kept for browsing and OAI sets.
    province = models.ForeignKey(
        "geo.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    season = models.CharField(_("mùa"), max_length=10, choices=Season.choices, blank=True)
    lunar_month = models.PositiveSmallIntegerField(_("tháng âm lịch"), null=True, blank=True)
    lunar_day = models.PositiveSmallIntegerField(_("ngày âm lịch"), null=True, blank=True)
    time_note = models.CharField(_("ghi chú thời gian"), max_length=200, blank=True)
    community = models.CharField(_("cộng đồng"), max_length=200, blank=True)
    performers = models.TextField(
        _("người trình diễn / kể chuyện"),
        blank=True,
        help_text=_("Mỗi dòng một người; chỉ ghi tên khi người đó đã đồng ý."),
    )
    performers_consent = models.BooleanField(_("người trình diễn đã đồng ý công bố"), default=False)
    protocols = models.ManyToManyField(Protocol, related_name="items")
    sharing = models.CharField(
        _("chia sẻ"), max_length=3, choices=Sharing.choices, default=Sharing.ANY
    )
    search_text = models.TextField(editable=False, default="")
    # The ids of ``protocols``, sorted, as ",3,7,": the visibility rule reads it on the item's
    # own row (``selectors._item_visible_q``) instead of a sub-query per row, which PostgreSQL
    # turned into a hash of every item's protocols on each search. Kept by the services with
    # the relation (``services.item_protocols_set``).
    protocol_ids = models.CharField(max_length=400, default="", editable=False)

    class Meta:
        verbose_name = _("tư liệu di sản")
        verbose_name_plural = _("tư liệu di sản")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="heritage_item_datestamp"),
            # The list page: newest published first, walked until a page is full.
            models.Index(fields=["published_at", "id"], name="heritage_item_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lunar_month__isnull=True)
                | models.Q(lunar_month__gte=1, lunar_month__lte=12),
                name="heritage_lunar_month_range",
            ),
            models.CheckConstraint(
                condition=models.Q(lunar_day__isnull=True)
                | models.Q(lunar_day__gte=1, lunar_day__lte=30),
                name="heritage_lunar_day_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class HeritageWord(models.Model):
    """The archive's word index: one row per (folded syllable, item) with its weight (title
    occurrences count ten times). Every item is indexed, drafts included: a search joins the
    item and keeps only what the searcher may see (publication and cultural protocols), so
    the index itself never answers anyone. Scanning the folded text of 50,000 items with a
    regular expression took over a second a page (benchmarks/heritage_search.py)."""

    word = models.CharField(max_length=40)
    item = models.ForeignKey(HeritageItem, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("từ chỉ mục di sản")
        verbose_name_plural = _("từ chỉ mục di sản")
        constraints = [
            models.UniqueConstraint(fields=["word", "item"], name="heritage_word_item_unique")
        ]
        indexes = [
            models.Index(fields=["item"], name="heritage_word_item"),
            # A word's items by weight: the search walks it and stops at a full page.
            models.Index(fields=["word", "weight", "item"], name="heritage_word_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.word} → {self.item_id}"


class HeritageItemTranslation(EditorialTranslation):
    class Meta:
        verbose_name = _("bản dịch mục di sản")
        verbose_name_plural = _("bản dịch mục di sản")

    item = models.ForeignKey(HeritageItem, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)


class HeritageMedia(models.Model):
    """A file of an item, under its own protocols (a photo may be open while the recording of
    the ritual is for the community only)."""

    uuid = models.UUIDField(default=uuid_lib.uuid4, unique=True, editable=False)
    item = models.ForeignKey(HeritageItem, on_delete=models.CASCADE, related_name="media")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.PROTECT, related_name="+")
    caption = models.CharField(_("chú thích"), max_length=300, blank=True)
    protocols = models.ManyToManyField(Protocol, related_name="media")
    sharing = models.CharField(
        _("chia sẻ"), max_length=3, choices=Sharing.choices, default=Sharing.ANY
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("tệp của tư liệu di sản")
        verbose_name_plural = _("tệp của tư liệu di sản")

    def __str__(self) -> str:
        return self.caption or str(self.uuid)


class InventoryEntry(models.Model):
    """A festival or custom a province plans to digitise (its digitisation plan), done once an
    item describing it is published."""

    province = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    ethnic_group = models.ForeignKey("geo.EthnicGroup", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("tên lễ hội / phong tục"), max_length=250)
    kind = models.CharField(_("loại"), max_length=12, choices=ItemKind.choices)
    target_year = models.PositiveSmallIntegerField(_("năm hoàn thành theo kế hoạch"))
    item = models.ForeignKey(
        HeritageItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["province__code", "ethnic_group__code", "name"]
        verbose_name = _("mục kế hoạch số hoá")
        verbose_name_plural = _("kế hoạch số hoá")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "ethnic_group", "name"], name="heritage_inventory_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
