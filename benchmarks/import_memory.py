"""Peak memory of a large dataValueSets import on PostgreSQL: a body of ``--mb`` megabytes
(200, the API's limit, by default) in JSON and in CSV, imported in a fresh process through
the API's own path (the body copied from a stream into a spool file, read as a stream,
imported), so that nothing of the generator counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dantoc .venv/bin/python benchmarks/import_memory.py

Creates its own database (``dantoc_memory``; ``--database`` to rename) and drops it at the
end. The values are those of ``datavalues_import.py`` (one 300-cell form, every commune),
over as many open quarters as the size needs. Prints one JSON document: per format the body
size, the process's resident memory before the import (Django loaded, lookups not yet) and
its peak, and the peak as a multiple of the body.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(args) -> int:
    """Import one body file as the API does; print its figures as JSON."""
    import django

    django.setup()
    from dantoc.accounts.models import User
    from dantoc.reporting import dhis2
    from dantoc.reporting.apis_dhis2 import body_spool, max_body_bytes
    from dantoc.reporting.services.bulk import datavalues_import

    actor = User.objects.get(username="bench.bo")
    before = current_rss_mb()
    start = time.perf_counter()
    with open(args.child, "rb") as stream, body_spool(stream, max_body_bytes()) as (body, size):
        reader = dhis2.read_json_file if args.format == "json" else dhis2.read_csv_file
        payload = reader(body, size=size, defaults={"dataSet": "BENCH-300"})
        streamed = isinstance(payload.rows, dhis2.StreamedRows)
        summary = datavalues_import(
            actor=actor, rows=payload.rows, dataset_code=payload.data_set or "BENCH-300"
        )
    seconds = time.perf_counter() - start
    peak = rss_mb()
    print(
        json.dumps(
            {
                "body_mb": round(size / 2**20, 1),
                "streamed": streamed,
                "values": sum(summary.import_count.as_dict().values()),
                "import_count": summary.import_count.as_dict(),
                "conflicts": len(summary.conflicts),
                "seconds": round(seconds, 1),
                "rss_before_mb": round(before),
                "peak_rss_mb": round(peak),
                "peak_over_body": round(peak / (size / 2**20), 2),
                "growth_over_body": round((peak - before) / (size / 2**20), 2),
            }
        )
    )
    return 0


def write_body(path: Path, fmt: str, communes, periods, target: int, rng) -> int:
    """Values of every commune for each period in turn until the body reaches ``target``."""
    import orjson
    from datavalues_import import OPTIONS

    written = 0
    with open(path, "wb") as out:
        if fmt == "json":
            out.write(b'{"dataSet": "BENCH-300", "dataValues": [\n')
        else:
            out.write(
                b"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
                b"storedby,lastupdated,comment\n"
            )
        first = True
        for period in periods:
            for code in communes:
                lines = []
                for i in range(OPTIONS):
                    combo = f"BENCH_NHOM=M{i:03d}"
                    pairs = (
                        ("BENCH_SO_HO", str(rng.randrange(0, 5000))),
                        ("BENCH_VON", f"{rng.randrange(0, 10**7) / 10:.1f}"),
                    )
                    for de, value in pairs:
                        if fmt == "json":
                            item = {"dataElement": de, "period": period, "orgUnit": code,
                                    "categoryOptionCombo": combo, "value": value}  # fmt: skip
                            lines.append(("" if first else ",\n") + orjson.dumps(item).decode())
                            first = False
                        else:
                            # A comment, so that CSV (shorter per value) reaches the size
                            # with about as many values as JSON.
                            lines.append(
                                f"{de},{period},{code},{combo},,{value},,,"
                                f"Ghi chú số liệu thử tải của xã {code} mục {i}\n"
                            )
                chunk = "".join(lines).encode()
                if written + len(chunk) > target:
                    break  # the body stays within the API's limit
                out.write(chunk)
                written += len(chunk)
            if written + len(chunk) > target:
                break
        if fmt == "json":
            out.write(b"\n]}\n")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="dantoc_memory")
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--format", default="json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    from datavalues_import import define_form, drop_database, prepare_database

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

    results: dict = {"benchmark": "import_memory", "cpus": os.cpu_count()}
    try:
        call_command("migrate", verbosity=0)
        call_command("load_reference_data", verbosity=0)
        form = define_form()
        user_create(
            actor=None, username="bench.bo", password="bench-bench-bench",
            unit=unit_country(), roles=("ministry_officer",), check_password=False,
        )  # fmt: skip
        windows = selectors.open_periods(form, today=timezone.localdate())
        # The latest end date among them: every commune of today's map is in force.
        communes = list(
            Unit.objects.filter(valid_on_q(max(w.end for w in windows)), level="commune")
            .order_by("code")
            .values_list("code", flat=True)
        )
        connection.close()
        codes = [w.code for w in windows]
        half = len(codes) // 2
        rng = random.Random(1719)
        with tempfile.TemporaryDirectory() as folder:
            for fmt, periods in (("json", codes[:half]), ("csv", codes[half:])):
                path = Path(folder) / f"body.{fmt}"
                size = write_body(path, fmt, communes, periods, args.mb * 2**20 - 2**16, rng)
                done = subprocess.run(
                    [sys.executable, __file__, "--child", str(path), "--format", fmt],
                    capture_output=True, text=True, env=os.environ, check=False,
                )  # fmt: skip
                if done.returncode:
                    print(done.stderr, file=sys.stderr)
                    return 1
                results[fmt] = json.loads(done.stdout.strip().splitlines()[-1])
                results[fmt]["periods"] = periods
                path.unlink()
                del size
        print(json.dumps(results, indent=2, ensure_ascii=False))
    finally:
        connection.close()
        if not args.keep:
            drop_database(url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
