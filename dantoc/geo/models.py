"""Administrative units (versioned across the 2025 reform), area classification, ethnic groups.

The 2025 reform is represented, not overwritten: units that ceased on 30/06/2025 keep their
rows with ``valid_to`` set, the units in force from 01/07/2025 are new rows, and
``UnitSuccession`` says which old units (or parts of them) make up each new one.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

REFORM_DATE = datetime.date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = datetime.date(2025, 6, 30)


class UnitLevel(models.TextChoices):
    COUNTRY = "country", _("Quốc gia")
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


LEVEL_DEPTH = {
    UnitLevel.COUNTRY: 0,
    UnitLevel.PROVINCE: 1,
    UnitLevel.DISTRICT: 2,
    UnitLevel.COMMUNE: 3,
}


class UnitKind(models.TextChoices):
    COUNTRY = "quoc_gia", _("Quốc gia")
    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_tw", _("Thành phố trực thuộc trung ương")
    URBAN_DISTRICT = "quan", _("Quận")
    RURAL_DISTRICT = "huyen", _("Huyện")
    TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho_thuoc_tinh", _("Thành phố thuộc tỉnh")
    MUNICIPAL_CITY = "thanh_pho_thuoc_tp", _("Thành phố thuộc thành phố trực thuộc trung ương")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    TOWNSHIP = "thi_tran", _("Thị trấn")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")


class Unit(models.Model):
    code = models.CharField(_("mã"), max_length=10, db_index=True)
    name = models.CharField(_("tên"), max_length=200)
    short_name = models.CharField(_("tên ngắn"), max_length=150)
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    level = models.CharField(_("cấp"), max_length=10, choices=UnitLevel.choices)
    kind = models.CharField(_("loại"), max_length=24, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of primary keys, "/1/35/812/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["path"]
        constraints = [
            # A code is never reused (Decision 124/2004/QĐ-TTg); the same code may stand for
            # a unit before the reform and for the merged unit that kept it after.
            models.UniqueConstraint(
                fields=["code"], condition=Q(valid_to__isnull=True), name="unit_code_current_unique"
            ),
            models.UniqueConstraint(fields=["code", "valid_to"], name="unit_code_valid_to_unique"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=models.F("valid_to")),
                name="unit_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["level", "valid_to"], name="unit_level_valid_to")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    @property
    def reference_date(self) -> datetime.date | None:
        """A date on which this unit is in force, to build links that find this very row."""
        return self.valid_to

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class UnitSuccession(models.Model):
    """Old unit (or part of it) → new unit, as set by the 2025 reorganisation resolutions."""

    predecessor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="predecessions")
    partial = models.BooleanField(
        _("một phần"), default=False, help_text=_("Chỉ một phần đơn vị cũ nhập vào đơn vị mới")
    )
    effective_date = models.DateField(_("ngày hiệu lực"), default=REFORM_DATE)

    class Meta:
        verbose_name = _("chuyển đổi đơn vị")
        verbose_name_plural = _("chuyển đổi đơn vị")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="unit_succession_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.code} → {self.successor.code}"


class ClassificationScheme(models.TextChoices):
    REGION = "region", _("Khu vực (I/II/III)")
    DBKK_VILLAGE = "dbkk_village", _("Thôn đặc biệt khó khăn")


class AreaClassification(models.Model):
    """A versioned attribute of a unit: its region (khu vực I/II/III) or, for a village of the
    commune, the "especially disadvantaged" status. Decisions 861/QĐ-TTg and 612/QĐ-UBDT (2021)
    are keyed to pre-2025 communes; later decisions add rows with their own validity."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="classifications")
    scheme = models.CharField(_("phân loại"), max_length=16, choices=ClassificationScheme.choices)
    value = models.CharField(_("giá trị"), max_length=16)
    village_name = models.CharField(_("tên thôn"), max_length=150, blank=True)
    valid_from = models.DateField(_("hiệu lực từ"))
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    decision = models.CharField(_("căn cứ"), max_length=200)

    class Meta:
        verbose_name = _("phân loại vùng")
        verbose_name_plural = _("phân loại vùng")
        ordering = ["unit_id", "scheme", "village_name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "scheme", "village_name", "valid_from"],
                name="area_classification_unique",
            )
        ]

    def __str__(self) -> str:
        where = f"{self.village_name}, " if self.village_name else ""
        return f"{where}{self.unit.name}: {self.get_scheme_display()} {self.value}"


class EthnicGroup(models.Model):
    """One of Vietnam's 54 ethnic groups.

    ``code`` is the statistics office's list of Decision 1019/QĐ-TCTK (2008), used since the
    2009 census and by this platform on every screen and export; ``code_1979`` keeps the older
    Decision 121-TCTK/PPCĐ (1979) ordering still found in other systems.
    """

    code = models.CharField(_("mã (QĐ 1019/QĐ-TCTK)"), max_length=2, unique=True)
    code_1979 = models.CharField(_("mã (QĐ 121-TCTK/PPCĐ)"), max_length=2, unique=True)
    name = models.CharField(_("tên"), max_length=60, unique=True)
    other_names = models.CharField(_("tên gọi khác"), max_length=200, blank=True)
    search_name = models.CharField(max_length=300, editable=False)

    class Meta:
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def other_names_list(self) -> list[str]:
        return [n.strip() for n in self.other_names.split(";") if n.strip()]
