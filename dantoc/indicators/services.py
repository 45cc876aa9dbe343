"""Writes of categories and indicators."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dantoc.accounts.permissions import can_define_national_catalogue
from dantoc.audit.services import audit_record, snapshot
from dantoc.core import figures
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.events import announce_now
from dantoc.core.loading import DATA_DIR, LoadResult, upsert
from dantoc.geo.models import EthnicGroup
from dantoc.indicators.models import (
    AggregationType,
    Category,
    CategoryOption,
    Indicator,
    ValueType,
)
from dantoc.programmes.models import Component
from dantoc.programmes.selectors import components_in_order

INDICATOR_FIELDS = [
    "code", "name", "name_en", "unit_of_measure", "value_type", "aggregation", "component",
    "description", "categories",
]  # fmt: skip


# Rules reference indicators as #{CODE} with CODE in [A-Za-z0-9_] (reporting.validation):
# an indicator whose code has spaces or diacritics could never be checked by a rule.
INDICATOR_CODE = re.compile(r"^[A-Za-z0-9_]+$")


def indicator_code_problem(code: str) -> str | None:
    """Why a new indicator code is refused, or None. Existing codes are not re-checked."""
    if INDICATOR_CODE.fullmatch(code or ""):
        return None
    return _(
        "Mã chỉ tiêu “%(c)s” không hợp lệ: chỉ dùng chữ cái không dấu, chữ số và dấu gạch dưới _ "
        "(không có dấu cách), ví dụ DA1_HO_NHA_O."
    ) % {"c": code}


def _generated_options(source: str) -> list[dict]:
    """Options drawn from other reference data, so that they can never disagree with it."""
    if source == "ethnic_groups":
        return [
            {"code": g.code, "name": g.name, "name_en": g.name}
            for g in EthnicGroup.objects.order_by("code")
        ]
    if source.startswith("programme:"):
        _, programme, level = source.split(":")
        return [
            {"code": c.code, "name": f"{c.code}: {c.name}", "name_en": c.name_en}
            for c in components_in_order(programme_code=programme, level=level)
        ]
    raise ValueError(source)


@transaction.atomic
def indicator_catalogue_load(*, path: Path, actor=None) -> LoadResult:
    """Create or update the categories, options and indicators of a JSON definition file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = LoadResult()
    errors: list[RowError] = []
    categories = {c.code: c for c in Category.objects.all()}
    options = {(o.category_id, o.code): o for o in CategoryOption.objects.all()}
    for i, item in enumerate(data.get("categories", []), start=1):
        category = upsert(
            categories,
            item["code"],
            Category,
            {"code": item["code"]},
            {
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "description": item.get("description", ""),
            },
            result,
        )
        items = item.get("options") or _generated_options(item.get("options_from", ""))
        if not items:
            errors.append(RowError(i, "options", f"nhóm {item['code']} không có mục nào"))
        for order, option in enumerate(items, start=1):
            upsert(
                options,
                (category.pk, option["code"]),
                CategoryOption,
                {"category": category, "code": option["code"]},
                {"name": option["name"], "name_en": option.get("name_en", ""), "order": order},
                result,
            )
    indicators = {i.code: i for i in Indicator.objects.all()}
    for i, item in enumerate(data.get("indicators", []), start=1):
        if item["value_type"] not in ValueType.values:
            errors.append(RowError(i, "value_type", f"kiểu không hợp lệ {item['value_type']!r}"))
            continue
        if item.get("aggregation", "sum") not in AggregationType.values:
            errors.append(RowError(i, "aggregation", "cách tổng hợp không hợp lệ"))
            continue
        component = None
        if item.get("component"):
            component = Component.objects.filter(
                programme__code="CTMTQG-1719", code=item["component"]
            ).first()
        wanted = [categories.get(code) for code in item.get("categories", [])]
        if None in wanted:
            errors.append(RowError(i, "categories", f"nhóm phân tổ không tồn tại ở {item['code']}"))
            continue
        previous = indicators.get(item["code"])
        problem = indicator_code_problem(item["code"]) if previous is None else None
        if problem:
            errors.append(RowError(i, "code", problem))
            continue
        was = previous.aggregation if previous is not None else None
        indicator = upsert(
            indicators,
            item["code"],
            Indicator,
            {"code": item["code"]},
            {
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "unit_of_measure": item.get("unit_of_measure", ""),
                "value_type": item["value_type"],
                "aggregation": item.get("aggregation", "sum"),
                "component": component,
                "description": item.get("description", ""),
            },
            result,
        )
        if set(indicator.categories.all()) != set(wanted):
            indicator.categories.set(wanted)
        if (
            was is not None
            and was != indicator.aggregation
            and {"none", "last"} & {was, indicator.aggregation}
        ):
            # Whether the values roll up at all, or "last" figures over a year, changed.
            announce_now(figures.INDICATOR_CHANGED, indicator_id=indicator.pk)
    if errors:
        raise ImportRejected(errors)
    audit_record(
        actor=actor,
        action="indicators.catalogue_load",
        object_type="indicators.indicator",
        object_repr=path.name,
        after=result.as_dict(),
    )
    return result


@transaction.atomic
def indicator_save(*, actor, indicator: Indicator, categories: list[Category]) -> Indicator:
    """Create or edit an indicator. Its categories cannot change once values exist, since
    every stored value names exactly one option of each of its categories."""
    if actor is not None and not can_define_national_catalogue(actor):
        raise PermissionDenied("Chỉ cán bộ cấp bộ được định nghĩa chỉ tiêu và biểu mẫu.")
    is_new = indicator.pk is None
    before = None
    stored_code = (
        None
        if is_new
        else Indicator.objects.filter(pk=indicator.pk).values_list("code", flat=True).first()
    )
    if indicator.code != stored_code and (problem := indicator_code_problem(indicator.code)):
        raise ValidationError({"code": problem})
    if not is_new:
        current = Indicator.objects.get(pk=indicator.pk)
        before = snapshot(current, INDICATOR_FIELDS)
        if {c.pk for c in current.categories.all()} != {c.pk for c in categories} and (
            figures.indicator_has_values(current.pk)
        ):
            raise ValidationError(
                {
                    "categories": "Chỉ tiêu đã có số liệu: không thể đổi nhóm phân tổ. Hãy tạo chỉ tiêu mới."
                }
            )
        if current.value_type != indicator.value_type and (
            figures.indicator_has_values(current.pk)
        ):
            raise ValidationError(
                {"value_type": "Chỉ tiêu đã có số liệu: không thể đổi kiểu giá trị."}
            )
    indicator.full_clean()
    indicator.save()
    indicator.categories.set(categories)
    if (
        before is not None
        and {"none", "last"} & {before.get("aggregation"), indicator.aggregation}
        and (before.get("aggregation") != indicator.aggregation)
    ):
        # Whether the values roll up at all changed (the figures above them change too), or
        # whether a figure over a year is each commune's latest (kept in RollupLatest).
        announce_now(figures.INDICATOR_CHANGED, indicator_id=indicator.pk)
    audit_record(
        actor=actor,
        action="indicators.indicator_create" if is_new else "indicators.indicator_update",
        obj=indicator,
        before=before,
        after=snapshot(indicator, INDICATOR_FIELDS),
    )
    return indicator


def indicators_reference_load() -> LoadResult:
    """Loader ``indicators.catalogue``: the programme's indicators."""
    return indicator_catalogue_load(path=DATA_DIR / "indicators" / "ntp1719.json")
