"""Completeness of a national reporting round: the selector, the page, and a naive baseline.

Target (issue): the completeness page of a national form and period — 3,321 communes —
renders in under 300 ms of server time on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc .venv/bin/python benchmarks/completeness.py

PostgreSQL only. The script creates its own database ``dantoc_bench_completeness`` (``--database``
to rename) on the server of DATABASE_URL (replacing one left by an earlier ``--keep`` run), migrates it, loads
the reference data, fills a full round of BM01-VON for 2026Q3 plus earlier rounds, measures,
and drops the database at the end unless ``--keep``. Prints one JSON document:

- ``selector_*``: ``reporting.selectors.completeness`` for the country (3,321 communes,
  34 province rows) and for one province;
- ``page_*``: GET of the completeness page through Django's test client, signed in as a
  ministry officer through the real login and second-factor pages (server time: the whole
  request/response cycle in process, middleware, template and gzip included, no network);
- ``baseline_*``: the same figures computed the obvious way, one query per commune, on the
  same data; ``baseline_ratio`` is baseline p50 / selector p50, and ``baseline_matches`` says
  the two agree on every figure.

``--values-per-report``, ``--past-rounds`` and ``--baseline-repeat`` make a smaller run (the
page still counts all 3,321 communes); ``benchmark(args, url)`` is the run without the
printing, for ``benchmarks/headline.py``.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import os
import random
import statistics
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

DATABASE_NAME = "dantoc_bench_completeness"
FORM = "BM01-VON"
PERIOD = "2026Q3"  # ends 30/09/2026; communes' deadline 10/10/2026
PAST_PERIODS = ["2025Q4", "2026Q1", "2026Q2"]
VALUES_PER_REPORT = 50
TARGET_MS = 300
OFFICER = "bench.bo.giamsat"
OFFICER_PASSWORD = "benchmark-completeness-2026"
OFFICER_TOTP_HEX = "62656e63682d636f6d706c6574656e6573732d31"


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each measure")
    parser.add_argument(
        "--baseline-repeat",
        type=int,
        default=None,
        help="timed runs of the naive baselines (default: --repeat)",
    )
    parser.add_argument("--province", default="08", help="province code for the subtree runs")
    parser.add_argument("--database", default=DATABASE_NAME, help="name of the benchmark database")
    parser.add_argument(
        "--values-per-report",
        type=int,
        default=VALUES_PER_REPORT,
        help="data values per report (the page counts reports, not values)",
    )
    parser.add_argument(
        "--past-rounds",
        type=int,
        choices=range(len(PAST_PERIODS) + 1),
        default=len(PAST_PERIODS),
        help="earlier approved rounds loaded before the measured one",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.baseline_repeat is None:
        args.baseline_repeat = args.repeat
    return args


def main() -> int:
    args = parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url or testing.vendor_of(base_url) != "postgresql":
        print(
            "benchmarks/completeness.py measures PostgreSQL, the production database: set "
            "DATABASE_URL=postgres://user@host:port/dbname (SQLite is refused).",
            file=sys.stderr,
        )
        return 2
    reason = testing.postgres_unavailable(base_url)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    result = benchmark(args, base_url)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def benchmark(args, base_url: str) -> dict:
    """The whole run on a database of its own on the server of ``base_url``; the figures."""
    db = testing.create_database(name=args.database, base_url=base_url, replace=True)
    os.environ["DATABASE_URL"] = db.url
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            testing.drop_database(db)
    result["database_kept"] = args.database if args.keep else None
    return result


def run(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    setup_s = time.perf_counter() - started

    started = time.perf_counter()
    fixture = load_round(
        values_per_report=args.values_per_report,
        past_periods=PAST_PERIODS[len(PAST_PERIODS) - args.past_rounds :],
    )
    with connection.cursor() as cursor:
        # Statistics as a database in use has them (autovacuum would gather them later).
        cursor.execute("ANALYZE")
    fixture["load_seconds"] = round(time.perf_counter() - started, 1)
    fixture["setup_seconds"] = round(setup_s, 1)

    return measure(args, fixture)


# --- the fixture ------------------------------------------------------------------------------


def load_round(
    *, values_per_report: int = VALUES_PER_REPORT, past_periods: list[str] = PAST_PERIODS
) -> dict:
    """A full round of BM01-VON, written with bulk_create straight into the tables.

    This is a benchmark fixture, not a user path: real reports go through
    ``services.datavalues_save`` and ``services.submission_submit`` (with their history,
    audit and notifications), which would take far longer to fill 3,321 reports and are not
    what is measured here.
    """
    from django.utils import timezone

    from dantoc.accounts.services import totp_device_install, user_create
    from dantoc.geo.selectors import unit_get
    from dantoc.reporting import selectors, services
    from dantoc.reporting.models import DataValue, Submission, SubmissionEvent, SubmissionStatus

    form = selectors.form_get(code=FORM)
    country = unit_get(code="VN")
    officer = user_create(
        actor=None,
        username=OFFICER,
        password=OFFICER_PASSWORD,
        unit=country,
        roles=["ministry_officer"],
        full_name="Cán bộ Bộ (đo hiệu năng)",
        check_password=False,
    )
    totp_device_install(actor=None, user=officer, key_hex=OFFICER_TOTP_HEX)

    layout = selectors.form_layout(form)
    kh = [c for c in layout.cells.values() if c.indicator.code == "VON_KH"]
    gn = [c for c in layout.cells.values() if c.indicator.code == "VON_GN"]
    cells = kh[: values_per_report // 2] + gn[: values_per_report - values_per_report // 2]

    rng = random.Random(2026)
    tz = timezone.get_current_timezone()
    mix: dict[str, int] = {}
    counts = {"submissions": 0, "data_values": 0, "events": 0}
    for code in [*past_periods, PERIOD]:
        period = services.period_resolve(period_type=form.period_type, code=code)
        communes = list(
            selectors.reporting_units(form=form, period=period, root=country).order_by("code")
        )
        deadline = selectors.deadline_for(form, form.reporting_level, period)
        opens = form.opens_on(period)
        measured = code == PERIOD
        rng.shuffle(communes)
        n = len(communes)
        # The measured round: 1 % waived, 10 % missing (half without any row, half a draft
        # or a returned report), 20 % approved, the rest submitted; a quarter of the filed
        # reports late. Earlier rounds: everything approved.
        plan = []
        for i, unit in enumerate(communes):
            if not measured:
                status = SubmissionStatus.APPROVED
            elif i < n // 100:
                status = SubmissionStatus.WAIVED
            elif i < n // 100 + n // 20:
                status = None  # nothing at all
            elif i < n // 100 + n // 10:
                status = rng.choice([SubmissionStatus.DRAFT, SubmissionStatus.RETURNED])
            elif i < n // 100 + n // 10 + n // 5:
                status = SubmissionStatus.APPROVED
            else:
                status = SubmissionStatus.SUBMITTED
            plan.append((unit, status))
        if measured:
            mix = dict(Counter(str(s or "no_row") for _, s in plan))

        def at(day: datetime.date, seconds: int) -> datetime.datetime:
            midnight = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
            return midnight + datetime.timedelta(seconds=seconds)

        submissions = []
        for k, (unit, status) in enumerate(plan):
            if status is None:
                continue
            row = Submission(form=form, form_code=form.code, unit=unit, period=period)
            row.status = status
            if status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED):
                if k % 50 == 0:  # the last second of the deadline day: on time
                    row.submitted_at = at(deadline, 86399)
                elif k % 50 == 1:  # the first second after it: late
                    row.submitted_at = at(deadline + datetime.timedelta(days=1), 0)
                elif rng.random() < 0.25:
                    row.submitted_at = at(
                        deadline + datetime.timedelta(days=rng.randint(1, 40)),
                        rng.randint(0, 86399),
                    )
                else:
                    row.submitted_at = at(
                        opens + datetime.timedelta(days=rng.randint(0, (deadline - opens).days)),
                        rng.randint(0, 86399),
                    )
            if status == SubmissionStatus.APPROVED:
                row.decided_at = row.submitted_at + datetime.timedelta(days=rng.randint(1, 5))
                row.decided_by = officer
                row.last_approved_at = row.decided_at
            elif status in (SubmissionStatus.RETURNED, SubmissionStatus.WAIVED):
                row.decided_at = at(deadline, 36000)
                row.decided_by = officer
                row.reason = "Số liệu chưa khớp kế hoạch" if status == "returned" else "Miễn"
            submissions.append(row)
        Submission.objects.bulk_create(submissions, batch_size=2000)
        counts["submissions"] += len(submissions)

        events = []
        for row in submissions:
            if row.submitted_at:
                events.append(SubmissionEvent(submission=row, action="submit"))
            if row.status == SubmissionStatus.APPROVED:
                events.append(SubmissionEvent(submission=row, action="approve", actor=officer))
            elif row.status in (SubmissionStatus.RETURNED, SubmissionStatus.WAIVED):
                action = "return" if row.status == SubmissionStatus.RETURNED else "waive"
                events.append(SubmissionEvent(submission=row, action=action, actor=officer))
        SubmissionEvent.objects.bulk_create(events, batch_size=5000)
        counts["events"] += len(events)

        values = []
        for row in submissions:
            if row.status == SubmissionStatus.WAIVED:
                continue
            for cell in cells:
                number = Decimal(rng.randint(0, 5_000_000)) / 100
                values.append(
                    DataValue(
                        indicator=cell.indicator,
                        unit_id=row.unit_id,
                        period=period,
                        options_key=cell.options_key,
                        value=format(number.normalize(), "f"),
                        numeric=number,
                    )
                )
            if len(values) >= 20000:
                DataValue.objects.bulk_create(values, batch_size=5000)
                counts["data_values"] += len(values)
                values = []
        DataValue.objects.bulk_create(values, batch_size=5000)
        counts["data_values"] += len(values)
    return {"measured_round_mix": mix, "rows": counts, "periods": [*past_periods, PERIOD]}


# --- measuring --------------------------------------------------------------------------------


def timed(fn, repeat: int, warmup: int = 2) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fn()
    samples.sort()
    return {
        "runs": repeat,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2),
        "max_ms": round(samples[-1], 2),
        "queries": len(queries),
    }


def naive_completeness(*, form, period, root):
    """The obvious way: each child unit, each reporting unit under it, one query each."""
    from django.utils import timezone

    from dantoc.geo.models import Unit
    from dantoc.geo.selectors import valid_on_q
    from dantoc.reporting.models import Submission
    from dantoc.reporting.selectors import deadline_for

    deadline = deadline_for(form, form.reporting_level, period)
    deadline_end = timezone.make_aware(datetime.datetime.combine(deadline, datetime.time.max))

    def count(units):
        figures = dict(expected=0, submitted=0, approved=0, on_time=0, late=0, missing=0)
        for unit in units:
            submission = Submission.objects.filter(
                form_code=form.code, unit=unit, period=period
            ).first()
            status = submission.status if submission else None
            if status == "waived":
                continue
            figures["expected"] += 1
            if status in ("submitted", "approved"):
                figures["submitted"] += 1
                figures["approved"] += status == "approved"
                if submission.submitted_at and submission.submitted_at <= deadline_end:
                    figures["on_time"] += 1
                else:
                    figures["late"] += 1
            else:
                figures["missing"] += 1
        return figures

    def reporting_under(unit):
        return Unit.objects.filter(
            valid_on_q(period.end_date), level=form.reporting_level, path__startswith=unit.path
        )

    children = Unit.objects.filter(valid_on_q(period.end_date), parent=root).order_by("code")
    rows = {child.code: count(reporting_under(child)) for child in children}
    total = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()))}
    return total, {code: r for code, r in rows.items() if r["expected"]}


def figures_of(result) -> tuple[dict, dict]:
    keys = ("expected", "submitted", "approved", "on_time", "late", "missing")

    def pick(row):
        return {k: getattr(row, k) for k in keys}

    return pick(result.total), {r.unit.code: pick(r) for r in result.rows if r.expected}


def signed_in_officer_client():
    """A test client signed in through the real login and second-factor pages."""
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
    response = client.post("/accounts/login/", {"username": OFFICER, "password": OFFICER_PASSWORD})
    assert response.status_code == 302, response.status_code
    device = TOTPDevice.objects.get(user__username=OFFICER, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post("/accounts/2fa/verify/", {"token": f"{totp.token():06d}"})
    assert response.status_code == 302, response.status_code
    return client


def measure(args, fixture: dict) -> dict:
    import gzip

    from django.db import connection

    from dantoc.geo.selectors import unit_get
    from dantoc.reporting import selectors, services

    form = selectors.form_get(code=FORM)
    period = services.period_resolve(period_type=form.period_type, code=PERIOD)
    country = unit_get(code="VN", as_of=period.end_date)
    province = unit_get(code=args.province, as_of=period.end_date)
    if province is None or province.level != "province":
        raise SystemExit(f"no province with code {args.province!r} on {period.end_date}")

    national = selectors.completeness(form=form, period=period, root=country)
    regional = selectors.completeness(form=form, period=period, root=province)
    communes = selectors.reporting_units(form=form, period=period, root=country).count()

    client = signed_in_officer_client()
    url = f"/reporting/{FORM}/{PERIOD}/completeness/"
    pages = {}
    for name, code in (("country", "VN"), ("province", args.province)):
        response = client.get(url, {"unit": code})
        assert response.status_code == 200, (name, response.status_code)
        body = response.content
        if response.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        pages[name] = {"html_bytes": len(body), "sent_bytes": len(response.content)}
    national_page = gzip.decompress(client.get(url, {"unit": "VN"}).content).decode()
    assert f"<strong>{national.total.expected:,}</strong>".replace(",", ".") in national_page

    results = {
        "selector_country": timed(
            lambda: selectors.completeness(form=form, period=period, root=country), args.repeat
        ),
        "selector_province": timed(
            lambda: selectors.completeness(form=form, period=period, root=province), args.repeat
        ),
        "page_country": timed(lambda: client.get(url, {"unit": "VN"}), args.repeat),
        "page_province": timed(lambda: client.get(url, {"unit": args.province}), args.repeat),
        "baseline_country": timed(
            lambda: naive_completeness(form=form, period=period, root=country),
            args.baseline_repeat,
            warmup=1,
        ),
        "baseline_province": timed(
            lambda: naive_completeness(form=form, period=period, root=province),
            args.baseline_repeat,
        ),
    }
    matches = (
        naive_completeness(form=form, period=period, root=country) == figures_of(national)
    ) and (naive_completeness(form=form, period=period, root=province) == figures_of(regional))
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server_version = cursor.fetchone()[0].split(" on ")[0]
    page_p50 = results["page_country"]["p50_ms"]
    return {
        "benchmark": "completeness",
        "database": server_version,
        "form": FORM,
        "period": PERIOD,
        "province": args.province,
        "communes": communes,
        "province_rows": len(national.rows),
        "province_communes": selectors.reporting_units(
            form=form, period=period, root=province
        ).count(),
        "totals_country": figures_of(national)[0],
        "fixture": fixture,
        "pages": pages,
        "results": results,
        "baseline_ratio": {
            "country": round(
                results["baseline_country"]["p50_ms"] / results["selector_country"]["p50_ms"], 1
            ),
            "province": round(
                results["baseline_province"]["p50_ms"] / results["selector_province"]["p50_ms"],
                1,
            ),
        },
        "baseline_matches": matches,
        "target_ms": TARGET_MS,
        "page_country_within_target": {
            "p50": page_p50 < TARGET_MS,
            "p95": results["page_country"]["p95_ms"] < TARGET_MS,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
