"""Throughput of the DHIS2 dataValueSets import on PostgreSQL: a whole country's round of one
300-cell form (3,321 communes × 300 cells ≈ 1,000,000 values) in one JSON payload.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc .venv/bin/python benchmarks/datavalues_import.py

Creates its own database (``dantoc_bench`` on the same server; ``--database`` to rename),
migrates it and loads the reference data, so the dev and test databases are untouched; drops
it at the end unless ``--keep``. Measures end to end (JSON parse + validation + write, as the
API does after reading the body) for

  (a) the first import of every value,
  (b) the same payload again (everything ignored),
  (c) a payload with 10 % of the values changed,

and the baseline: the plain Django ORM path (``DataValue.objects.update_or_create`` per
value) on a 20,000-value sample in the same run; the sample goes into an empty period, so
every value is a first entry, which writes no history row. Prints one JSON document.
``--communes N`` runs a smaller country (for a quick check) and ``--baseline-sample N`` a
smaller baseline (``benchmarks/headline.py`` uses both); SQLite is refused. ``benchmark(args)``
is the run without the printing, for ``benchmarks/headline.py``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET = 100_000  # values per second for the first import, on the 2-core reference machine
OPTIONS = 150  # options of the synthetic category; 2 indicators → 300 cells
BASELINE_SAMPLE = 20_000


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="dantoc_bench")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--communes", type=int, default=0, help="only the first N communes")
    parser.add_argument("--profile", action="store_true", help="cProfile (a) to stderr")
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=BASELINE_SAMPLE,
        help="values written by the ORM per-row baseline",
    )
    return parser.parse_args(argv)


def prepare_database(url: str, name: str) -> str:
    """(Re)create the benchmark database; return its URL."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str, name: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def define_form():
    """A synthetic category of OPTIONS options, two indicators (integer and decimal) on it,
    and a form with one row per option and one column per indicator: 300 cells."""
    from dantoc.indicators.services import indicator_catalogue_load
    from dantoc.reporting.services import form_define

    catalogue = {
        "categories": [
            {
                "code": "BENCH_NHOM",
                "name": "Nhóm thử tải",
                "options": [{"code": f"M{i:03d}", "name": f"Mục {i}"} for i in range(OPTIONS)],
            }
        ],
        "indicators": [
            {"code": "BENCH_SO_HO", "name": "Số hộ (thử tải)", "value_type": "integer",
             "categories": ["BENCH_NHOM"]},
            {"code": "BENCH_VON", "name": "Vốn (thử tải)", "value_type": "number",
             "categories": ["BENCH_NHOM"]},
        ],
    }  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(catalogue, f)
    indicator_catalogue_load(path=Path(f.name))
    os.unlink(f.name)
    definition = {
        "code": "BENCH-300",
        "name": "Biểu thử tải 300 ô",
        "period_type": "quy",
        "reporting_level": "commune",
        "opens_days_before_end": 366,
        "locks_days_after_end": 366,
        "sections": [
            {
                "code": "S",
                "title": "Thử tải",
                "columns": [
                    {"code": "SO_HO", "label": "Số hộ", "indicator": "BENCH_SO_HO"},
                    {"code": "VON", "label": "Vốn", "indicator": "BENCH_VON"},
                ],
                "rows": [
                    {
                        "code": f"R{i:03d}",
                        "label": f"Mục {i}",
                        "options": {"BENCH_NHOM": f"M{i:03d}"},
                    }
                    for i in range(OPTIONS)
                ],
            }
        ],
    }
    form, _ = form_define(definition=definition)
    return form


def make_values(communes: list[str], rng: random.Random) -> list[dict]:
    values = []
    for code in communes:
        for i in range(OPTIONS):
            combo = f"BENCH_NHOM=M{i:03d}"
            values.append(
                {"dataElement": "BENCH_SO_HO", "orgUnit": code, "categoryOptionCombo": combo,
                 "value": str(rng.randrange(0, 5000))}
            )  # fmt: skip
            values.append(
                {"dataElement": "BENCH_VON", "orgUnit": code, "categoryOptionCombo": combo,
                 "value": f"{rng.randrange(0, 10**7) / 10:.1f}"}
            )  # fmt: skip
    return values


def timed_import(*, actor, body: bytes, today, profile: bool = False) -> dict:
    from dantoc.reporting import dhis2
    from dantoc.reporting.services.bulk import datavalues_import

    profiler = cProfile.Profile() if profile else None
    client_before, server_before = cpu_seconds()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    payload = dhis2.parse_json(body)
    parsed = time.perf_counter()
    summary = datavalues_import(
        actor=actor, rows=payload.rows, dataset_code=payload.data_set, today=today
    )
    end = time.perf_counter()
    client_after, server_after = cpu_seconds()
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue(), file=sys.stderr)
    n = len(payload.rows)
    return {
        "values": n,
        "seconds": round(end - start, 3),
        "parse_seconds": round(parsed - start, 3),
        "values_per_second": round(n / (end - start)),
        "import_count": summary.import_count.as_dict(),
        "conflicts": len(summary.conflicts),
        # CPU time of this process (with its threads) and of its database server process:
        # on a loaded machine the wall time says how busy the machine was, these say what
        # the import cost. On a quiet 2-core machine the wall time is between the larger
        # of the two (both working at once) and their sum.
        "client_cpu_seconds": round(client_after - client_before, 3),
        "server_cpu_seconds": round(server_after - server_before, 3),
    }


def cpu_seconds() -> tuple[float, float]:
    """(CPU seconds used so far by this process, by its database connection's server
    process): the server's from /proc when it runs on this machine (0 otherwise)."""
    from django.db import connection

    usage = resource.getrusage(resource.RUSAGE_SELF)
    client = usage.ru_utime + usage.ru_stime
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        server = 0.0
    return client, server


def rollups_check(period) -> dict:
    """What ``manage.py rollups check`` finds for the imported period: the maintained
    roll-ups against a computation from scratch (0 differences: exactly right)."""
    from dantoc.analytics.rollups import rollups_differences

    start = time.perf_counter()
    problems = rollups_differences(period_ids=[period.pk])
    return {
        "differences": len(problems),
        "first": problems[:3],
        "seconds": round(time.perf_counter() - start, 1),
    }


def orm_baseline(*, actor, form, period, communes: list[str], values: list[dict]) -> dict:
    """The straightforward way: parse, look up, normalise, then update_or_create each value
    in one transaction (a first entry: no history row, ``created_by`` says who)."""
    import orjson
    from django.db import transaction

    from dantoc.geo.models import Unit
    from dantoc.indicators.models import Indicator
    from dantoc.indicators.values import normalise_value, parse_options_key
    from dantoc.reporting.models import DataValue

    body = orjson.dumps({"dataSet": form.code, "period": period.code, "dataValues": values})
    start = time.perf_counter()
    document = orjson.loads(body)
    indicators = {i.code: i for i in Indicator.objects.filter(code__startswith="BENCH_")}
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in=communes, valid_to__isnull=True, level="commune")
    }
    with transaction.atomic():
        for item in document["dataValues"]:
            indicator = indicators[item["dataElement"]]
            parse_options_key(item["categoryOptionCombo"])
            text, number = normalise_value(indicator.value_type, item["value"])
            fields = {"value": text, "numeric": number, "comment": "", "deleted": False,
                      "updated_by": actor}  # fmt: skip
            DataValue.objects.update_or_create(
                indicator=indicator,
                unit=units[item["orgUnit"]],
                period=period,
                options_key=item["categoryOptionCombo"],
                defaults=fields,
                create_defaults={**fields, "created_by": actor},
            )
    seconds = time.perf_counter() - start
    return {
        "values": len(values),
        "seconds": round(seconds, 3),
        "values_per_second": round(len(values) / seconds),
    }


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "This benchmark needs PostgreSQL: set DATABASE_URL=postgres://… "
            "(the SQLite path is not what a national round runs on).",
            file=sys.stderr,
        )
        return 2
    result = benchmark(args, url)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def benchmark(args, url: str) -> dict:
    """The whole run on a database of its own on the server of ``url``; the figures."""
    bench_url = prepare_database(url, args.database)
    os.environ["DATABASE_URL"] = bench_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from dantoc.accounts.services import user_create
    from dantoc.geo.models import Unit
    from dantoc.geo.selectors import unit_country, valid_on_q
    from dantoc.reporting import selectors
    from dantoc.reporting.periods import previous_period
    from dantoc.reporting.services import period_resolve

    try:
        setup_start = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
        form = define_form()
        actor = user_create(
            actor=None,
            username="bench.bo",
            password="bench-bench-bench",
            unit=unit_country(),
            roles=("ministry_officer",),
            check_password=False,
        )
        today = timezone.localdate()
        window = selectors.open_periods(form, today=today)[0]
        period = period_resolve(period_type=form.period_type, code=window.code)
        communes = list(
            Unit.objects.filter(valid_on_q(period.end_date), level="commune")
            .order_by("code")
            .values_list("code", flat=True)
        )
        if args.communes:
            communes = communes[: args.communes]
        rng = random.Random(1719)
        values = make_values(communes, rng)
        import orjson

        body = orjson.dumps({"dataSet": form.code, "period": period.code, "dataValues": values})
        changed = [dict(v) for v in values]
        for i in rng.sample(range(len(changed)), len(changed) // 10):
            item = changed[i]
            item["value"] = (
                str(int(item["value"]) + 1)
                if "." not in item["value"]
                else (f"{float(item['value']) + 0.5:.1f}")
            )
        changed_body = orjson.dumps(
            {"dataSet": form.code, "period": period.code, "dataValues": changed}
        )
        setup_seconds = time.perf_counter() - setup_start

        first = timed_import(actor=actor, body=body, today=today, profile=args.profile)
        first["rollups_check"] = rollups_check(period)
        again = timed_import(actor=actor, body=body, today=today)
        tenth = timed_import(actor=actor, body=changed_body, today=today)
        tenth["rollups_check"] = rollups_check(period)

        # The baseline writes into the previous quarter, so that it starts from empty too.
        previous = period_resolve(
            period_type=form.period_type,
            code=previous_period(window, form.period_type.rule()).code,
        )
        sample = rng.sample(values, min(args.baseline_sample, len(values)))
        baseline = orm_baseline(
            actor=actor, form=form, period=previous, communes=communes, values=sample
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            server = cursor.fetchone()[0].split(",")[0]
        result = {
            "benchmark": "datavalues_import",
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "database": server,
            },
            "payload": {
                "communes": len(communes),
                "cells": 2 * OPTIONS,
                "values": len(values),
                "json_bytes": len(body),
                "period": period.code,
            },
            "setup_seconds": round(setup_seconds, 1),
            "first_import": first,
            "same_payload_again": again,
            "ten_percent_changed": tenth,
            "orm_per_row_baseline": baseline,
            "speedup_first_import_vs_orm": round(
                first["values_per_second"] / baseline["values_per_second"], 1
            ),
            "target_values_per_second": TARGET,
            "target_met": first["values_per_second"] >= TARGET
            and tenth["values_per_second"] >= TARGET,
            # Includes the generator's own copies of the payload (the values as dicts, the
            # JSON bytes, the changed copy), so it overstates what an import needs.
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    finally:
        connection.close()
        if not args.keep:
            drop_database(url, args.database)
    return result


if __name__ == "__main__":
    sys.exit(main())
