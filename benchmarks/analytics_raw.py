"""``/api/analytics/rawData.json`` on a national data set: time to the last byte, rows per
second, and how much the process grows while it streams millions of rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc .venv/bin/python benchmarks/analytics_raw.py
    ... benchmarks/analytics_raw.py --quarters 8 --keep      # 4.6 million values, kept
    ... benchmarks/analytics_raw.py --reuse                  # measure again on the kept one

PostgreSQL only. The data set is ``benchmarks/analytics.py``'s (3,321 communes × 172 values
× ``--quarters`` quarters, every report approved but one), built by its own ``build`` in a
database of its own (``dantoc_bench_raw``), without the roll-ups: raw data do not read them.

Measured through Django's test client, signed in as a ministry officer through the real
login and second-factor pages, without gzip (the streaming path itself), each request read
to its end as a client does:

- ``one_indicator_quarter``: one data element, one quarter, the whole country, ``co``
  (26,560 rows), best and median of ``--repeat`` runs;
- ``province_all``: 20 data elements × the 4 measured quarters, the largest province;
- ``national_all``: 20 data elements × the 4 measured quarters × the whole country, ``co``
  (about 2.1 million rows) once, with the process's peak memory (``ru_maxrss``) before and
  after: a stream keeps it flat where an answer built in memory would grow by gigabytes.

Prints one JSON document; drops the database at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import analytics as base  # noqa: E402  (benchmarks/analytics.py: the data set)

from dantoc.core import testing  # noqa: E402

DATABASE_NAME = "dantoc_bench_raw"
URL = "/api/analytics/rawData.json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quarters", type=int, default=4, help="quarters of data (4 to 8)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the small requests")
    parser.add_argument("--database", default=DATABASE_NAME)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument("--reuse", action="store_true", help="measure on a kept database")
    args = parser.parse_args(argv)
    if not 4 <= args.quarters <= 8:
        parser.error("--quarters must be between 4 and 8")
    # What benchmarks/analytics.py's build reads.
    args.scale, args.province = 1, None
    return args


def maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def read_to_end(client, query: dict) -> tuple[float, int, int]:
    """Seconds to the last byte, bytes, rows (the answer's ``height``)."""
    started = time.perf_counter()
    response = client.get(URL, query)
    assert response.status_code == 200, (query, response.status_code)
    size, last = 0, b""
    for chunk in response.streaming_content:
        size += len(chunk)
        last = chunk
    seconds = time.perf_counter() - started
    tail = last.rsplit(b'"height":', 1)[1]
    return seconds, size, int(tail.split(b",", 1)[0])


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from dantoc.analytics import rollups

    setup: dict[str, float] = {}
    if not args.reuse:
        started = time.perf_counter()
        call_command("migrate", "--noinput", verbosity=0)
        call_command("load_reference_data", stdout=io.StringIO())
        setup["migrate_and_reference_data"] = round(time.perf_counter() - started, 1)
        rollups.rollups_rebuild = lambda: None  # raw data do not read the roll-ups
        started = time.perf_counter()
        base.build(args, setup)
        setup["build"] = round(time.perf_counter() - started, 1)
        connections.close_all()
    province = base.pick_province(None)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reporting_datavalue")
        values = cursor.fetchone()[0]
    client = base.signed_in_officer_client()
    client.defaults.pop("HTTP_ACCEPT_ENCODING", None)
    dx = "dx:" + ";".join(base.INDICATORS)
    pe = "pe:" + ";".join(base.MEASURED)
    requests = {
        "one_indicator_quarter": {
            "dimension": [f"dx:{base.INDICATORS[0]}", f"pe:{base.MEASURED[-1]}", "ou:VN", "co"]
        },
        "province_all": {"dimension": [dx, pe, f"ou:{province.code}", "co"]},
    }
    load_before = os.getloadavg()[0]
    found: dict[str, dict] = {}
    for name, query in requests.items():
        read_to_end(client, query)  # warm-up
        runs = [read_to_end(client, query) for _ in range(args.repeat)]
        seconds = [r[0] for r in runs]
        found[name] = {
            "rows": runs[0][2],
            "json_bytes": runs[0][1],
            "best_s": round(min(seconds), 3),
            "median_s": round(statistics.median(seconds), 3),
            "rows_per_s": round(runs[0][2] / statistics.median(seconds)),
        }
    before = maxrss_mb()
    seconds, size, rows = read_to_end(client, {"dimension": [dx, pe, "ou:VN", "co"]})
    found["national_all"] = {
        "rows": rows,
        "json_bytes": size,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "maxrss_mb_before": before,
        "maxrss_mb_after": maxrss_mb(),
    }
    return {
        "benchmark": "analytics_raw",
        "values_in_table": values,
        "quarters": args.quarters,
        "province": province.code,
        "setup_s": setup,
        "requests": found,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min": {
                "before": round(load_before, 1),
                "after": round(os.getloadavg()[0], 1),
            },
            "python_reference_ms": base.python_reference_ms(),
        },
    }


def main() -> int:
    args = parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url or testing.vendor_of(base_url) != "postgresql":
        print("benchmarks/analytics_raw.py measures PostgreSQL: set DATABASE_URL.", file=sys.stderr)
        return 2
    if args.reuse:
        os.environ["DATABASE_URL"] = base_url.rsplit("/", 1)[0] + "/" + args.database
        result = run(args)
    else:
        db = testing.create_database(name=args.database, base_url=base_url, replace=True)
        os.environ["DATABASE_URL"] = db.url
        try:
            result = run(args)
        finally:
            from django.db import connections

            connections.close_all()
            if not args.keep:
                testing.drop_database(db)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
