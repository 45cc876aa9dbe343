"""Demonstration figures for a fresh installation (``manage.py load_demo_data``), so that the
dashboards, the pivot table and the aggregate report show something on first run.

Values go in through the real import service (as the demo ministry officer, on behalf of the
communes); the demo reports are then marked approved with an event that says they are demo
data, and the roll-ups are refreshed, as an approval would. Figures are random but the same
on every run (seeded). Never used in production: load_demo_data refuses there.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dantoc.accounts.models import User
from dantoc.analytics.rollups import rollups_refresh
from dantoc.analytics.services import target_set
from dantoc.core.loading import progress
from dantoc.geo.models import Unit, UnitLevel
from dantoc.geo.selectors import unit_get, valid_on_q
from dantoc.reporting import dhis2, selectors, services
from dantoc.reporting.models import Submission, SubmissionEvent, SubmissionStatus
from dantoc.reporting.periods import period_containing, previous_period
from dantoc.reporting.services import bulk

# Whole provinces (the demo officers' Tuyên Quang and Lào Cai) and a few communes elsewhere.
FULL_PROVINCES = ["08", "15"]
COMMUNES_ELSEWHERE = 3
# The last quarters whose entry has closed: the current quarter stays open for trying out.
QUARTER_COUNT = 4
DEMO_REASON = "Dữ liệu minh hoạ (load_demo_data)"


def _closed_periods(form, today: datetime.date, count: int = QUARTER_COUNT) -> list[str]:
    """The last ``count`` periods of the form whose entry has closed."""
    rule = form.period_type.rule()
    period = period_containing(today, rule)
    codes: list[str] = []
    while len(codes) < count:
        window = services.period_resolve(period_type=form.period_type, code=period.code)
        if form.locks_after(window) < today:
            codes.append(period.code)
        period = previous_period(period, rule)
    return sorted(codes)


def _entry_day(period) -> datetime.date:
    return period.end_date + datetime.timedelta(days=5)


def _communes(today: datetime.date) -> list[Unit]:
    rng = random.Random(1719)
    communes = []
    provinces = Unit.objects.filter(valid_on_q(today), level=UnitLevel.PROVINCE).order_by("code")
    for province in provinces:
        mine = list(
            Unit.objects.filter(
                valid_on_q(today), level=UnitLevel.COMMUNE, parent=province
            ).order_by("code")
        )
        if province.code not in FULL_PROVINCES:
            mine = rng.sample(mine, min(COMMUNES_ELSEWHERE, len(mine)))
        communes += mine
    return communes


@transaction.atomic
def demo_figures_load(*, actor) -> int:
    """Enter and approve BM01-VON for the demo communes; return how many values were new."""
    form = selectors.form_get(code="BM01-VON")
    today = timezone.localdate()
    if form is None or Submission.objects.filter(form_code=form.code, reason=DEMO_REASON).exists():
        return 0
    layout = selectors.form_layout(form)
    cells = [c for c in layout.cells.values() if c.options.get("NGUON_VON") in ("TW", "DP")]
    rng = random.Random(330)
    communes = _communes(today)
    imported = 0
    # BM01-VON figures are year-to-date: the plan of a year is the same in each quarter, the
    # disbursement grows quarter by quarter.
    plans: dict[tuple, Decimal] = {}
    for code in _closed_periods(form, today):
        period = services.period_resolve(period_type=form.period_type, code=code)
        quarter = int(code[-1])
        rows = []
        for unit in communes:
            for cell in cells:
                if cell.indicator.code != "VON_KH":
                    continue
                plan_key = (unit.pk, cell.options_key, code[:4])
                if plan_key not in plans:
                    used = rng.random() < 0.4
                    plans[plan_key] = Decimal(rng.randrange(200, 5000)) / 10 if used else Decimal(0)
                planned = plans[plan_key]
                if not planned:
                    continue
                share = Decimal(rng.randrange(quarter * 20 - 15, quarter * 20 + 5)) / 100
                spent = (planned * share).quantize(Decimal("0.1"))
                for indicator, number in (("VON_KH", planned), ("VON_GN", spent)):
                    rows.append({"dataElement": indicator, "categoryOptionCombo": cell.options_key,
                                 "period": code, "orgUnit": unit.code, "value": str(number)})  # fmt: skip
        imported += _import_and_approve(form, period, rows, communes, actor, layout)
        progress(
            f"{form.code} {period.label}: {_n(len(rows))} giá trị, {_n(len(communes))} báo cáo xã"
        )
    for code, value in (("VN", "85"), ("08", "90"), ("15", "80")):
        unit = unit_get(code=code)
        target_set(actor=actor, code="TL_GN", unit=unit, year=today.year, value=value,
                   note=DEMO_REASON)  # fmt: skip
    return imported


# Households given support in a semester, by ethnic group of the household head: the groups
# most numerous in the demo provinces (Tuyên Quang, Lào Cai), with a few small counts so that
# the open data shows its suppression of small counts.
HOUSEHOLD_GROUPS = ("08", "09", "02", "07", "01")  # Mông, Dao, Tày, Nùng, Kinh


@transaction.atomic
def demo_households_load(*, actor) -> int:
    """Enter and approve BM02-DA1 (households supported, by ethnic group) for the communes of
    the two demo provinces, for the last two closed semesters."""
    form = selectors.form_get(code="BM02-DA1")
    today = timezone.localdate()
    if form is None or Submission.objects.filter(form_code=form.code, reason=DEMO_REASON).exists():
        return 0
    layout = selectors.form_layout(form)
    cells = [c for c in layout.cells.values() if c.options.get("DAN_TOC") in HOUSEHOLD_GROUPS]
    rng = random.Random(552)
    communes = [c for c in _communes(today) if c.path.startswith(_province_paths())]
    imported = 0
    for code in _closed_periods(form, today, count=2):
        period = services.period_resolve(period_type=form.period_type, code=code)
        rows = []
        for unit in communes:
            for cell in cells:
                if rng.random() < 0.45:
                    continue
                big = cell.options["DAN_TOC"] in ("08", "09")
                number = rng.randrange(5, 60) if big else rng.randrange(1, 15)
                rows.append({"dataElement": cell.indicator.code, "categoryOptionCombo": cell.options_key,
                             "period": code, "orgUnit": unit.code, "value": str(number)})  # fmt: skip
        imported += _import_and_approve(form, period, rows, communes, actor, layout)
        progress(
            f"{form.code} {period.label}: {_n(len(rows))} giá trị, {_n(len(communes))} báo cáo xã"
        )
    return imported


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")  # Vietnamese thousands separator


def _province_paths() -> tuple[str, ...]:
    return tuple(unit_get(code=code).path for code in FULL_PROVINCES)


def _import_and_approve(form, period, rows, communes, actor, layout) -> int:
    """Import the demo rows through the real import service, then approve; new values."""
    payload = dhis2.parse_json(dhis2_json({"dataSet": form.code, "dataValues": rows}))
    summary = bulk.datavalues_import(
        actor=actor, rows=payload.rows, dataset_code=form.code, today=_entry_day(period)
    )
    _approve_demo(form, period, communes, actor, layout)
    return summary.import_count.imported


# About one report in six came in after the deadline, as in real reporting rounds; the others
# on time (completeness then shows both).
LATE_SHARE = 6


def _demo_times(form, period, unit, rng) -> tuple[datetime.datetime, datetime.datetime]:
    """When a demo report was submitted and approved: a few days before the deadline for most,
    a few days after it for some; approved two to four days after submission (never later
    than now)."""
    deadline = selectors.deadline_for(form, form.reporting_level, period) or _entry_day(period)
    late = rng.randrange(LATE_SHARE) == 0
    day = deadline + datetime.timedelta(days=rng.randint(1, 4) if late else -rng.randint(0, 6))
    now = timezone.now()
    submitted = timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(8 + rng.randrange(9), rng.randrange(60)))
    )
    decided = submitted + datetime.timedelta(days=rng.randint(2, 4), hours=rng.randrange(6))
    return min(submitted, now), min(decided, now)


def _approve_demo(form, period, communes, actor, layout) -> None:
    """Mark the demo reports approved (saying they are demo data) and refresh the roll-ups,
    as an approval would."""
    rng = random.Random(f"{form.code}/{period.code}")
    reporters = {
        u.unit_id: u for u in User.objects.filter(unit__in=communes, roles__code="commune_reporter")
    }
    for unit in communes:
        submitted, decided = _demo_times(form, period, unit, rng)
        submission, _created = Submission.objects.update_or_create(
            form_code=form.code, unit=unit, period=period,
            defaults={
                "form": form, "status": SubmissionStatus.APPROVED, "submitted_at": submitted,
                "submitted_by": reporters.get(unit.pk), "decided_at": decided,
                "decided_by": actor, "last_approved_at": decided, "reason": DEMO_REASON,
            },
        )  # fmt: skip
        SubmissionEvent.objects.create(
            submission=submission, action="approve", actor=actor, reason=DEMO_REASON
        )
    rollups_refresh(
        unit_ids=[u.pk for u in communes],
        period_ids=[period.pk],
        indicator_ids=list(layout.indicators),
    )


def dhis2_json(document: dict) -> bytes:
    import orjson

    return orjson.dumps(document)


def demo_load() -> dict[str, int]:
    """Loader ``analytics.demo``: closed quarters' figures and household counts, entered and
    approved in the name of the demo ministry officer."""

    actor = User.objects.get(username="bo.giamsat")
    return {
        "figures": demo_figures_load(actor=actor),
        "households": demo_households_load(actor=actor),
    }
