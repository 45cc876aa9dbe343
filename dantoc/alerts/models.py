"""Disaster warnings (cảnh báo thiên tai) published as OASIS CAP 1.2 messages.

One row of ``Alert`` is one CAP message: the first issue (msgType Alert), each update
(Update) and the cancellation (Cancel) are separate rows of the same ``thread``, never edited
after they are written, so the CAP document of a message stays the same at its address. The
newest row of a thread (``is_latest``) is what citizens see.

Risk levels and their colours: Decision 18/2021/QĐ-TTg, Article 4 and Appendix XII (level 1
light blue, 2 light yellow, 3 orange, 4 red, 5 purple).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class HazardInfo:
    name_en: str
    cap_category: str  # CAP 1.2 <category>


class Hazard(models.TextChoices):
    """The natural hazards of the Law on Natural Disaster Prevention (2013, amended 2020),
    Article 3, for which Decision 18/2021/QĐ-TTg sets risk levels."""

    FLASH_FLOOD = "lu_quet", _("Lũ quét")
    LANDSLIDE = "sat_lo_dat", _("Sạt lở đất, sụt lún đất")
    STORM = "bao", _("Bão")
    TROPICAL_DEPRESSION = "ap_thap_nhiet_doi", _("Áp thấp nhiệt đới")
    FLOOD = "lu_ngap_lut", _("Lũ, ngập lụt")
    HEAVY_RAIN = "mua_lon", _("Mưa lớn")
    COLD = "ret_dam_ret_hai", _("Rét đậm, rét hại")
    FROST = "suong_muoi", _("Sương muối")
    HEAT = "nang_nong", _("Nắng nóng")
    DROUGHT = "han_han", _("Hạn hán")
    SALINE = "xam_nhap_man", _("Xâm nhập mặn")
    THUNDERSTORM = "loc_set_mua_da", _("Lốc, sét, mưa đá")
    WIND_AT_SEA = "gio_manh_tren_bien", _("Gió mạnh trên biển")
    EARTHQUAKE = "dong_dat", _("Động đất")
    FOREST_FIRE = "chay_rung", _("Cháy rừng do tự nhiên")


HAZARD_INFO: dict[str, HazardInfo] = {
    Hazard.FLASH_FLOOD: HazardInfo("Flash flood", "Met"),
    Hazard.LANDSLIDE: HazardInfo("Landslide, land subsidence", "Geo"),
    Hazard.STORM: HazardInfo("Storm (typhoon)", "Met"),
    Hazard.TROPICAL_DEPRESSION: HazardInfo("Tropical depression", "Met"),
    Hazard.FLOOD: HazardInfo("Flood, inundation", "Met"),
    Hazard.HEAVY_RAIN: HazardInfo("Heavy rain", "Met"),
    Hazard.COLD: HazardInfo("Severe cold", "Met"),
    Hazard.FROST: HazardInfo("Frost", "Met"),
    Hazard.HEAT: HazardInfo("Heat wave", "Met"),
    Hazard.DROUGHT: HazardInfo("Drought", "Env"),
    Hazard.SALINE: HazardInfo("Saline intrusion", "Env"),
    Hazard.THUNDERSTORM: HazardInfo("Whirlwind, lightning, hail", "Met"),
    Hazard.WIND_AT_SEA: HazardInfo("Strong wind at sea", "Met"),
    Hazard.EARTHQUAKE: HazardInfo("Earthquake", "Geo"),
    Hazard.FOREST_FIRE: HazardInfo("Forest fire", "Fire"),
}


@dataclass(frozen=True)
class LevelInfo:
    word: str  # the level's name in Decision 18/2021 (lazy translation)
    colour_name: str
    css: str  # class of the banner (static/alerts/alerts.css)
    cap_severity: str


class RiskLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("Cấp độ 1")
    LEVEL_2 = 2, _("Cấp độ 2")
    LEVEL_3 = 3, _("Cấp độ 3")
    LEVEL_4 = 4, _("Cấp độ 4")
    LEVEL_5 = 5, _("Cấp độ 5")


# Severity: our mapping (CAP has four values, the decision five levels).
LEVELS: dict[int, LevelInfo] = {
    1: LevelInfo(_("Rủi ro nhỏ"), _("xanh dương nhạt"), "lv1", "Minor"),
    2: LevelInfo(_("Rủi ro trung bình"), _("vàng nhạt"), "lv2", "Moderate"),
    3: LevelInfo(_("Rủi ro lớn"), _("da cam"), "lv3", "Severe"),
    4: LevelInfo(_("Rủi ro rất lớn"), _("đỏ"), "lv4", "Extreme"),
    5: LevelInfo(_("Thảm họa"), _("tím"), "lv5", "Extreme"),
}


class AlertStatus(models.TextChoices):
    ACTUAL = "Actual", _("Thật (cảnh báo chính thức)")
    TEST = "Test", _("Thử nghiệm, diễn tập (không phải thật)")
    EXERCISE = "Exercise", _("Diễn tập có kịch bản (không phải thật)")


class MsgType(models.TextChoices):
    ALERT = "Alert", _("Phát mới")
    UPDATE = "Update", _("Cập nhật")
    CANCEL = "Cancel", _("Hủy")


class Alert(models.Model):
    """One CAP message. Rows are written once and never changed, except ``is_latest``, which
    is cleared when a later message of the same thread supersedes this one."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.UUIDField(_("chuỗi cảnh báo"), db_index=True)
    identifier = models.CharField(_("mã CAP"), max_length=120, unique=True)
    msg_type = models.CharField(_("loại tin"), max_length=8, choices=MsgType.choices)
    status = models.CharField(_("tính chất"), max_length=8, choices=AlertStatus.choices)
    hazard = models.CharField(_("loại thiên tai"), max_length=24, choices=Hazard.choices)
    level = models.PositiveSmallIntegerField(_("cấp độ rủi ro"), choices=RiskLevel.choices)
    sent = models.DateTimeField(_("thời điểm phát"))
    onset = models.DateTimeField(_("bắt đầu"))
    expires = models.DateTimeField(_("hết hiệu lực"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị phát")
    )
    communes = models.ManyToManyField("geo.Unit", related_name="+", verbose_name=_("các xã"))
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )
    is_latest = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # The token of the form that sent this message: a retried POST finds its row again.
    request_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("cảnh báo thiên tai")
        verbose_name_plural = _("cảnh báo thiên tai")
        ordering = ["-sent", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(is_latest=True), name="alert_one_latest_per_thread"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=5), name="alert_level_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(expires__gt=models.F("onset")), name="alert_expires_after_onset"
            ),
        ]
        indexes = [models.Index(fields=["is_latest", "expires"], name="alert_latest_expires")]

    def __str__(self) -> str:
        return f"{self.get_hazard_display()} — {self.get_level_display()} ({self.identifier})"

    @property
    def level_info(self) -> LevelInfo:
        return LEVELS[self.level]

    @property
    def is_drill(self) -> bool:
        return self.status != AlertStatus.ACTUAL

    @property
    def is_cancel(self) -> bool:
        return self.msg_type == MsgType.CANCEL


class AlertInfo(models.Model):
    """The words of a message in one language: a CAP ``<info>`` block. Vietnamese always; the
    ethnic languages and English when the officer wrote them."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="infos")
    language = models.CharField(_("ngôn ngữ"), max_length=12)
    headline = models.CharField(_("tiêu đề"), max_length=160)
    description = models.TextField(_("mô tả"))
    instruction = models.TextField(_("việc người dân cần làm"))

    class Meta:
        verbose_name = _("nội dung cảnh báo theo ngôn ngữ")
        verbose_name_plural = _("nội dung cảnh báo theo ngôn ngữ")
        ordering = ["alert_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "language"], name="alert_info_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.language}: {self.headline}"
