"""Writes of the analytics part: computed indicators (reference data) and targets."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dantoc.accounts.permissions import OFFICER_ROLES, unit_in_scope
from dantoc.analytics.models import ComputedIndicator, Target
from dantoc.audit.services import audit_record
from dantoc.core.errors import ImportRejected, RowError
from dantoc.core.loading import DATA_DIR, LoadResult, upsert
from dantoc.geo.models import Unit
from dantoc.indicators.models import Indicator
from dantoc.indicators.values import ValueError_, normalise_value
from dantoc.reporting import validation


def _check_expression(expr: str, field: str, known: set[str]) -> list[str]:
    try:
        validation.parse(expr)
        refs = validation.references(expr)
    except validation.ExpressionError as exc:
        return [f"{field}: {exc}"]
    return [
        f"{field}: không có chỉ tiêu mã {r.indicator}" for r in refs if r.indicator not in known
    ]


@transaction.atomic
def computed_indicators_load(*, path: Path, actor=None) -> LoadResult:
    """Create or update computed indicators from a JSON file (all or nothing)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    known = set(Indicator.objects.values_list("code", flat=True))
    errors = []
    for index, item in enumerate(data.get("computed_indicators", []), start=1):
        for problem in _check_expression(item.get("numerator", ""), "numerator", known) + (
            _check_expression(item["denominator"], "denominator", known)
            if item.get("denominator")
            else []
        ):
            errors.append(RowError(row=index, column=item.get("code", ""), message=problem))
    if errors:
        raise ImportRejected(errors)
    result = LoadResult()
    index = {c.code: c for c in ComputedIndicator.objects.all()}
    for item in data.get("computed_indicators", []):
        upsert(
            index, item["code"], ComputedIndicator, {"code": item["code"]},
            {
                "name": item["name"], "name_en": item.get("name_en", ""),
                "numerator": item["numerator"], "denominator": item.get("denominator", ""),
                "factor": Decimal(str(item.get("factor", "1"))),
                "decimals": int(item.get("decimals", 1)),
                "unit_of_measure": item.get("unit_of_measure", ""),
                "description": item.get("description", ""),
            },
            result,
        )  # fmt: skip
    return result


def can_set_target(user, unit: Unit) -> bool:
    """Officers set targets for their own unit and the units below it."""
    return (
        user.is_authenticated
        and bool(user.role_codes() & OFFICER_ROLES)
        and unit_in_scope(user, unit)
    )


@transaction.atomic
def target_set(*, actor, code: str, unit: Unit, year: int, value, note: str = "") -> Target:
    """Set (or change) the target of an indicator for a unit and year; audited."""
    if not can_set_target(actor, unit):
        raise PermissionDenied("Bạn không được đặt mục tiêu cho đơn vị này.")
    if not (
        Indicator.objects.filter(code=code).exists()
        or ComputedIndicator.objects.filter(code=code).exists()
    ):
        raise ValidationError({"code": f"Không có chỉ tiêu mã {code}."})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": "Năm không hợp lệ."})
    try:
        # Written the Vietnamese way (1.234,5), as every figure on the site.
        _text, number = normalise_value("number", str(value), decimal_comma=True)
    except ValueError_ as exc:
        raise ValidationError({"value": str(exc)}) from exc
    if number is None or number < 0 or number >= Decimal(10) ** 18:
        raise ValidationError({"value": "Mục tiêu phải là một số không âm, nhỏ hơn 10^18."})
    target = Target.objects.select_for_update().filter(code=code, unit=unit, year=year).first()
    before = None if target is None else {"value": str(target.value), "note": target.note}
    if target is None:
        target = Target(code=code, unit=unit, year=year)
    target.value, target.note, target.updated_by = number, note.strip(), actor
    target.save()
    audit_record(
        actor=actor, action="analytics.target_set", obj=target, unit=unit,
        before=before, after={"value": str(number), "note": target.note},
    )  # fmt: skip
    return target


def computed_indicators_reference_load() -> LoadResult:
    """Loader ``analytics.computed``: indicators computed from others (rates, shares)."""
    return computed_indicators_load(path=DATA_DIR / "analytics" / "computed_indicators.json")
