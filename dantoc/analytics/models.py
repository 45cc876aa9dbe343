"""Roll-ups of approved and entered figures, computed indicators and targets.

``Rollup`` holds, for every unit, period, indicator and disaggregation, the sum and count of
the numeric values of the unit and of everything under it in the hierarchy in force for the
period: once over approved values only, once over all entered values. It is maintained in
the same transaction as the writes that change it (``rollups.rollups_refresh``), so a figure
can never disagree with the data under it and is current the moment a report is approved.
Communes' rows are not stored in ``Rollup`` (they would copy the values table, one row per
value): readers compute them from the values (``rollups.commune_rows``). ``RollupTotal``
keeps them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dantoc.indicators.models import LocalizedNameMixin


class RollupFigures(models.Model):
    """What both roll-up tables hold for their key."""

    # Fact tables like reporting.DataValue: codes are checked before anything is written,
    # so no database FK constraints, and the primary key serves every lookup.
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    period = models.ForeignKey(
        "reporting.Period", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    approved_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    approved_count = models.BigIntegerField(default=0)
    total_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    total_count = models.BigIntegerField(default=0)
    # When these figures last changed: the "data as of" of anything computed from them.
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class Rollup(RollupFigures):
    pk = models.CompositePrimaryKey("unit_id", "period_id", "indicator_id", "options_key")
    options_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("số liệu tổng hợp")
        verbose_name_plural = _("số liệu tổng hợp")

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.period_id}/{self.indicator_id}/{self.options_key}"


class RollupTotal(RollupFigures):
    """``Rollup`` summed over the disaggregations: one row per unit, period and indicator.

    Most questions (the national table, a province's communes, the dashboards) are not broken
    down by category; they read this table, which has a row for each of their cells instead
    of one for each disaggregation under it. Kept in the same transaction as ``Rollup`` by
    ``rollups.rollups_refresh``.
    """

    pk = models.CompositePrimaryKey("unit_id", "period_id", "indicator_id")

    class Meta:
        verbose_name = _("số liệu tổng hợp không phân tổ")
        verbose_name_plural = _("số liệu tổng hợp không phân tổ")
        # "Every commune, a few indicators and periods" ("last" over a year): a range per
        # indicator × period instead of a probe per commune.
        indexes = [
            models.Index(fields=["indicator", "period", "unit"], name="rolluptotal_ind_period_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.period_id}/{self.indicator_id}"


class RollupLatest(models.Model):
    """ "Last" indicators over a window of several reported periods (a year or a semester of
    quarterly reports): for every unit, the figures of each commune under it taken from the
    commune's latest reported period with data in the window, added up.

    Kept by ``rollups.rollups_refresh`` in the same transaction as ``Rollup``, for the windows
    that contain the periods a write touched, so that "capital disbursed this year" needs one
    row per unit instead of every commune's every quarter. Two choices of "latest" are kept
    side by side: the latest period with approved figures (``approved_*``), and the latest with
    any figures (``total_*``, with the approved count among them, to mark unapproved data).
    Each ``*_updated_at`` is the newest change time of the figures it was made from.
    """

    pk = models.CompositePrimaryKey("unit_id", "window_code", "indicator_id", "options_key")
    unit = models.ForeignKey(
        "geo.Unit", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    # The window's period id: "2026", "2026S2", "2026Q3" (of monthly reports).
    window_code = models.CharField(max_length=10)
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    options_key = models.CharField(max_length=200, blank=True, default="")
    approved_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    approved_count = models.BigIntegerField(default=0)
    approved_updated_at = models.DateTimeField(null=True)
    total_sum = models.DecimalField(max_digits=30, decimal_places=6, default=0)
    total_count = models.BigIntegerField(default=0)
    total_approved_count = models.BigIntegerField(default=0)
    total_updated_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("số liệu tổng hợp kỳ gần nhất")
        verbose_name_plural = _("số liệu tổng hợp kỳ gần nhất")

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.window_code}/{self.indicator_id}/{self.options_key}"


class RollupLatestPlan(models.Model):
    """The reported periods ``RollupLatest`` was made of for a window and indicator, latest
    last. The engine reads the table only while this still equals what it would choose
    itself (a new period or a form reported in other periods makes it compute live)."""

    pk = models.CompositePrimaryKey("window_code", "indicator_id")
    window_code = models.CharField(max_length=10)
    indicator = models.ForeignKey(
        "indicators.Indicator", on_delete=models.DO_NOTHING, related_name="+",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    # Period ids, comma-separated, in the order "latest" ranks them (the latest last).
    sources = models.TextField()

    class Meta:
        verbose_name = _("kỳ nguồn của số liệu kỳ gần nhất")
        verbose_name_plural = _("kỳ nguồn của số liệu kỳ gần nhất")

    def __str__(self) -> str:
        return f"{self.window_code}/{self.indicator_id}: {self.sources}"


class ComputedIndicator(LocalizedNameMixin, models.Model):
    """numerator / denominator × factor, evaluated after aggregation (a rate of sums, never a
    sum of rates). Numerator and denominator use the validation-rule grammar:
    ``#{VON_GN}``, ``#{VON_GN:NGUON_VON=TW}``, ``#{A} + #{B}``."""

    code = models.CharField(_("mã"), max_length=48, unique=True)
    name = models.CharField(_("tên"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    numerator = models.CharField(_("tử số"), max_length=1000)
    denominator = models.CharField(_("mẫu số"), max_length=1000, blank=True, default="")
    factor = models.DecimalField(_("hệ số"), max_digits=12, decimal_places=4, default=1)
    decimals = models.PositiveSmallIntegerField(_("số chữ số thập phân"), default=1)
    unit_of_measure = models.CharField(_("đơn vị tính"), max_length=60, blank=True)
    description = models.TextField(_("mô tả"), blank=True)

    class Meta:
        verbose_name = _("chỉ tiêu tính toán")
        verbose_name_plural = _("các chỉ tiêu tính toán")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Target(models.Model):
    """The figure a unit should reach in a year (kế hoạch, mục tiêu), for an indicator or a
    computed indicator, set by an officer of the unit or above."""

    code = models.CharField(_("chỉ tiêu"), max_length=48)
    unit = models.ForeignKey("geo.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"))
    value = models.DecimalField(_("mục tiêu"), max_digits=24, decimal_places=6)
    note = models.CharField(_("ghi chú"), max_length=400, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("các mục tiêu")
        constraints = [
            models.UniqueConstraint(fields=["code", "unit", "year"], name="target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.unit_id} {self.year} = {self.value}"


class MetadataVersion(models.Model):
    """One row whose ``value`` becomes a new random one, in the same transaction, whenever
    a table the analytics engine resolves a request from changes: units and successions,
    indicators and their categories, computed indicators, forms' rows and columns, periods.
    Database triggers set it (``metadata.triggers_install``, run after every ``migrate``),
    so a bulk load or a raw update moves it too. The engine keeps what it resolved from
    those tables in each process for as long as this value stays what it read."""

    value = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("phiên bản siêu dữ liệu phân tích")
        verbose_name_plural = _("phiên bản siêu dữ liệu phân tích")

    def __str__(self) -> str:
        return self.value
