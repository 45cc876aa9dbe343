"""A one-million-row open-data release: written and downloaded without holding it in memory.

Issue 6: "a 1-million-row CSV download streams without loading it into memory (show peak
memory in the benchmark)". This run:

1. writes a release of 1,080,000 rows (3,321 communes × 54 ethnic groups × 6 semesters, the
   shape of a national data set of households by ethnic group) with the release writers the
   publishing service uses (CSV, then JSON and XLSX from the CSV), each in a forked child
   whose resident-memory growth is read from /proc. The rows come from a generator of that shape, not from
   the analytics engine: a million approved values would take far longer to enter than to
   publish, and the writers see the same stream of lines either way;
2. records it as a release of a published data set in a scratch SQLite database;
3. downloads the CSV through the real view (``FileResponse``) in a real gunicorn worker and
   reads the worker's resident memory (VmRSS / VmHWM from /proc) before and after;
4. side by side, in this process with the Django test client and tracemalloc: the real view
   against a baseline that reads the file into one response body (what a naive download
   view would do).

    .venv/bin/python benchmarks/opendata_download.py [--rows 1080000] [--skip-xlsx]

Prints one JSON document. Works in a temporary folder of its own (its SQLite database and
media), removed at the end; ``benchmark(args)`` is the run without the printing, for
``benchmarks/headline.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

sys.path.insert(0, str(ROOT / "benchmarks"))
from opendata_rows import COMMUNES, GROUPS, SEMESTERS, lines  # noqa: E402


def traced(fn, *args):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def forked(fn, *args):
    """Run ``fn`` in a forked child; its result, seconds, and the child's resident-memory
    growth (VmHWM at the end less VmRSS at the start). tracemalloc would slow the XLSX
    writer twentyfold, so the writers are measured this way."""
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        start = proc_memory(os.getpid())["VmRSS"]
        started = time.perf_counter()
        result = fn(*args)
        seconds = time.perf_counter() - started
        growth = proc_memory(os.getpid())["VmHWM"] - start
        with os.fdopen(write, "wb") as out:
            pickle.dump((result, seconds, growth), out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as source:
        result = pickle.load(source)
    os.waitpid(pid, 0)
    return result


def mib(n: int) -> float:
    return round(n / 1024 / 1024, 2)


def proc_memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) * 1024
    return fields


def gunicorn_download(path: str, size: int) -> dict:
    """Download through a real gunicorn worker and read the worker's memory."""
    import requests

    from dantoc.core.testing import free_port

    port = str(free_port())
    env = {**os.environ}
    # The interpreter running this script, so that it works from any checkout or worktree.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "300"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}{path}"
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        worker = int(
            subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0]
        )  # the one worker process
        requests.get(url, headers={"Range": "bytes=0-10"}, timeout=30).close()  # warm the code
        before = proc_memory(worker)
        started = time.perf_counter()
        received = 0
        digest = hashlib.sha256()
        with requests.get(url, stream=True, timeout=300) as response:
            response.raise_for_status()
            for chunk in response.iter_content(1 << 16):
                received += len(chunk)
                digest.update(chunk)
        seconds = time.perf_counter() - started
        after = proc_memory(worker)
    finally:
        server.terminate()
        server.wait(10)
    assert received == size, (received, size)
    return {
        "bytes": received,
        "seconds": round(seconds, 2),
        "mb_per_second": round(received / seconds / 1e6, 1),
        "worker_rss_before_mib": mib(before["VmRSS"]),
        "worker_rss_after_mib": mib(after["VmRSS"]),
        "worker_peak_rss_growth_mib": mib(after["VmHWM"] - before["VmHWM"]),
        "sha256": digest.hexdigest(),
    }


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=COMMUNES * GROUPS * len(SEMESTERS))
    parser.add_argument("--skip-xlsx", action="store_true")
    return parser.parse_args(argv)


def main() -> None:
    print(json.dumps(benchmark(parse_args()), indent=2, ensure_ascii=False))


def benchmark(args) -> dict:
    """Write, record and download the release in a temporary folder of its own; the figures.
    Sets Django up on that folder's SQLite database: call it in a process of its own."""
    work = Path(tempfile.mkdtemp(prefix="dantoc-od-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ["DANTOC_MEDIA_ROOT"] = str(work / "media")
    import django

    django.setup()
    try:
        return measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure(args, work: Path) -> dict:
    from django.conf import settings
    from django.core.files import File
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import Client

    from dantoc.geo.models import Unit, UnitKind, UnitLevel
    from dantoc.opendata.models import Dataset, DatasetState, Release, ReleaseFile
    from dantoc.opendata.releases import columns_for, write_csv, write_json, write_xlsx

    out: dict = {"rows": args.rows}
    call_command("migrate", verbosity=0)
    columns = columns_for(["DAN_TOC"])
    (csv_path, checksum), seconds, growth = forked(write_csv, columns, lines(args.rows), str(work))
    size = os.path.getsize(csv_path)
    out["write_csv"] = {"seconds": round(seconds, 1), "peak_rss_growth_mib": mib(growth),
                        "file_mib": mib(size)}  # fmt: skip
    json_path, seconds, growth = forked(write_json, "bench", columns, csv_path, str(work))
    out["write_json"] = {"seconds": round(seconds, 1), "peak_rss_growth_mib": mib(growth),
                         "file_mib": mib(os.path.getsize(json_path))}  # fmt: skip
    if not args.skip_xlsx:
        xlsx_path, seconds, growth = forked(write_xlsx, columns, csv_path, str(work))
        out["write_xlsx"] = {"seconds": round(seconds, 1), "peak_rss_growth_mib": mib(growth),
                             "file_mib": mib(os.path.getsize(xlsx_path))}  # fmt: skip

    unit = Unit.objects.create(
        code="VN", name="Việt Nam", short_name="Việt Nam", search_name="viet nam",
        level=UnitLevel.COUNTRY, kind=UnitKind.COUNTRY, path="/1/",
    )  # fmt: skip
    dataset = Dataset.objects.create(
        name="bench", title="bench", title_en="bench", description="-",
        description_en="-", publisher=unit, theme="SOCI", contact_name="-",
        contact_email="a@example.invalid", indicators=["DA1_HO_NHA_O"], periods=SEMESTERS,
        units=["VN"], state=DatasetState.PUBLISHED,
    )  # fmt: skip
    release = Release.objects.create(
        dataset=dataset, version=1, row_count=args.rows, checksum=checksum
    )
    with open(csv_path, "rb") as source:
        name = default_storage.save("opendata/bench/v1/bench-v1.csv", File(source))
    stored = ReleaseFile.objects.create(
        release=release, format="csv", file=name, size=size, sha256=checksum
    )
    path = stored.get_absolute_url()

    out["gunicorn_download"] = gunicorn_download(path, size)
    assert out["gunicorn_download"]["sha256"] == checksum

    def streamed():
        response = Client().get(path, HTTP_HOST="127.0.0.1")
        total = 0
        for chunk in response.streaming_content:
            total += len(chunk)
        return total

    def baseline():
        # A naive download view: the whole file read into one response body.
        with stored.file.open("rb") as fh:
            response = HttpResponse(fh.read(), content_type="text/csv")
        return len(response.content)

    got, seconds, peak = traced(streamed)
    assert got == size
    out["view_streaming"] = {"seconds": round(seconds, 2), "peak_heap_mib": mib(peak)}
    got, seconds, peak = traced(baseline)
    assert got == size
    out["baseline_read_whole_file"] = {"seconds": round(seconds, 2), "peak_heap_mib": mib(peak)}
    out["media_root"] = str(settings.MEDIA_ROOT)
    return out


if __name__ == "__main__":
    main()
