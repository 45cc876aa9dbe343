"""Writes of the programme catalogue."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from dantoc.audit.services import audit_record, snapshot
from dantoc.core.csvfiles import read_csv
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.loading import DATA_DIR, LoadResult, upsert
from dantoc.programmes.models import Component, ComponentLevel, Programme

PROGRAMME_FIELDS = [
    "name",
    "name_en",
    "short_name",
    "legal_basis",
    "start_year",
    "end_year",
    "phase_start_year",
    "phase_end_year",
    "description",
]
COMPONENT_FIELDS = ["parent", "level", "order", "name", "name_en", "source"]


def _year(value: str, line: int, column: str, errors: list[RowError], *, optional=False):
    if optional and not value:
        return None
    if value.isdigit() and 1945 <= int(value) <= 2100:
        return int(value)
    errors.append(RowError(line, column, f"năm không hợp lệ {value!r}"))
    return None


@transaction.atomic
def catalogue_load(*, programmes_csv: Path, catalogue_csv: Path, actor=None) -> LoadResult:
    """Create or update programmes and their components from the data files (idempotent).

    Components that the files no longer list are kept: an administrator may have added them,
    and reports may refer to them.
    """
    result = LoadResult()
    errors: list[RowError] = []
    programmes: dict[str, Programme] = {p.code: p for p in Programme.objects.all()}
    required = [
        "code",
        "name_vi",
        "name_en",
        "short_name",
        "legal_basis",
        "start_year",
        "end_year",
        "phase_start_year",
        "phase_end_year",
        "description_vi",
    ]
    for line, row in read_csv(programmes_csv, required=required):
        values = {
            "name": row["name_vi"],
            "name_en": row["name_en"],
            "short_name": row["short_name"],
            "legal_basis": row["legal_basis"],
            "start_year": _year(row["start_year"], line, "start_year", errors),
            "end_year": _year(row["end_year"], line, "end_year", errors),
            "phase_start_year": _year(
                row["phase_start_year"], line, "phase_start_year", errors, optional=True
            ),
            "phase_end_year": _year(
                row["phase_end_year"], line, "phase_end_year", errors, optional=True
            ),
            "description": row["description_vi"],
        }
        if not row["code"]:
            errors.append(RowError(line, "code", "thiếu mã"))
            continue
        if errors:
            continue
        upsert(programmes, row["code"], Programme, {"code": row["code"]}, values, result)

    components: dict[tuple[str, str], Component] = {
        (c.programme.code, c.code): c for c in Component.objects.select_related("programme")
    }
    required = [
        "programme",
        "code",
        "parent_code",
        "level",
        "order",
        "name_vi",
        "name_en",
        "source",
    ]
    rows = list(read_csv(catalogue_csv, required=required))
    for line, row in rows:
        if row["level"] == "programme":
            continue
        programme = programmes.get(row["programme"])
        if programme is None:
            errors.append(
                RowError(line, "programme", f"không có chương trình {row['programme']!r}")
            )
            continue
        if row["level"] not in ComponentLevel.values:
            errors.append(RowError(line, "level", f"cấp không hợp lệ {row['level']!r}"))
            continue
        parent = None
        if row["parent_code"] and row["parent_code"] != programme.code:
            parent = components.get((programme.code, row["parent_code"]))
            if parent is None:
                errors.append(
                    RowError(
                        line,
                        "parent_code",
                        f"không có mục cha {row['parent_code']!r} (mục cha phải đứng trước)",
                    )
                )
                continue
        if not row["order"].isdigit():
            errors.append(RowError(line, "order", "thứ tự phải là số"))
            continue
        if errors:
            continue
        values = {
            "parent": parent,
            "level": row["level"],
            "order": int(row["order"]),
            "name": row["name_vi"],
            "name_en": row["name_en"],
            "source": row["source"],
        }
        key = (programme.code, row["code"])
        upsert(
            components,
            key,
            Component,
            {"programme": programme, "code": row["code"]},
            values,
            result,
        )
    if errors:
        raise ImportRejected(errors)
    audit_record(
        actor=actor,
        action="reference.catalogue_load",
        object_type="programmes.programme",
        object_repr=f"{programmes_csv.name}, {catalogue_csv.name}",
        after=result.as_dict(),
    )
    return result


@transaction.atomic
def programme_save(*, actor, programme: Programme, is_new: bool) -> Programme:
    """Save an administrator's edit of a programme and audit it."""
    before = None
    if not is_new:
        before = snapshot(Programme.objects.get(pk=programme.pk), [*PROGRAMME_FIELDS, "code"])
    programme.full_clean()
    programme.save()
    audit_record(
        actor=actor,
        action="programmes.programme_create" if is_new else "programmes.programme_update",
        obj=programme,
        before=before,
        after=snapshot(programme, [*PROGRAMME_FIELDS, "code"]),
    )
    return programme


@transaction.atomic
def component_save(*, actor, component: Component, is_new: bool) -> Component:
    """Save an administrator's edit of a project or sub-project and audit it."""
    fields = [*COMPONENT_FIELDS, "code", "programme"]
    before = None if is_new else snapshot(Component.objects.get(pk=component.pk), fields)
    if component.parent_id and component.parent.programme_id != component.programme_id:
        from django.core.exceptions import ValidationError

        raise ValidationError({"parent": "Mục cha phải thuộc cùng chương trình."})
    component.full_clean()
    component.save()
    audit_record(
        actor=actor,
        action="programmes.component_create" if is_new else "programmes.component_update",
        obj=component,
        before=before,
        after=snapshot(component, fields),
    )
    return component


def catalogue_reference_load() -> LoadResult:
    """Loader ``programmes.catalogue``: NTP 1719 and the 2026–2035 programme."""
    return catalogue_load(
        programmes_csv=DATA_DIR / "programmes" / "programmes.csv",
        catalogue_csv=DATA_DIR / "programmes" / "catalogue.csv",
    )
