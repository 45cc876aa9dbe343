"""Indicators (chỉ tiêu) and their disaggregation categories.

A value's disaggregation is an explicit category → option map (ADX style), stored with a
canonical text key ("ETHNIC=08;SEX=F"), never as a generated combination id: the key can be
read by a person and rebuilt from the map, so two systems cannot disagree on what it means.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class LocalizedNameMixin:
    @property
    def localized_name(self) -> str:
        english = (get_language() or "vi").startswith("en")
        return self.name_en if english and getattr(self, "name_en", "") else self.name


class Category(LocalizedNameMixin, models.Model):
    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("nhóm phân tổ")
        verbose_name_plural = _("các nhóm phân tổ")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class CategoryOption(LocalizedNameMixin, models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("mã"), max_length=32)
    name = models.CharField(_("tên"), max_length=200)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("mục phân tổ")
        verbose_name_plural = _("các mục phân tổ")
        ordering = ["category_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_option_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}={self.code} {self.name}"


class ValueType(models.TextChoices):
    INTEGER = "integer", _("Số nguyên")
    NUMBER = "number", _("Số")
    PERCENTAGE = "percentage", _("Tỷ lệ %")
    TEXT = "text", _("Văn bản")
    BOOLEAN = "boolean", _("Có/Không")


NUMERIC_TYPES = {ValueType.INTEGER, ValueType.NUMBER, ValueType.PERCENTAGE}


class AggregationType(models.TextChoices):
    SUM = "sum", _("Cộng")
    AVERAGE = "average", _("Trung bình")
    LAST = "last", _("Giá trị cuối kỳ")
    NONE = "none", _("Không tổng hợp")


class Indicator(LocalizedNameMixin, models.Model):
    code = models.CharField(_("mã"), max_length=48, unique=True)
    name = models.CharField(_("tên"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=60, blank=True)
    value_type = models.CharField(_("kiểu giá trị"), max_length=12, choices=ValueType.choices)
    aggregation = models.CharField(
        _("cách tổng hợp"), max_length=10, choices=AggregationType.choices, default="sum"
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="indicators", verbose_name=_("phân tổ")
    )
    component = models.ForeignKey(
        "programmes.Component",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
        verbose_name=_("thuộc dự án"),
    )
    description = models.TextField(_("mô tả"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("các chỉ tiêu")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_numeric(self) -> bool:
        return self.value_type in NUMERIC_TYPES
