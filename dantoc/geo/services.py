"""Writes of reference data: administrative units, successions, classifications, ethnic groups."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.db import transaction

from dantoc.audit.services import audit_record
from dantoc.core.csvfiles import read_csv
from dantoc.core.dates import parse_date
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.loading import DATA_DIR, LoadResult, kind_of, progress, upsert
from dantoc.core.text import fold
from dantoc.geo.models import (
    LAST_DAY_BEFORE_REFORM,
    REFORM_DATE,
    AreaClassification,
    ClassificationScheme,
    EthnicGroup,
    Unit,
    UnitKind,
    UnitLevel,
    UnitSuccession,
)

COUNTRY_CODE = "VN"
COUNTRY_NAME = "Việt Nam"
ERAS = {
    "old": (None, LAST_DAY_BEFORE_REFORM),
    "new": (REFORM_DATE, None),
}
PARENT_LEVEL = {
    UnitLevel.PROVINCE: None,
    UnitLevel.DISTRICT: UnitLevel.PROVINCE,
    UnitLevel.COMMUNE: UnitLevel.DISTRICT,
}


def _country() -> Unit:
    country = Unit.objects.filter(code=COUNTRY_CODE, valid_to__isnull=True).first()
    if country is None:
        country = Unit.objects.create(
            code=COUNTRY_CODE,
            name=COUNTRY_NAME,
            short_name=COUNTRY_NAME,
            search_name=fold(COUNTRY_NAME),
            level=UnitLevel.COUNTRY,
            kind=UnitKind.COUNTRY,
            path="",
        )
        country.path = f"/{country.pk}/"
        country.save(update_fields=["path"])
    return country


def _read_units(path: Path) -> list[tuple[int, dict[str, str]]]:
    errors: list[RowError] = []
    rows = []
    seen: set[tuple[str, str]] = set()
    levels = {UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE}
    kinds = set(UnitKind.values) - {UnitKind.COUNTRY}
    required = ["era", "level", "code", "name", "short_name", "kind", "parent_code"]
    for line, row in read_csv(path, required=required):
        if row["era"] not in ERAS:
            errors.append(RowError(line, "era", f"phải là old hoặc new, không phải {row['era']!r}"))
        if row["level"] not in levels:
            errors.append(RowError(line, "level", f"cấp không hợp lệ {row['level']!r}"))
        if row["kind"] not in kinds:
            errors.append(RowError(line, "kind", f"loại không hợp lệ {row['kind']!r}"))
        if not row["code"].isdigit():
            errors.append(RowError(line, "code", f"mã phải là chữ số, không phải {row['code']!r}"))
        if not row["name"]:
            errors.append(RowError(line, "name", "thiếu tên"))
        key = (row["era"], row["code"])
        if key in seen:
            errors.append(RowError(line, "code", f"mã {row['code']} lặp lại trong cùng thời kỳ"))
        seen.add(key)
        rows.append((line, row))
    if errors:
        raise ImportRejected(errors)
    return rows


@transaction.atomic
def units_load(*, units_csv: Path, successions_csv: Path, actor=None) -> LoadResult:
    """Create or update the administrative units and their succession from the data files.

    Idempotent: loading the same files twice changes nothing the second time. A file with
    errors raises ``ImportRejected`` and leaves the database as it was.
    """
    rows = _read_units(units_csv)
    result = LoadResult()
    country = _country()
    existing = {(u.code, u.valid_to): u for u in Unit.objects.exclude(level=UnitLevel.COUNTRY)}
    errors: list[RowError] = []
    fields = ["name", "short_name", "search_name", "kind", "level", "parent_id", "valid_from"]

    for level in (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE):
        unchanged = 0
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        level_rows = [(line, r) for line, r in rows if r["level"] == level]
        for line, row in level_rows:
            valid_from, valid_to = ERAS[row["era"]]
            if level == UnitLevel.PROVINCE:
                parent = country
            else:
                # New communes hang directly under provinces: there is no district level.
                parent = existing.get((row["parent_code"], valid_to))
                expected = {PARENT_LEVEL[level], UnitLevel.PROVINCE}
                if parent is None or parent.level not in expected:
                    errors.append(
                        RowError(
                            line, "parent_code", f"không tìm thấy đơn vị cha {row['parent_code']!r}"
                        )
                    )
                    continue
            values = {
                "name": row["name"],
                "short_name": row["short_name"] or row["name"],
                "search_name": fold(f"{row['name']} {row['short_name']}"),
                "kind": row["kind"],
                "level": level,
                "parent_id": parent.pk,
                "valid_from": valid_from,
            }
            unit = existing.get((row["code"], valid_to))
            if unit is None:
                unit = Unit(code=row["code"], valid_to=valid_to, path="", **values)
                to_create.append(unit)
                existing[(unit.code, valid_to)] = unit
            elif any(getattr(unit, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(unit, k, v)
                to_update.append(unit)
            else:
                unchanged += 1
        if errors:
            raise ImportRejected(errors)
        Unit.objects.bulk_create(to_create, batch_size=2000)
        Unit.objects.bulk_update(to_update, fields, batch_size=2000)
        kind = f"đơn vị {str(UnitLevel(level).label).lower()}"
        result.tally(kind, "created", len(to_create))
        result.tally(kind, "updated", len(to_update))
        result.tally(kind, "unchanged", unchanged)
        _refresh_paths(level)
        progress(f"{kind}: {len(level_rows):,} dòng".replace(",", "."))

    result.details["quan hệ kế thừa khi sắp xếp đơn vị"] = _load_successions(
        successions_csv, existing
    )
    audit_record(
        actor=actor,
        action="reference.units_load",
        object_type="geo.unit",
        object_repr=f"{units_csv.name}, {successions_csv.name}",
        unit=country,
        after=result.as_dict(),
    )
    return result


def _refresh_paths(level: str) -> None:
    units = list(Unit.objects.filter(level=level).select_related("parent"))
    changed = []
    for unit in units:
        path = f"{unit.parent.path}{unit.pk}/"
        if unit.path != path:
            unit.path = path
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["path"], batch_size=2000)


def _load_successions(path: Path, units: dict[tuple[str, datetime.date | None], Unit]) -> int:
    errors: list[RowError] = []
    wanted: dict[tuple[int, int], bool] = {}
    required = ["level", "old_code", "new_code", "partial"]
    for line, row in read_csv(path, required=required):
        old = units.get((row["old_code"], LAST_DAY_BEFORE_REFORM))
        new = units.get((row["new_code"], None))
        if old is None:
            errors.append(RowError(line, "old_code", f"không có đơn vị cũ mã {row['old_code']!r}"))
        if new is None:
            errors.append(RowError(line, "new_code", f"không có đơn vị mới mã {row['new_code']!r}"))
        if row["partial"] not in {"0", "1"}:
            errors.append(RowError(line, "partial", "phải là 0 hoặc 1"))
        if old is not None and new is not None:
            wanted[(old.pk, new.pk)] = row["partial"] == "1"
    if errors:
        raise ImportRejected(errors)
    current = {
        (s.predecessor_id, s.successor_id): s
        for s in UnitSuccession.objects.filter(effective_date=REFORM_DATE)
    }
    stale = [s.pk for key, s in current.items() if key not in wanted]
    UnitSuccession.objects.filter(pk__in=stale).delete()
    to_create = [
        UnitSuccession(predecessor_id=p, successor_id=s, partial=partial)
        for (p, s), partial in wanted.items()
        if (p, s) not in current
    ]
    to_update = []
    for key, partial in wanted.items():
        succession = current.get(key)
        if succession is not None and succession.partial != partial:
            succession.partial = partial
            to_update.append(succession)
    UnitSuccession.objects.bulk_create(to_create, batch_size=2000)
    UnitSuccession.objects.bulk_update(to_update, ["partial"], batch_size=2000)
    return len(wanted)


def ethnic_search_name(name: str, other_names: str) -> str:
    """Every name of a group, folded, ``;``-separated; a hyphenated name also without its
    hyphen as two words ("Ê-đê" is kept as "ede" and "e de"), so "Ê Đê" and "Êđê" both find it."""
    names = [name, *(n.strip() for n in other_names.split(";") if n.strip())]
    forms = []
    for one in names:
        for form in (fold(one), fold(one.replace("-", " "))):
            if form not in forms:
                forms.append(form)
    return "; ".join(forms)


@transaction.atomic
def ethnic_groups_load(*, path: Path, actor=None) -> LoadResult:
    result = LoadResult()
    errors: list[RowError] = []
    existing = {g.code: g for g in EthnicGroup.objects.all()}
    required = ["code_qd1019_2008", "code_qd121_1979", "name", "other_names"]
    for line, row in read_csv(path, required=required):
        code, code_1979 = row["code_qd1019_2008"], row["code_qd121_1979"]
        for column, value in (("code_qd1019_2008", code), ("code_qd121_1979", code_1979)):
            if len(value) != 2 or not value.isdigit():
                errors.append(RowError(line, column, f"mã phải gồm 2 chữ số, không phải {value!r}"))
        if not row["name"]:
            errors.append(RowError(line, "name", "thiếu tên"))
        values = {
            "code_1979": code_1979,
            "name": row["name"],
            "other_names": row["other_names"],
            "search_name": ethnic_search_name(row["name"], row["other_names"]),
        }
        if not errors:
            upsert(existing, code, EthnicGroup, {"code": code}, values, result)
    if errors:
        raise ImportRejected(errors)
    audit_record(
        actor=actor,
        action="reference.ethnic_groups_load",
        object_type="geo.ethnicgroup",
        object_repr=path.name,
        after=result.as_dict(),
    )
    return result


@transaction.atomic
def area_classifications_import(*, path: Path, actor=None) -> LoadResult:
    """Import region (khu vực I/II/III) and especially-disadvantaged-village rows.

    Columns: unit_code, unit_as_of (a date the unit was in force, since codes of pre-2025
    communes may have been kept by their successors), scheme (region | dbkk_village), value,
    village_name, valid_from, valid_to, decision. All-or-nothing; rows are keyed by
    (unit, scheme, village_name, valid_from), so importing the same file twice adds nothing.
    """
    from dantoc.geo.selectors import unit_get

    result = LoadResult()
    errors: list[RowError] = []
    allowed = {
        ClassificationScheme.REGION: {"I", "II", "III"},
        ClassificationScheme.DBKK_VILLAGE: {"DBKK"},
    }
    required = [
        "unit_code",
        "unit_as_of",
        "scheme",
        "value",
        "village_name",
        "valid_from",
        "valid_to",
        "decision",
    ]
    planned = []
    for line, row in read_csv(path, required=required):
        dates = {}
        for column in ("unit_as_of", "valid_from", "valid_to"):
            if not row[column] and column == "valid_to":
                dates[column] = None
                continue
            try:
                dates[column] = parse_date(row[column])
            except ValueError:
                errors.append(RowError(line, column, f"ngày không hợp lệ {row[column]!r}"))
        if row["scheme"] not in allowed:
            errors.append(RowError(line, "scheme", f"phân loại không hợp lệ {row['scheme']!r}"))
        elif row["value"] not in allowed[row["scheme"]]:
            errors.append(RowError(line, "value", f"giá trị không hợp lệ {row['value']!r}"))
        if row["scheme"] == ClassificationScheme.DBKK_VILLAGE and not row["village_name"]:
            errors.append(RowError(line, "village_name", "thiếu tên thôn"))
        if not row["decision"]:
            errors.append(RowError(line, "decision", "thiếu căn cứ (số quyết định)"))
        unit = None
        if "unit_as_of" in dates:
            unit = unit_get(code=row["unit_code"], as_of=dates["unit_as_of"])
            if unit is None:
                errors.append(
                    RowError(
                        line, "unit_code", f"không có đơn vị mã {row['unit_code']!r} vào ngày đó"
                    )
                )
        if unit is not None and len(dates) == 3:
            planned.append((unit, row, dates))
    if errors:
        raise ImportRejected(errors)
    for unit, row, dates in planned:
        _, created = AreaClassification.objects.update_or_create(
            unit=unit,
            scheme=row["scheme"],
            village_name=row["village_name"],
            valid_from=dates["valid_from"],
            defaults={
                "value": row["value"],
                "valid_to": dates["valid_to"],
                "decision": row["decision"],
            },
        )
        result.tally(kind_of(AreaClassification), "created" if created else "updated")
    audit_record(
        actor=actor,
        action="reference.area_classifications_import",
        object_type="geo.areaclassification",
        object_repr=path.name,
        after=result.as_dict(),
    )
    return result


def units_reference_load() -> LoadResult:
    """Loader ``geo.units``: the administrative units before and after the 2025 reform."""
    return units_load(
        units_csv=DATA_DIR / "units" / "units.csv",
        successions_csv=DATA_DIR / "units" / "unit_successions.csv",
    )


def ethnic_groups_reference_load() -> LoadResult:
    """Loader ``geo.ethnic_groups``: the 54 ethnic groups."""
    return ethnic_groups_load(path=DATA_DIR / "ethnic_groups" / "ethnic_groups.csv")
