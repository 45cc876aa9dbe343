"""Throughput of the public portal pages for anonymous visitors (issue 5: 500+ requests/s).

    .venv/bin/python benchmarks/portal_load.py [--workers 3] [--seconds 15] [--connections 32]

Creates a throw-away database of the run's vendor (SQLite in a temporary folder, or a fresh
PostgreSQL database when DATABASE_URL points at one), sets it up as `make run` does (migrate,
reference data, demo data with the portal's demo content), serves it with gunicorn (the
production server, ``config.wsgi``, DEBUG off, gzip and the portal's page cache: Django's
default per-process memory cache) and loads each page with ``wrk`` (Debian package ``wrk``)
over loopback, with ``Accept-Encoding: gzip`` as browsers send. wrk runs on the same 2-core
machine, so it takes CPU from the server: the figures are a floor.

Prints one JSON document: per page requests/second, latency p50/p99 and non-2xx responses.
``benchmark(args, db)`` is the run without the printing, for ``benchmarks/headline.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TARGET_RPS = 500
PAGES = [
    "/cong-thong-tin/",
    "/cong-thong-tin/tin-tuc/",
    "/cong-thong-tin/van-ban/",
    "/cong-thong-tin/van-ban/27-2022-nd-cp/",
    "/cong-thong-tin/dia-ban/08/",
    "/cong-thong-tin/co-quan/",
    "/cong-thong-tin/tim-kiem/?q=quyet+dinh+330",
]


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    url: str, *, seconds: int, connections: int, threads: int, headers: list[str] = ()
) -> dict:
    extra = [part for header in headers for part in ("-H", header)]
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", "Accept-Encoding: gzip", *extra, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def parse(text: str | None) -> float | None:
        if not text:
            return None
        number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
        return round(_ms(number, unit), 2)

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "requests_per_second": round(rps, 1),
        "latency_p50_ms": parse(latency.get("50")),
        "latency_p99_ms": parse(latency.get("99")),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=32)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: scripts/ensure-system-packages.sh", file=sys.stderr)
        return 2
    print(json.dumps(benchmark(args), indent=2))
    return 0


def benchmark(args, db: testing.ThrowawayDatabase | None = None) -> dict:
    """Serve ``db`` (already set up as `make run` does) or a throw-away database of the run's
    vendor made and set up here, and load each page with wrk; the figures."""
    if db is None:
        with (
            tempfile.TemporaryDirectory() as workdir,
            testing.throwaway_database(workdir=Path(workdir)) as fresh,
        ):
            testing.prepare(fresh)
            return benchmark(args, fresh)
    with testing.serve(db, workers=args.workers, threads=args.threads) as server:
        results = []
        for path in PAGES:
            url = server.url + path
            with urllib.request.urlopen(url) as response:  # warm the page cache
                assert response.status == 200, (path, response.status)
            figures = run_wrk(url, seconds=args.seconds, connections=args.connections, threads=2)
            results.append({"page": path, **figures})
    rates = [r["requests_per_second"] for r in results]
    return {
        "benchmark": "portal_load",
        "database": db.vendor,
        "gunicorn_workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "seconds_per_page": args.seconds,
        "target_requests_per_second": TARGET_RPS,
        "pages": results,
        "min_requests_per_second": min(rates),
        "all_within_target": min(rates) >= TARGET_RPS,
        "load_average_after": os.getloadavg(),
    }


if __name__ == "__main__":
    sys.exit(main())
