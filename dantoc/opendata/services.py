"""Writes of the open-data catalogue: defining, publishing, refreshing and withdrawing data sets."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from dantoc.analytics.models import ComputedIndicator
from dantoc.analytics.query import MAX_CELLS, QueryError, nominal_window
from dantoc.audit.services import audit_record
from dantoc.core.text import fold
from dantoc.geo.models import Unit, UnitLevel
from dantoc.indicators.models import Category, Indicator, ValueType
from dantoc.opendata.models import (
    PACKAGE_SCHEMA,
    CatalogueFacets,
    Dataset,
    DatasetState,
    FileFormat,
    Frequency,
    Keyword,
    Licence,
    Release,
    ReleaseFile,
    StoredPackage,
    Theme,
)
from dantoc.opendata.permissions import can_publish_for
from dantoc.opendata.releases import PROTECTION_METHOD, dataset_units, files_build
from dantoc.reporting import validation

logger = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,99}$")
MAX_PERIODS = 40
MAX_INDICATORS = 30


@dataclass
class DatasetInput:
    """What an officer fills in; lists of codes for the analytics definition."""

    name: str
    title: str
    title_en: str
    description: str
    description_en: str
    theme: str
    contact_name: str
    contact_email: str
    indicators: list[str]
    periods: list[str]
    units: list[str]
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    licence: str = Licence.CC_BY
    frequency: str = Frequency.QUARTERLY
    spatial: str = ""


def _clean_codes(values) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _validate(data: DatasetInput, publisher: Unit, dataset: Dataset | None) -> dict:
    """Check the definition; return the derived fields (coverage, provinces)."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not NAME_RE.match(data.name):
        bad("name", "Tên định danh chỉ gồm chữ thường không dấu, số, “-” và “_” (2–100 ký tự).")
    elif Dataset.objects.filter(name=data.name).exclude(pk=getattr(dataset, "pk", None)).exists():
        bad("name", f"Đã có bộ dữ liệu tên định danh “{data.name}”.")
    for name in ("title", "title_en", "description", "description_en", "contact_name"):
        if not getattr(data, name).strip():
            bad(name, "Trường này là bắt buộc.")
    if data.theme not in Theme.values:
        bad("theme", "Chủ đề không hợp lệ.")
    if data.licence not in Licence.values:
        bad("licence", "Giấy phép không hợp lệ.")
    if data.frequency not in Frequency.values:
        bad("frequency", "Tần suất cập nhật không hợp lệ.")
    for keyword in data.keywords:
        if len(keyword) > 100:
            bad("keywords", "Mỗi từ khoá tối đa 100 ký tự.")

    known = set(Indicator.objects.filter(code__in=data.indicators).values_list("code", flat=True))
    known |= set(
        ComputedIndicator.objects.filter(code__in=data.indicators).values_list("code", flat=True)
    )
    if not data.indicators:
        bad("indicators", "Cần chọn ít nhất một chỉ tiêu.")
    elif len(data.indicators) > MAX_INDICATORS:
        bad("indicators", f"Tối đa {MAX_INDICATORS} chỉ tiêu trong một bộ dữ liệu.")
    elif missing := [c for c in data.indicators if c not in known]:
        bad("indicators", "Không có chỉ tiêu mã " + ", ".join(missing) + ".")

    windows = []
    if not data.periods:
        bad("periods", "Cần chọn ít nhất một kỳ.")
    elif len(data.periods) > MAX_PERIODS:
        bad("periods", f"Tối đa {MAX_PERIODS} kỳ trong một bộ dữ liệu.")
    for code in data.periods:
        try:
            windows.append(nominal_window(code))
        except ValueError:
            bad("periods", f"Kỳ không hợp lệ: “{code}” (ví dụ: 2025, 2025S1, 2025Q3, 202509).")

    provinces: list[Unit] = []
    resolved_count = 0
    if not data.units:
        bad("units", "Cần chọn ít nhất một đơn vị.")
    else:
        try:
            resolved = dataset_units(list(data.units), timezone.localdate())
        except QueryError as exc:
            bad("units", str(exc))
        else:
            outside = [o.unit.code for o in resolved if not o.unit.path.startswith(publisher.path)]
            if outside:
                bad(
                    "units",
                    "Đơn vị ngoài phạm vi của cơ quan công bố: " + ", ".join(outside[:10]) + ".",
                )
            provinces = _provinces_of([o.unit for o in resolved])
            resolved_count = len(resolved)

    options = dict(
        Category.objects.filter(code__in=data.categories)
        .annotate(n=Count("options"))
        .values_list("code", "n")
    )
    if missing := [c for c in data.categories if c not in options]:
        bad("categories", "Không có nhóm phân tổ mã " + ", ".join(missing) + ".")
    elif resolved_count:
        # Figures are read one indicator and period at a time: each read must stay within
        # what the analytics engine answers at once.
        cells = resolved_count
        for code in data.categories:
            cells *= max(1, options[code])
        if cells > MAX_CELLS:
            bad(
                "units",
                f"Quá nhiều ô số liệu cho mỗi chỉ tiêu và kỳ ({cells} > {MAX_CELLS}): "
                "hãy chọn ít đơn vị hoặc ít phân tổ hơn.",
            )
    if errors:
        raise ValidationError(errors)
    return {
        "temporal_start": min(w.start for w in windows),
        "temporal_end": max(w.end for w in windows),
        "provinces": provinces,
    }


def _provinces_of(units: list[Unit]) -> list[Unit]:
    """The provinces a data set's units lie in (the country: none in particular)."""
    province_ids = set()
    for unit in units:
        parts = [int(p) for p in unit.path.strip("/").split("/") if p]
        if unit.level == UnitLevel.PROVINCE:
            province_ids.add(unit.pk)
        elif unit.level in (UnitLevel.DISTRICT, UnitLevel.COMMUNE) and len(parts) >= 2:
            province_ids.add(parts[1])
    return list(Unit.objects.filter(pk__in=province_ids, level=UnitLevel.PROVINCE))


def _search_text(dataset: Dataset, keywords: list[str]) -> str:
    parts = [
        dataset.name.replace("-", " ").replace("_", " "),
        dataset.title,
        dataset.title_en,
        dataset.description,
        dataset.description_en,
        dataset.publisher.name,
        dataset.spatial,
        " ".join(dataset.indicators),
        " ".join(keywords),
    ]
    return fold(" ".join(parts))


@transaction.atomic
def dataset_save(
    *, actor, data: DatasetInput, dataset: Dataset | None = None, publisher: Unit | None = None
) -> Dataset:
    """Create a data set (as a draft) or change one; a published data set's new definition
    shows in its next release, which this makes at once."""
    publisher = dataset.publisher if dataset is not None else (publisher or actor.unit)
    if not can_publish_for(actor, publisher):
        raise PermissionDenied("Bạn không được định nghĩa bộ dữ liệu mở cho đơn vị này.")
    data.name = data.name.strip().lower()
    data.indicators = _clean_codes(data.indicators)
    data.periods = _clean_codes(data.periods)
    data.units = _clean_codes(data.units)
    data.categories = _clean_codes(data.categories)
    data.keywords = _clean_codes(data.keywords)
    derived = _validate(data, publisher, dataset)
    before = None
    if dataset is None:
        dataset = Dataset(publisher=publisher, created_by=actor)
    else:
        dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
        before = _snapshot(dataset)
    for name in (
        "name", "title", "title_en", "description", "description_en", "theme", "contact_name",
        "contact_email", "indicators", "periods", "units", "categories", "licence", "frequency",
    ):  # fmt: skip
        value = getattr(data, name)
        setattr(dataset, name, value.strip() if isinstance(value, str) else value)
    dataset.spatial = data.spatial.strip() or publisher.name
    dataset.temporal_start = derived["temporal_start"]
    dataset.temporal_end = derived["temporal_end"]
    dataset.search_text = _search_text(dataset, data.keywords)
    dataset.full_clean(exclude=["created_by"])
    dataset.save()
    dataset.provinces.set(derived["provinces"])
    Keyword.objects.filter(dataset=dataset).exclude(name__in=data.keywords).delete()
    have = set(Keyword.objects.filter(dataset=dataset).values_list("name", flat=True))
    Keyword.objects.bulk_create(
        [Keyword(dataset=dataset, name=k) for k in data.keywords if k not in have]
    )
    packages_write(dataset_ids=[dataset.pk])
    audit_record(
        actor=actor, action="opendata.dataset_save", obj=dataset, unit=publisher,
        before=before, after=_snapshot(dataset),
    )  # fmt: skip
    if dataset.state == DatasetState.PUBLISHED:
        transaction.on_commit(lambda: dataset_refresh(dataset=dataset, reason="Sửa định nghĩa"))
    return dataset


def _snapshot(dataset: Dataset) -> dict:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "state": dataset.state,
        "indicators": dataset.indicators,
        "periods": dataset.periods,
        "units": dataset.units,
        "categories": dataset.categories,
        "licence": dataset.licence,
    }


def dataset_publish(*, actor, dataset: Dataset) -> Release:
    """Publish a data set: its first (or next) release is made from today's approved figures."""
    if not can_publish_for(actor, dataset.publisher):
        raise PermissionDenied("Bạn không được công bố bộ dữ liệu của đơn vị này.")
    with transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        before = locked.state
        locked.state = DatasetState.PUBLISHED
        locked.published_at = locked.published_at or timezone.now()
        locked.save(update_fields=["state", "published_at", "updated_at"])
        packages_write(dataset_ids=[locked.pk])
        audit_record(
            actor=actor, action="opendata.dataset_publish", obj=locked, unit=locked.publisher,
            before={"state": before}, after={"state": locked.state},
        )  # fmt: skip
    try:
        release = dataset_refresh(dataset=locked, reason="Công bố")
    except BaseException:
        # No release could be made: the data set goes back to what it was, so the catalogue
        # never lists a data set with nothing to download.
        with transaction.atomic():
            Dataset.objects.filter(pk=locked.pk).update(
                state=before, published_at=dataset.published_at
            )
            packages_write(dataset_ids=[locked.pk])
        raise
    return release or locked.releases.first()


@transaction.atomic
def dataset_withdraw(*, actor, dataset: Dataset, reason: str) -> Dataset:
    """Take a data set out of the catalogue; its releases stay downloadable at their addresses
    (people cite them), but it makes no new ones."""
    if not can_publish_for(actor, dataset.publisher):
        raise PermissionDenied("Bạn không được ngừng công bố bộ dữ liệu của đơn vị này.")
    if not reason.strip():
        raise ValidationError({"reason": "Hãy ghi lý do ngừng công bố."})
    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    before = locked.state
    locked.state = DatasetState.WITHDRAWN
    locked.save(update_fields=["state", "updated_at"])
    packages_write(dataset_ids=[locked.pk])
    audit_record(
        actor=actor, action="opendata.dataset_withdraw", obj=locked, unit=locked.publisher,
        before={"state": before}, after={"state": locked.state, "reason": reason.strip()},
    )  # fmt: skip
    return locked


def dataset_refresh(*, dataset: Dataset, reason: str) -> Release | None:
    """Make a new release if the published figures differ from the latest release's.

    The figures are read and written to temporary files outside any transaction (a large
    data set takes a while); the release is then numbered and recorded under a lock on the
    data set, so two refreshes at once cannot take the same number or both publish the same
    figures. Returns None when nothing changed (or the data set is not published).
    """
    built = files_build(dataset)
    saved: list[str] = []
    try:
        with transaction.atomic():
            locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
            if locked.state != DatasetState.PUBLISHED:
                return None
            latest = locked.releases.order_by("-version").first()
            # A withdrawn release no longer stands for the figures: the same ones are published
            # again under a new number.
            if (
                latest is not None
                and latest.checksum == built.checksum
                and latest.withdrawn_at is None
            ):
                return None
            version = (latest.version if latest else 0) + 1
            release = Release.objects.create(
                dataset=locked,
                version=version,
                data_as_of=built.figures.data_as_of,
                row_count=built.figures.row_count,
                suppressed_count=built.figures.suppressed_count,
                checksum=built.checksum,
                reason=reason[:200],
                protection=PROTECTION_METHOD,
            )
            for fmt in FileFormat.values:
                path = built.paths[fmt]
                name = f"opendata/{locked.name}/v{version}/{locked.name}-v{version}.{fmt}"
                with open(path, "rb") as source:
                    stored = default_storage.save(name, File(source, name=name))
                saved.append(stored)
                ReleaseFile.objects.create(
                    release=release,
                    format=fmt,
                    file=stored,
                    size=os.path.getsize(path),
                    sha256=built.checksum if fmt == FileFormat.CSV else _sha256(path),
                )
            # The catalogue's "modified" time is the time of the newest release.
            Dataset.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
            packages_write(dataset_ids=[locked.pk])
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    finally:
        built.remove()
    logger.info("open data %s: release %s (%s rows)", dataset.name, version, release.row_count)
    return release


def packages_write(*, dataset_ids: list[int]) -> int:
    """Write the stored CKAN packages (one per language) of these data sets, from what they
    are now. Every service that changes what ``package_show`` shows calls this in its own
    transaction; ``manage.py opendata_packages_write`` writes them for existing rows.
    Returns the number of data sets written."""
    from dantoc.opendata.ckan import package_document
    from dantoc.opendata.selectors import with_details

    languages = [code for code, _ in settings.LANGUAGES]
    with transaction.atomic():
        # Locked, so that a concurrent save cannot slip between the read and the write.
        ids = list(
            Dataset.objects.select_for_update()
            .filter(pk__in=dataset_ids)
            .values_list("pk", flat=True)
        )
        datasets = list(with_details(Dataset.objects.filter(pk__in=ids)))
        rows = []
        for language in languages:
            with translation.override(language):
                for dataset in datasets:
                    document = package_document(dataset)
                    rows.append(
                        StoredPackage(
                            dataset=dataset,
                            language=language,
                            schema=PACKAGE_SCHEMA,
                            body=document.body,
                            spliceable=document.spliceable,
                        )
                    )
        StoredPackage.objects.filter(dataset_id__in=ids).delete()
        StoredPackage.objects.bulk_create(rows, batch_size=500)
        catalogue_facets_write()
    return len(datasets)


def catalogue_facets_write() -> None:
    """Count the whole published catalogue's facets again (see ``CatalogueFacets``), in the
    caller's transaction. Called last by ``packages_write``, after the data sets' locks."""
    from dantoc.opendata.selectors import catalogue_facet_rows_compute, catalogue_version

    with transaction.atomic():
        # The row is locked first, so that two writers count one after the other and the
        # second sees the first's change.
        kept, _ = CatalogueFacets.objects.get_or_create(pk=CatalogueFacets.ONLY)
        kept = CatalogueFacets.objects.select_for_update().get(pk=CatalogueFacets.ONLY)
        kept.rows = catalogue_facet_rows_compute()
        kept.version = catalogue_version()
        kept.save(update_fields=["rows", "version"])


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def datasets_affected(indicator_codes: set[str]) -> list[Dataset]:
    """Published data sets showing any of these indicators (or a computed one using them)."""
    computed = set()
    for c in ComputedIndicator.objects.all():
        refs = validation.references(c.numerator)
        if c.denominator:
            refs += validation.references(c.denominator)
        if indicator_codes & {r.indicator for r in refs}:
            computed.add(c.code)
    wanted = indicator_codes | computed
    return [
        d
        for d in Dataset.objects.filter(state=DatasetState.PUBLISHED).order_by("pk")
        if wanted & set(d.indicators)
    ]


def datasets_refresh_affected(*, indicator_codes: list[str]) -> int:
    """Refresh after an approval: one new release per data set whose figures changed. Safe
    to run twice (an unchanged data set makes no release)."""
    made = 0
    for dataset in datasets_affected(set(indicator_codes)):
        try:
            if dataset_refresh(dataset=dataset, reason="Có số liệu mới được duyệt") is not None:
                made += 1
        except Exception:
            # One broken data set must not stop the others; the next approval retries it.
            logger.exception("open data set %s could not be refreshed", dataset.name)
    return made


def keywords_parse(text: str) -> list[str]:
    """Keywords as an officer types them: separated by commas or semicolons."""
    return _clean_codes(re.split(r"[,;\n]", text or ""))


WITHDRAWN_NOTE = (
    "Thu hồi: phiên bản này công bố số liệu theo dân tộc chưa được bảo vệ đủ (có thể suy ra "
    "số nhỏ bị ẩn). Dùng phiên bản mới nhất."
)


def releases_republish_protected(*, actor=None) -> list[str]:
    """Withdraw every release made before counts by ethnic group were protected by the cell
    key method (``Release.protection`` empty) of a data set showing such a count, and make a
    new, protected release of each published one. The withdrawn files are no longer served
    (410, with the note); copies already downloaded cannot be recalled. Returns the names of
    the data sets concerned. Safe to run again: nothing is left to withdraw."""
    from dantoc.opendata.releases import protected_indicator

    protected = {
        i.code
        for i in Indicator.objects.prefetch_related("categories").filter(
            value_type=ValueType.INTEGER
        )
        if protected_indicator(i)
    }
    names = []
    stale = Release.objects.filter(protection="", withdrawn_at__isnull=True).select_related(
        "dataset"
    )
    datasets = {r.dataset_id: r.dataset for r in stale if protected & set(r.dataset.indicators)}
    for dataset in datasets.values():
        with transaction.atomic():
            withdrawn = list(
                Release.objects.select_for_update().filter(
                    dataset=dataset, protection="", withdrawn_at__isnull=True
                )
            )
            now = timezone.now()
            for release in withdrawn:
                release.withdrawn_at = now
                release.withdrawn_note = WITHDRAWN_NOTE
                release.save(update_fields=["withdrawn_at", "withdrawn_note"])
            audit_record(
                actor=actor, action="opendata.releases_withdraw", obj=dataset,
                unit=dataset.publisher, before={"versions": [r.version for r in withdrawn]},
                after={"withdrawn": True, "note": WITHDRAWN_NOTE},
            )  # fmt: skip
            packages_write(dataset_ids=[dataset.pk])
        if dataset.state == DatasetState.PUBLISHED:
            dataset_refresh(dataset=dataset, reason="Công bố lại: bảo vệ số liệu theo dân tộc")
        names.append(dataset.name)
    return names
