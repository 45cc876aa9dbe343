"""Open data sets published from approved, aggregated results.

A ``Dataset`` is a saved analytics definition (indicators × periods × units, with
disaggregations) plus the metadata a catalogue needs (DCAT-AP / CKAN). Publishing it makes a
``Release``: the figures frozen into files (CSV, JSON, XLSX), numbered 1, 2, 3… Releases are
never changed or deleted, so that every release keeps a stable address; when newly approved
figures change a published data set, a new release is made and the old ones stay.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dantoc.core.models import TimeStampedModel


class Licence(models.TextChoices):
    # Identifiers as CKAN's default licence list spells them, so harvesters map them.
    CC_BY = "cc-by", _("Creative Commons Ghi công 4.0 (CC BY 4.0)")
    CC_ZERO = "cc-zero", _("Creative Commons CC0 (không bảo lưu quyền)")
    ODC_BY = "odc-by", _("Open Data Commons Attribution (ODC-By)")


LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_ZERO: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.ODC_BY: "https://opendatacommons.org/licenses/by/1-0/",
}


class Frequency(models.TextChoices):
    # Codes of the EU Publications Office "frequency" authority table used by DCAT-AP.
    MONTHLY = "MONTHLY", _("Hằng tháng")
    QUARTERLY = "QUARTERLY", _("Hằng quý")
    SEMIANNUAL = "ANNUAL_2", _("Sáu tháng một lần")
    ANNUAL = "ANNUAL", _("Hằng năm")
    IRREGULAR = "IRREG", _("Không định kỳ")


class Theme(models.TextChoices):
    # Codes of the EU "data theme" authority table (DCAT-AP dcat:theme); CKAN groups.
    ECONOMY = "ECON", _("Kinh tế và tài chính")
    SOCIETY = "SOCI", _("Dân số và xã hội")
    EDUCATION = "EDUC", _("Giáo dục, văn hoá và thể thao")
    HEALTH = "HEAL", _("Y tế")
    AGRICULTURE = "AGRI", _("Nông nghiệp, lâm nghiệp, thuỷ sản")
    GOVERNMENT = "GOVE", _("Chính phủ và khu vực công")
    REGIONS = "REGI", _("Vùng và đô thị")


THEME_NAMES_EN = {
    Theme.ECONOMY: "Economy and finance",
    Theme.SOCIETY: "Population and society",
    Theme.EDUCATION: "Education, culture and sport",
    Theme.HEALTH: "Health",
    Theme.AGRICULTURE: "Agriculture, fisheries, forestry and food",
    Theme.GOVERNMENT: "Government and public sector",
    Theme.REGIONS: "Regions and cities",
}


class DatasetState(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    PUBLISHED = "published", _("Đã công bố")
    WITHDRAWN = "withdrawn", _("Đã ngừng công bố")


class Dataset(TimeStampedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # CKAN "name": lower-case letters, digits, - and _; the stable address of the data set.
    name = models.SlugField(_("tên định danh"), max_length=100, unique=True)
    title = models.CharField(_("tiêu đề"), max_length=300)
    title_en = models.CharField(_("tiêu đề tiếng Anh"), max_length=300)
    description = models.TextField(_("mô tả"))
    description_en = models.TextField(_("mô tả tiếng Anh"))
    publisher = models.ForeignKey(
        "geo.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan công bố")
    )
    licence = models.CharField(
        _("giấy phép"), max_length=16, choices=Licence.choices, default=Licence.CC_BY
    )
    frequency = models.CharField(
        _("tần suất cập nhật"),
        max_length=16,
        choices=Frequency.choices,
        default=Frequency.QUARTERLY,
    )
    theme = models.CharField(_("chủ đề"), max_length=8, choices=Theme.choices)
    contact_name = models.CharField(_("người liên hệ"), max_length=150)
    contact_email = models.EmailField(_("thư điện tử liên hệ"))

    # The analytics definition (see dantoc.analytics.query.AnalyticsRequest).
    indicators = models.JSONField(_("chỉ tiêu"), default=list)
    periods = models.JSONField(_("kỳ"), default=list)
    units = models.JSONField(_("đơn vị"), default=list)
    categories = models.JSONField(_("phân tổ"), default=list, blank=True)

    # Derived from the definition when it is saved, for the catalogue's filters.
    temporal_start = models.DateField(_("thời gian từ"), null=True, blank=True)
    temporal_end = models.DateField(_("thời gian đến"), null=True, blank=True)
    provinces = models.ManyToManyField(
        "geo.Unit", blank=True, related_name="+", verbose_name=_("tỉnh, thành phố")
    )
    spatial = models.CharField(_("phạm vi không gian"), max_length=300, blank=True)
    search_text = models.TextField(default="", editable=False)

    state = models.CharField(
        _("trạng thái"), max_length=12, choices=DatasetState.choices, default=DatasetState.DRAFT
    )
    published_at = models.DateTimeField(_("công bố lần đầu"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("bộ dữ liệu mở")
        verbose_name_plural = _("bộ dữ liệu mở")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["state", "updated_at"], name="opendata_state_modified"),
            # The catalogue's version (the newest change of any data set, see
            # selectors.catalogue_version) is read by every search: one step down this index.
            models.Index(fields=["updated_at"], name="opendata_modified"),
            models.Index(fields=["state", "theme"], name="opendata_state_theme"),
            models.Index(fields=["state", "publisher"], name="opendata_state_publisher"),
            # Covers the facet counts and the date filters of a search (see
            # selectors._facets): they read this index, not the rows. The id comes last
            # because a search reads its matches' ids: PostgreSQL can then answer from the
            # index alone (SQLite's indexes hold the row id anyway).
            models.Index(
                fields=[
                    "state",
                    "updated_at",
                    "publisher",
                    "theme",
                    "licence",
                    "temporal_start",
                    "temporal_end",
                    "created_at",
                    "id",
                ],
                name="opendata_search_covering_id",
            ),
            # Pages in name order (``sort=name asc``, what harvesters page through): the
            # published data sets' names and ids in order, read from the index alone.
            models.Index(fields=["state", "name", "id"], name="opendata_state_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def localized_title(self) -> str:
        english = (get_language() or "vi").startswith("en")
        return self.title_en if english and self.title_en else self.title

    @property
    def localized_description(self) -> str:
        english = (get_language() or "vi").startswith("en")
        return self.description_en if english and self.description_en else self.description


class Keyword(models.Model):
    """A keyword of a data set (a CKAN tag, a dcat:keyword), in the words its publisher used."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="keywords")
    name = models.CharField(_("từ khoá"), max_length=100, db_index=True)

    class Meta:
        verbose_name = _("từ khoá")
        verbose_name_plural = _("từ khoá")
        ordering = ["dataset", "name"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="opendata_keyword_unique")
        ]

    def __str__(self) -> str:
        return self.name


# Raised whenever the shape of a stored package changes: rows of an older shape are not
# served (the package is built afresh) until ``manage.py opendata_packages_write`` rewrites them.
PACKAGE_SCHEMA = 1


class StoredPackage(models.Model):
    """A data set's CKAN package (what ``package_show`` answers) as JSON text in one
    language, written by the services whenever anything it shows changes, so that a page of
    search results is one query and no package is built while a client waits."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="packages")
    language = models.CharField(max_length=8)
    schema = models.PositiveSmallIntegerField()
    body = models.TextField()
    # False for the rare body that must be decoded to be served (see ckan.package_fragment).
    spliceable = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("gói dữ liệu đã dựng sẵn")
        verbose_name_plural = _("gói dữ liệu đã dựng sẵn")
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "language"], name="opendata_package_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.language}"


class CatalogueFacets(models.Model):
    """The facet counts of the whole published catalogue (what a search with no filter
    shows), rewritten by the services in the transaction of every change of a data set.
    ``version`` is the newest ``Dataset.updated_at`` they were counted at: counts older than
    the catalogue (rows written some other way) are not used."""

    ONLY = 1

    version = models.DateTimeField(null=True)
    rows = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("số đếm theo nhóm của danh mục")
        verbose_name_plural = _("số đếm theo nhóm của danh mục")

    def __str__(self) -> str:
        return f"{self.rows.get('count', 0)} ({self.version})"


class Release(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="releases")
    version = models.PositiveIntegerField(_("phiên bản"))
    created_at = models.DateTimeField(_("thời điểm công bố"), auto_now_add=True)
    # The newest roll-up time among the figures (the analytics "data as of").
    data_as_of = models.DateTimeField(_("số liệu tính đến"), null=True, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    suppressed_count = models.PositiveIntegerField(default=0)
    # SHA-256 of the CSV: a refresh that would give the same figures makes no new release.
    checksum = models.CharField(max_length=64)
    reason = models.CharField(_("lý do"), max_length=200, blank=True)
    # How the release's counts by ethnic group are protected (releases.PROTECTION_METHOD);
    # empty for releases made before the cell key method (see opendata_republish).
    protection = models.CharField(_("phương pháp bảo vệ"), max_length=20, blank=True, default="")
    # A withdrawn release's files are no longer served; the note says why (shown on the page).
    withdrawn_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)
    withdrawn_note = models.CharField(_("ghi chú thu hồi"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("phiên bản dữ liệu")
        verbose_name_plural = _("phiên bản dữ liệu")
        ordering = ["dataset", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "version"], name="opendata_release_version")
        ]

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.version}"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSON = "json", "JSON"
    XLSX = "xlsx", "XLSX"


MEDIA_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.JSON: "application/json",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReleaseFile(models.Model):
    """A download of one release in one format: a CKAN resource, a DCAT distribution."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(max_length=8, choices=FileFormat.choices)
    file = models.FileField(upload_to="opendata/%Y/")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("tệp của bản phát hành")
        verbose_name_plural = _("tệp của bản phát hành")
        ordering = ["release", "format"]
        constraints = [
            models.UniqueConstraint(fields=["release", "format"], name="opendata_release_format")
        ]

    def __str__(self) -> str:
        return f"{self.release} {self.format}"

    def get_absolute_url(self) -> str:
        """The stable address of this file (it never changes once published)."""
        from django.urls import reverse

        return reverse(
            "opendata:release_download",
            kwargs={
                "name": self.release.dataset.name,
                "version": self.release.version,
                "filename": self.filename,
            },
        )

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str:
        return f"{self.release.dataset.name}-v{self.release.version}.{self.format}"
