"""The analytics engine on a national data set: queries from the roll-ups against a plain
``GROUP BY`` over the raw values, the freshness of an approval, and the dashboard page.

Targets (issue 4), on PostgreSQL with 3,321 communes × 160 indicator/option combinations
× 8 quarters (about 4.25 million values):

- a national query (20 indicators × 4 quarters × 34 provinces): p95 under 50 ms;
- a commune-level query for one province (all its communes, same indicators and quarters):
  p95 under 50 ms;
- after one commune's report is approved, the national total includes it within 2 s;
- the dashboard page (``/analytics/?unit=VN``) in under 200 ms of server time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc .venv/bin/python benchmarks/analytics.py
    ... benchmarks/analytics.py --scale 6      # 48 quarters: about 25.5 million values

PostgreSQL only. The script creates its own database ``dantoc_bench_analytics`` on the
server of DATABASE_URL (replacing one left by an earlier ``--keep`` run), migrates it, loads
the reference data, and builds the data set:

- 20 numeric indicators ``BENCH_01`` … ``BENCH_20`` on the categories NGUON_VON (4 options)
  × LOAI_VON (2): 8 combinations each, 160 in all (the issue's "about 150"), held by one
  quarterly commune form defined with ``services.form_define``, which also holds the
  reference catalogue's capital figures VON_KH and VON_GN ("last": year-to-date) on three
  projects × two sources (12 more values per commune and quarter), so that the dashboard
  and the "last" query read what they would read in production;
- ``8 × --scale`` quarters from 2025Q3 (the first quarter after the 2025 reform; 2025Q3 …
  2027Q2 at ``--scale 1``). ``--scale`` grows the history, as years of reporting would:
  the measured queries always read the same four quarters, 2026Q3 … 2027Q2, so the two
  runs differ only in the size of the tables under them;
- one value per commune, quarter and combination, COPYed straight into
  ``reporting_datavalue``, and an approved report per commune and quarter, except one
  commune's report for 2027Q2, left "submitted" (its values present) for the freshness test;
- the roll-ups initialised with ``rollups_rebuild()``, as an operator would after loading
  data by hand (timed; it also makes ``RollupLatest``, each commune's latest quarter of the
  "last" indicators added up per year and half-year), then ``VACUUM ANALYZE`` of the big tables (what autovacuum would
  have done by the time anyone queries them).

It then measures, each after 3 warm-up runs (p50/p95 over ``--repeat`` runs, default 30):

- ``queries.*.analytics``: ``analytics_run(parse_request(...))`` as the API calls it, a
  request of the same shape as the one before it (what it resolves to, units, indicators,
  forms and periods, is then kept: ``analytics.metadata``);
- ``queries.*.analytics_nothing_kept``: the same with nothing kept, as the first request
  after a change to units, indicators, forms or periods is;
- ``queries.national_last``: VON_KH and VON_GN for a year by province: each commune's
  latest quarter with data, added up (its baseline: the same from the raw values in one
  statement);
- ``queries.*.baseline``: one plain SQL statement over the raw values (approved reports'
  values joined to the units by path prefix, grouped by province or commune × indicator ×
  quarter), with ``matches`` saying the two agree on every figure;
- ``freshness``: from the start of ``submission_approve`` of the held-back report until a
  national query returns the total with it;
- ``api``: GET of ``/api/analytics`` (JSON) for the national and commune-level requests,
  signed in as below: the engine plus the answer's encoding, end to end in process;
- ``dashboard``: GET of ``/analytics/?unit=VN`` through Django's test client, signed in as a
  ministry officer through the real login and second-factor pages (server time: the whole
  request/response cycle in process, no network);
- ``rollups_check``: ``rollups_differences()`` for the freshness quarter (the oracle
  ``manage.py rollups check`` uses), after the approval.

Prints one JSON document; drops the database at the end unless ``--keep``. ``--reuse``
measures again on a database a ``--keep`` run left (the held-back report is reopened first).
``--quarters 4`` builds only the measured quarters (half the history: a quicker run, as
``benchmarks/headline.py`` makes); ``benchmark(args, url)`` is the run without the printing.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

DATABASE_NAME = "dantoc_bench_analytics"
FORM = "BENCH-ANALYTICS"
INDICATORS = [f"BENCH_{n:02d}" for n in range(1, 21)]
NGUON_VON = ["TW", "DP", "LG", "HD"]
# The capital indicators of the reference catalogue ("last": year-to-date figures), on three
# projects × two sources, for the dashboard and the "last" query.
CAPITAL = ["VON_KH", "VON_GN"]
CAPITAL_PROJECTS = ["DA1", "DA3", "DA5"]
CAPITAL_SOURCES = ["TW", "DP"]
LOAI_VON = ["DTPT", "SN"]
FIRST_QUARTER = (2025, 3)
QUARTERS_PER_SCALE = 8
MEASURED = ["2026Q3", "2026Q4", "2027Q1", "2027Q2"]
FRESHNESS_PERIOD = MEASURED[-1]
LAST_YEAR = 2026  # the "last" query's year: four quarters of data at --scale 1
QUERY_TARGET_MS = 50
FRESHNESS_TARGET_MS = 2000
DASHBOARD_TARGET_MS = 200
WARMUP = 3
MIN_FREE_GB_PER_SCALE = 5  # a --scale 6 run needs about 30 GB free, as the issue asks
OFFICER = "bench.bo.phantich"
OFFICER_PASSWORD = "benchmark-analytics-2026"
OFFICER_TOTP_HEX = "62656e63682d616e616c79746963732d32303236"


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=int, default=1, help="8 × SCALE quarters (1: ~4.25 M values, 6: ~25.5 M)"
    )
    parser.add_argument("--database", default=DATABASE_NAME, help="name of the benchmark database")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse", action="store_true",
        help="measure again on the database a --keep run left (its held-back report is "
        "reopened first); implies --keep",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each measure")
    parser.add_argument(
        "--province", default=None, help="province code of the commune-level query "
        "(default: the province with the most communes)"
    )  # fmt: skip
    parser.add_argument(
        "--quarters", type=int, default=None,
        help="--scale 1 only: build only the last N of the 8 quarters (at least the 4 measured "
        "ones): less history under the same queries, for a quicker run",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    total = QUARTERS_PER_SCALE * args.scale
    if args.quarters is None:
        args.quarters = total
    if args.quarters != total and (args.scale != 1 or not len(MEASURED) <= args.quarters <= total):
        parser.error(
            f"--quarters (with --scale 1 only) must be between {len(MEASURED)} and {total}"
        )
    return args


def main() -> int:
    args = parse_args()

    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url or testing.vendor_of(base_url) != "postgresql":
        print(
            "benchmarks/analytics.py measures PostgreSQL, the production database: set "
            "DATABASE_URL=postgres://user@host:port/dbname (SQLite is refused).",
            file=sys.stderr,
        )
        return 2
    reason = testing.postgres_unavailable(base_url)
    if reason:
        print(reason, file=sys.stderr)
        return 2
    # The database server's disk is only visible here when it runs on this machine.
    free_gb = shutil.disk_usage(ROOT).free / 1e9
    if free_gb < MIN_FREE_GB_PER_SCALE * args.scale:
        print(
            f"--scale {args.scale} needs about {MIN_FREE_GB_PER_SCALE * args.scale} GB free; "
            f"{free_gb:.0f} GB left.",
            file=sys.stderr,
        )
        return 2

    result = benchmark(args, base_url)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def benchmark(args, base_url: str) -> dict:
    """The whole run on the database ``args.database`` of the server of ``base_url`` (made
    here and dropped after, unless ``--keep``/``--reuse``); the figures."""
    if args.reuse:
        # Measure again on a database an earlier --keep run built (no set-up).
        os.environ["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + args.database
        result = run(args)
        result["database_kept"] = args.database
        return result
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


def progress(message: str) -> None:
    """A line on stderr, so that a long run shows where it is (the figures go to stdout)."""
    print(f"[analytics {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    setup: dict[str, float] = {}
    if args.reuse:
        call_command("migrate", "--noinput", verbosity=0)
        from dantoc.analytics.models import RollupLatestPlan
        from dantoc.analytics.rollups import rollups_latest_rebuild

        if not RollupLatestPlan.objects.exists():
            # A database kept by a run of code older than RollupLatest: fill it once.
            started = time.perf_counter()
            rollups_latest_rebuild()
            setup["rollups_latest_rebuild"] = time.perf_counter() - started
        fixture = fixture_reused(args)
        connections.close_all()
        return measured(args, fixture, setup)
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)
    setup["migrate_and_reference_data"] = time.perf_counter() - started
    fixture = build(args, setup)
    # Measured on a fresh connection, as a web worker's would be: the set-up's connection
    # carries the scratch table that rollups_rebuild() filled and emptied in this session.
    connections.close_all()
    return measured(args, fixture, setup)


def measured(args, fixture: dict, setup: dict) -> dict:
    """``measure``, with the machine's load and speed before and after."""
    load_before = os.getloadavg()
    speed_before = python_reference_ms()
    result = measure(args, fixture, setup)
    result["machine"]["load_average_1min"] = {
        "before": round(load_before[0], 1),
        "after": round(os.getloadavg()[0], 1),
    }
    # This virtual machine's speed varies by half from hour to hour: the same code, idle,
    # measured 1.6 × slower. A fixed piece of Python, timed before and after, says how fast
    # the machine was while the figures were taken, so that runs can be compared.
    result["machine"]["python_reference_ms"] = {
        "what": "sum(range(10**6)), best of 5",
        "before": speed_before,
        "after": python_reference_ms(),
    }
    return result


def python_reference_ms() -> float:
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        sum(range(10**6))
        samples.append((time.perf_counter() - started) * 1000)
    return round(min(samples), 2)


# --- the data set -----------------------------------------------------------------------------


def quarter_codes(count: int) -> list[str]:
    year, quarter = FIRST_QUARTER
    codes = []
    for _ in range(count):
        codes.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return codes


def define_form():
    """The 20 indicators on NGUON_VON × LOAI_VON and a quarterly commune form holding them:
    one row per indicator, one column per combination (160 cells)."""
    from dantoc.indicators.services import indicator_catalogue_load
    from dantoc.reporting.services import form_define

    catalogue = {
        "indicators": [
            {"code": code, "name": f"Chỉ tiêu thử tải {code[-2:]}", "value_type": "number",
             "unit_of_measure": "triệu đồng", "categories": ["NGUON_VON", "LOAI_VON"]}
            for code in INDICATORS
        ]
    }  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(catalogue, f)
    try:
        indicator_catalogue_load(path=Path(f.name))
    finally:
        os.unlink(f.name)
    definition = {
        "code": FORM,
        "name": "Biểu thử tải phân tích (20 chỉ tiêu × 8 tổ hợp)",
        "period_type": "quy",
        "reporting_level": "commune",
        "opens_days_before_end": 366,
        "locks_days_after_end": 3660,
        "sections": [
            {
                "code": "S",
                "title": "Thử tải",
                "columns": [
                    {
                        "code": f"{n}_{k}",
                        "label": f"{n} {k}",
                        "options": {"NGUON_VON": n, "LOAI_VON": k},
                    }
                    for n in NGUON_VON
                    for k in LOAI_VON
                ],
                "rows": [
                    {"code": f"R{code[-2:]}", "label": code, "indicator": code}
                    for code in INDICATORS
                ],
            },
            {
                # The dashboard's capital figures ("last" indicators), so that the dashboard
                # reads as much as it would in production.
                "code": "V",
                "title": "Vốn",
                "columns": [
                    {"code": n, "label": n, "options": {"NGUON_VON": n, "LOAI_VON": "DTPT"}}
                    for n in CAPITAL_SOURCES
                ],
                "rows": [
                    {
                        "code": f"{code}_{project}",
                        "label": f"{code} {project}",
                        "indicator": code,
                        "options": {"DU_AN": project},
                    }
                    for code in CAPITAL
                    for project in CAPITAL_PROJECTS
                ],
            },
        ],
    }
    form, _ = form_define(definition=definition, actor=None, publish=True)
    return form


def build(args, setup: dict) -> dict:
    """Indicators, form, officer, periods, values and reports, then the roll-ups."""
    from django.db import connection
    from django.utils import timezone

    from dantoc.accounts.services import totp_device_install, user_create
    from dantoc.analytics.rollups import rollups_rebuild
    from dantoc.geo.models import Unit
    from dantoc.geo.selectors import unit_get
    from dantoc.indicators.models import Indicator
    from dantoc.indicators.values import options_key
    from dantoc.reporting.models import Submission, SubmissionStatus
    from dantoc.reporting.services import period_resolve

    started = time.perf_counter()
    form = define_form()
    country = unit_get(code="VN")
    officer = user_create(
        actor=None,
        username=OFFICER,
        password=OFFICER_PASSWORD,
        unit=country,
        roles=["ministry_officer"],
        full_name="Cán bộ Bộ (đo hiệu năng phân tích)",
        check_password=False,
    )
    totp_device_install(actor=None, user=officer, key_hex=OFFICER_TOTP_HEX)
    codes = quarter_codes(QUARTERS_PER_SCALE * args.scale)[-args.quarters :]
    periods = [period_resolve(period_type=form.period_type, code=code) for code in codes]
    communes = list(
        Unit.objects.filter(level="commune", valid_to__isnull=True)
        .order_by("pk")
        .values_list("pk", "code", "path")
    )
    assert communes, "no current communes in the reference data"
    setup["form_and_periods"] = time.perf_counter() - started

    # The commune whose report is held back: the first of the measured province.
    province = pick_province(args.province)
    held_unit = next(pk for pk, _code, path in communes if path.startswith(province.path))
    held_period = next(p for p in periods if p.code == FRESHNESS_PERIOD)

    indicator_ids = dict(
        Indicator.objects.filter(code__in=INDICATORS + CAPITAL).values_list("code", "pk")
    )
    cells = [
        f"{indicator_ids[code]}\t{options_key({'NGUON_VON': n, 'LOAI_VON': k})}\t"
        for code in INDICATORS
        for n in NGUON_VON
        for k in LOAI_VON
    ] + [
        f"{indicator_ids[code]}\t{options_key({'DU_AN': p, 'NGUON_VON': n, 'LOAI_VON': 'DTPT'})}\t"
        for code in CAPITAL
        for p in CAPITAL_PROJECTS
        for n in CAPITAL_SOURCES
    ]
    rng = random.Random(2026)
    # Amounts in million dong with two decimals, written as normalise_value would.
    pool = []
    for _ in range(65536):
        text = format((Decimal(rng.randint(0, 5_000_000)) / 100).normalize(), "f")
        pool.append(f"{text}\t{text}")
    stamp = timezone.now().isoformat()
    tail = f"\t\tf\t\\N\t\\N\t{stamp}\t{stamp}\n"
    period_ids = [p.pk for p in periods]

    started = time.perf_counter()
    values = 0
    with connection.cursor() as cursor:
        # Unit outer, period inner: every index of the table is filled at a few hot spots
        # instead of at random places, which keeps a 25-million-row load near disk speed.
        for start in range(0, len(communes), 500):
            with cursor.copy(
                "COPY reporting_datavalue (unit_id, period_id, indicator_id, options_key, "
                "value, numeric, comment, deleted, created_by_id, updated_by_id, created_at, "
                "updated_at) FROM STDIN"
            ) as copy:
                for unit_id, _code, _path in communes[start : start + 500]:
                    for period_id in period_ids:
                        head = f"{unit_id}\t{period_id}\t"
                        picks = rng.choices(pool, k=len(cells))
                        copy.write(
                            "".join(
                                [
                                    head + cell + pick + tail
                                    for cell, pick in zip(cells, picks, strict=True)
                                ]
                            )
                        )
                        values += len(cells)
    setup["values_copy"] = time.perf_counter() - started
    progress(f"{values:,} values copied in {setup['values_copy']:.0f} s")

    started = time.perf_counter()
    reports = []
    for period in periods:
        closed = datetime.datetime.combine(period.end_date, datetime.time(), tzinfo=datetime.UTC)
        decided = closed + datetime.timedelta(days=12)
        for unit_id, _code, _path in communes:
            held = unit_id == held_unit and period.pk == held_period.pk
            reports.append(
                Submission(
                    form=form,
                    form_code=form.code,
                    unit_id=unit_id,
                    period=period,
                    status=SubmissionStatus.SUBMITTED if held else SubmissionStatus.APPROVED,
                    submitted_at=decided - datetime.timedelta(days=3),
                    decided_at=None if held else decided,
                    decided_by=None if held else officer,
                    last_approved_at=None if held else decided,
                )
            )
    Submission.objects.bulk_create(reports, batch_size=5000)
    setup["submissions"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    setup["analyze"] = time.perf_counter() - started

    progress("rollups_rebuild() …")
    started = time.perf_counter()
    rollups_rebuild()
    setup["rollups_rebuild"] = time.perf_counter() - started
    progress(f"roll-ups rebuilt in {setup['rollups_rebuild']:.0f} s")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "reporting_datavalue", "reporting_submission", "analytics_rollup",
            "analytics_rolluptotal",
        ):  # fmt: skip
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    setup["vacuum_analyze"] = time.perf_counter() - started
    return {
        "form": form,
        "officer": officer,
        "province": province,
        "periods": periods,
        "communes": len(communes),
        "values": values,
        "submissions": len(reports),
        "held_unit": held_unit,
        "held_period": held_period,
    }


def fixture_reused(args) -> dict:
    """The fixture of a database an earlier --keep run built, its held-back report put back
    to "submitted" (reopened through the service, so the roll-ups follow)."""
    from django.db import connection

    from dantoc.accounts.models import User
    from dantoc.reporting.models import Period, ReportForm, Submission, SubmissionStatus
    from dantoc.reporting.services import submission_return

    form = ReportForm.objects.get(code=FORM)
    officer = User.objects.get(username=OFFICER)
    periods = list(Period.objects.filter(period_type=form.period_type).order_by("start_date"))
    held_period = next(p for p in periods if p.code == FRESHNESS_PERIOD)
    province = pick_province(args.province)
    held = (
        Submission.objects.filter(form_code=FORM, period=held_period, unit__path__startswith=province.path)
        .order_by("unit_id")
        .first()
    )  # fmt: skip
    if held.status == SubmissionStatus.APPROVED:
        submission_return(actor=officer, submission=held, reason="Đo lại hiệu năng")
    Submission.objects.filter(pk=held.pk).update(status=SubmissionStatus.SUBMITTED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_datavalue")
        values = cursor.fetchone()[0]
    return {
        "form": form,
        "officer": officer,
        "province": province,
        "periods": periods,
        "communes": Submission.objects.filter(form_code=FORM, period=held_period).count(),
        "values": values,
        "submissions": Submission.objects.filter(form_code=FORM).count(),
        "held_unit": held.unit_id,
        "held_period": held_period,
    }


def pick_province(code: str | None):
    from django.db.models import Count, Q

    from dantoc.geo.models import Unit

    current = Unit.objects.filter(level="province", valid_to__isnull=True)
    if code:
        province = current.filter(code=code).first()
        if province is None:
            raise SystemExit(f"no current province with code {code!r}")
        return province
    communes = Q(children__level="commune", children__valid_to__isnull=True)
    return current.annotate(n=Count("children", filter=communes)).order_by("-n", "code")[0]


# --- measuring --------------------------------------------------------------------------------


def timed(fn, repeat: int, warmup: int = WARMUP) -> dict:
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


def percentiles(samples: list[float]) -> dict | None:
    if not samples:
        return None  # a query that does not go through query._fetch
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2),
    }


@contextmanager
def rollup_reads_timed(samples: list[float]):
    """Time the reads of the roll-up rows inside ``analytics_run`` (``query._fetch``, and
    ``query._fetch_plain`` for a plain table: the SQL and the conversion of its rows): the
    rest of a run is the engine's Python."""
    from dantoc.analytics import query

    originals = {name: getattr(query, name) for name in ("_fetch", "_fetch_plain")}

    def timed(original):
        def fetch(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                samples.append((time.perf_counter() - started) * 1000)

        return fetch

    for name, original in originals.items():
        setattr(query, name, timed(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(query, name, original)


def baseline_sql(*, by_commune: bool) -> str:
    """What a system without roll-ups runs: the approved reports' values, joined to the
    units by path prefix, grouped in one statement."""
    group = "u.id" if by_commune else "p.id"
    return f"""
        SELECT {group}, v.indicator_id, v.period_id, SUM(v.numeric)
        FROM geo_unit p
        JOIN geo_unit u ON u.path LIKE p.path || '%%' AND u.level = 'commune'
        JOIN reporting_datavalue v ON v.unit_id = u.id
        JOIN reporting_submission s ON s.unit_id = v.unit_id AND s.period_id = v.period_id
             AND s.form_code = %s AND s.status = 'approved'
        WHERE p.id = ANY(%s) AND v.indicator_id = ANY(%s) AND v.period_id = ANY(%s)
          AND NOT v.deleted AND v.numeric IS NOT NULL
        GROUP BY {group}, v.indicator_id, v.period_id
    """


def baseline_last_sql() -> str:
    """The "last" baseline: each commune's latest approved quarter of the year with data,
    its values added up by province, from the raw values in one statement."""
    return """
        WITH approved AS (
            SELECT v.unit_id, v.indicator_id, v.period_id, v.numeric, per.end_date
            FROM reporting_datavalue v
            JOIN reporting_period per ON per.id = v.period_id
            JOIN reporting_submission s ON s.unit_id = v.unit_id AND s.period_id = v.period_id
                 AND s.form_code = %s AND s.status = 'approved'
            WHERE v.indicator_id = ANY(%s) AND v.period_id = ANY(%s)
              AND NOT v.deleted AND v.numeric IS NOT NULL
        ), latest AS (
            SELECT unit_id, indicator_id, MAX(end_date) AS end_date
            FROM approved GROUP BY unit_id, indicator_id
        )
        SELECT p.id, a.indicator_id, SUM(a.numeric)
        FROM approved a
        JOIN latest l ON l.unit_id = a.unit_id AND l.indicator_id = a.indicator_id
             AND l.end_date = a.end_date
        JOIN geo_unit u ON u.id = a.unit_id AND u.level = 'commune'
        JOIN geo_unit p ON u.path LIKE p.path || '%%'
        WHERE p.id = ANY(%s)
        GROUP BY p.id, a.indicator_id
    """


def measure(args, fixture: dict, setup: dict) -> dict:
    from django.db import connection

    from dantoc.analytics import metadata
    from dantoc.analytics.query import analytics_run, parse_request
    from dantoc.geo.models import Unit
    from dantoc.indicators.models import Indicator
    from dantoc.reporting.models import Period

    province = fixture["province"]
    dx = "dx:" + ";".join(INDICATORS)
    pe = "pe:" + ";".join(MEASURED)
    requests = {
        "national": [dx, pe, "ou:VN;LEVEL-province"],
        "province_communes": [dx, pe, f"ou:{province.code};LEVEL-commune"],
        "national_last": ["dx:" + ";".join(CAPITAL), f"pe:{LAST_YEAR}", "ou:VN;LEVEL-province"],
    }
    provinces = list(Unit.objects.filter(level="province", valid_to__isnull=True))
    unit_codes = dict(Unit.objects.filter(valid_to__isnull=True).values_list("pk", "code"))
    indicator_codes = dict(Indicator.objects.filter(code__in=INDICATORS).values_list("pk", "code"))
    capital_codes = dict(Indicator.objects.filter(code__in=CAPITAL).values_list("pk", "code"))
    year_ids = list(
        Period.objects.filter(
            period_type=fixture["form"].period_type, code__startswith=f"{LAST_YEAR}Q"
        ).values_list("pk", flat=True)
    )
    measured_ids = dict(
        Period.objects.filter(period_type=fixture["form"].period_type, code__in=MEASURED)
        .values_list("pk", "code")
    )  # fmt: skip

    def analytics(name):
        return analytics_run(parse_request(dimensions=requests[name]))

    def analytics_unkept(name):
        metadata.memo_forget()
        return analytics(name)

    def table(name) -> dict:
        return {
            (r.keys["dx"], r.keys["pe"], r.keys["ou"]): r.value.quantize(Decimal("0.01"))
            for r in analytics(name).rows
        }

    def baseline(name) -> dict:
        if name == "national_last":
            with connection.cursor() as cursor:
                cursor.execute(
                    baseline_last_sql(),
                    [FORM, list(capital_codes), year_ids, [p.pk for p in provinces]],
                )
                rows = cursor.fetchall()
            return {
                (capital_codes[i], str(LAST_YEAR), unit_codes[u]): s.quantize(Decimal("0.01"))
                for u, i, s in rows
            }
        by_commune = name == "province_communes"
        bounds = [province.pk] if by_commune else [p.pk for p in provinces]
        with connection.cursor() as cursor:
            cursor.execute(
                baseline_sql(by_commune=by_commune),
                [FORM, bounds, list(indicator_codes), list(measured_ids)],
            )
            rows = cursor.fetchall()
        return {
            (indicator_codes[i], measured_ids[p], unit_codes[u]): s.quantize(Decimal("0.01"))
            for u, i, p, s in rows
        }

    queries = {}
    for name, shape in (
        ("national", f"20 indicators × 4 quarters × {len(provinces)} provinces"),
        ("province_communes", f"20 indicators × 4 quarters × communes of {province.code}"),
        (
            "national_last",
            f"2 'last' indicators × year {LAST_YEAR} (each commune's latest quarter) × "
            f"{len(provinces)} provinces",
        ),
    ):
        ours, theirs = table(name), baseline(name)
        reads: list[float] = []
        with rollup_reads_timed(reads):
            figures = timed(lambda n=name: analytics(n), args.repeat)
        queries[name] = {
            "shape": shape,
            "request": requests[name],
            "answer_rows": len(ours),
            "analytics": figures,
            "analytics_rollup_read": percentiles(reads[WARMUP : WARMUP + args.repeat]),
            # The first request after units, indicators, forms or periods changed: nothing
            # of what requests resolve to is kept (``analytics.metadata``).
            "analytics_nothing_kept": timed(lambda n=name: analytics_unkept(n), args.repeat),
            "baseline": timed(lambda n=name: baseline(n), args.repeat),
            "matches": ours == theirs,
        }
        q = queries[name]
        q["baseline_ratio"] = round(q["baseline"]["p50_ms"] / q["analytics"]["p50_ms"], 1)
    queries["province_communes"]["province"] = {
        "code": province.code,
        "name": province.name,
        "communes": Unit.objects.filter(parent=province, valid_to__isnull=True).count(),
    }

    # One sign-in for both (a second one within 30 s would reuse the one-time code).
    client = signed_in_officer_client()
    dashboard = measure_dashboard(args, client)
    api = measure_api(args, client, {k: requests[k] for k in ("national", "province_communes")})
    freshness = measure_freshness(fixture, requests["national"])

    started = time.perf_counter()
    from dantoc.analytics.rollups import rollups_differences

    problems = rollups_differences(period_ids=[fixture["held_period"].pk])
    rollups_check = {
        "period": FRESHNESS_PERIOD,
        "differences": len(problems),
        "first": problems[:3],
        "seconds": round(time.perf_counter() - started, 1),
    }

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        server_version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT count(*) FROM analytics_rollup")
        rollup_rows = cursor.fetchone()[0]
        sizes = {}
        for table_name in (
            "reporting_datavalue", "analytics_rollup", "analytics_rolluptotal",
            "reporting_submission",
        ):  # fmt: skip
            cursor.execute("SELECT pg_total_relation_size(%s)", [table_name])
            sizes[table_name] = round(cursor.fetchone()[0] / 2**20)
        cursor.execute("SELECT pg_database_size(current_database())")
        sizes["database"] = round(cursor.fetchone()[0] / 2**20)
        server_settings = {}
        for name in ("shared_buffers", "work_mem", "temp_buffers", "jit"):
            cursor.execute(f"SHOW {name}")
            server_settings[name] = cursor.fetchone()[0]

    periods = fixture["periods"]
    targets_met = {
        "national_p95_under_50ms": queries["national"]["analytics"]["p95_ms"] < QUERY_TARGET_MS,
        "province_communes_p95_under_50ms": queries["province_communes"]["analytics"]["p95_ms"]
        < QUERY_TARGET_MS,
        "national_last_p95_under_50ms": queries["national_last"]["analytics"]["p95_ms"]
        < QUERY_TARGET_MS,
        "freshness_under_2s": freshness["visible"]
        and freshness["visible_after_ms"] < FRESHNESS_TARGET_MS,
        "dashboard_p95_under_200ms": (
            dashboard["p95_ms"] < DASHBOARD_TARGET_MS if "p95_ms" in dashboard else None
        ),
    }
    return {
        "benchmark": "analytics",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "database": server_version,
        "server_settings": server_settings,
        "scale": args.scale,
        "data": {
            "communes": fixture["communes"],
            "indicators": len(INDICATORS),
            "combinations": len(INDICATORS) * len(NGUON_VON) * len(LOAI_VON)
            + len(CAPITAL) * len(CAPITAL_PROJECTS) * len(CAPITAL_SOURCES),
            "quarters": len(periods),
            "first_quarter": periods[0].code,
            "last_quarter": periods[-1].code,
            "measured_quarters": MEASURED,
            "values": fixture["values"],
            "submissions": fixture["submissions"],
            "rollup_rows": rollup_rows,
        },
        "sizes_mb": sizes,
        "setup_seconds": {k: round(v, 1) for k, v in setup.items()},
        "queries": queries,
        "freshness": freshness,
        "dashboard": dashboard,
        "api": api,
        "rollups_check": rollups_check,
        "targets": {
            "query_p95_ms": QUERY_TARGET_MS,
            "freshness_ms": FRESHNESS_TARGET_MS,
            "dashboard_ms": DASHBOARD_TARGET_MS,
        },
        "targets_met": targets_met,
    }


def national_total(result, period_code: str) -> Decimal:
    return sum((r.value for r in result.rows if r.keys["pe"] == period_code), Decimal(0))


def measure_freshness(fixture: dict, national: list[str]) -> dict:
    """Approve the held-back report, then query until the national total includes it."""
    from django.db import connection
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext

    from dantoc.analytics.query import analytics_run, parse_request
    from dantoc.reporting.models import DataValue, Submission
    from dantoc.reporting.services import submission_approve

    period = fixture["held_period"]
    before = national_total(analytics_run(parse_request(dimensions=national)), period.code)
    own = DataValue.objects.filter(
        unit_id=fixture["held_unit"], period=period, indicator__code__in=INDICATORS
    ).aggregate(total=Sum("numeric"))["total"]
    expected = before + own
    submission = Submission.objects.get(form_code=FORM, unit_id=fixture["held_unit"], period=period)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as approve_queries:
        submission_approve(actor=fixture["officer"], submission=submission)
    approved = time.perf_counter()
    polls = 0
    while True:
        polls += 1
        total = national_total(analytics_run(parse_request(dimensions=national)), period.code)
        if total == expected or time.perf_counter() - approved > 10:
            break
    visible = time.perf_counter()
    return {
        "period": period.code,
        "approve_ms": round((approved - started) * 1000, 1),
        "approve_queries": len(approve_queries),
        "approve_slowest": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": " ".join(q["sql"].split())[:90]}
            for q in sorted(approve_queries, key=lambda q: -float(q["time"]))[:3]
        ],
        "visible_after_ms": round((visible - started) * 1000, 1),
        "queries_until_visible": polls,
        "visible": total == expected,
        "national_total_before": str(before),
        "commune_values_sum": str(own),
        "national_total_after": str(total),
    }


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


def measure_dashboard(args, client) -> dict:
    import gzip

    try:
        from dantoc.analytics import views

        assert views.dashboard
    except (ImportError, AttributeError) as exc:
        return {"skipped": f"dantoc.analytics.views.dashboard is not importable: {exc}"}
    url = "/analytics/"
    response = client.get(url, {"unit": "VN"})
    assert response.status_code == 200, response.status_code
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    figures = timed(lambda: client.get(url, {"unit": "VN"}), args.repeat)
    return {
        "url": f"{url}?unit=VN",
        "html_bytes": len(body),
        "sent_bytes": len(response.content),
        **figures,
    }


def measure_api(args, client, requests: dict[str, list[str]]) -> dict:
    """GET /api/analytics (JSON) of the same requests, as an analyst's tool sends them:
    the engine plus authentication, the DHIS2-shaped answer and its encoding."""
    import gzip

    def get(dimensions):
        response = client.get("/api/analytics", {"dimension": dimensions})
        assert response.status_code == 200, (dimensions, response.status_code)
        return response

    found = {}
    for name, dimensions in requests.items():
        response = get(dimensions)
        figures = timed(lambda d=dimensions: get(d), args.repeat)
        body = response.content
        if response.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        found[name] = {
            "json_bytes": len(body),
            "sent_bytes": len(response.content),
            "rows": json.loads(body)["height"],
            **figures,
        }
    return found


if __name__ == "__main__":
    sys.exit(main())
