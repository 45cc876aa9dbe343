"""The programme catalogue: programme → project → sub-project → content, kept as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Programme(models.Model):
    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    short_name = models.CharField(_("tên ngắn"), max_length=120, blank=True)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=400, blank=True)
    start_year = models.PositiveSmallIntegerField(_("năm bắt đầu"))
    end_year = models.PositiveSmallIntegerField(_("năm kết thúc"))
    phase_start_year = models.PositiveSmallIntegerField(
        _("giai đoạn từ năm"), null=True, blank=True
    )
    phase_end_year = models.PositiveSmallIntegerField(_("giai đoạn đến năm"), null=True, blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("chương trình")
        verbose_name_plural = _("chương trình")
        ordering = ["start_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_year__lte=models.F("end_year")),
                name="programme_years_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class ComponentLevel(models.TextChoices):
    PROJECT = "project", _("Dự án")
    SUBPROJECT = "subproject", _("Tiểu dự án")
    COMPONENT = "component", _("Hợp phần / nội dung")


class Component(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="components")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(_("mã"), max_length=32)
    level = models.CharField(_("cấp"), max_length=12, choices=ComponentLevel.choices)
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.CharField(_("tên"), max_length=600)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=600, blank=True)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("dự án / tiểu dự án")
        verbose_name_plural = _("dự án / tiểu dự án")
        ordering = ["programme_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="component_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"
