"""CKAN ``package_search`` over 5,000 published open data sets, through the real HTTP stack.

Target (issue 6): ``package_search`` over 5,000 data sets answers in under 50 ms p95.

    .venv/bin/python benchmarks/opendata_search.py                  # SQLite (a temporary file)
    .venv/bin/python benchmarks/opendata_search.py \\
        --database postgres://postgres@127.0.0.1:5432/dantoc_bench_opendata

The script makes its own database (a SQLite file in a temporary folder, or the PostgreSQL
database named in ``--database``, replaced if it exists and dropped at the end unless
``--keep``), migrates it and loads the reference data (units, indicators). Then, to be quick,
it writes the catalogue's rows **directly with ``bulk_create``**, not through
``services.dataset_publish`` (which would compute and write three files per release):

- ``--datasets`` (5,000) published data sets, plus 5 % more withdrawn and drafts that every
  search must leave out; publishers: the ministry and the 34 provinces; each with a theme,
  a licence, a frequency, a temporal coverage between 2021 and 2027, 2–4 keywords from a
  Vietnamese vocabulary, its provinces, a search text made by the services' own
  ``_search_text`` (so that free-text search sees what publishing would store), creation
  and modification times spread over 2024–2026;
- 1–3 releases per data set, each with its CSV, JSON and XLSX ``ReleaseFile`` rows (names,
  sizes and checksums; no file is written: ``package_search`` only reads the rows).

It then times GET ``/api/3/action/package_search`` through Django's test client (URL
routing, every middleware, the view, JSON encoding; no network), ``--repeat`` times per
query type (default 60, after 5 warm-up runs), parameters varying from run to run:

- ``empty_q_facets``: no q, facets on organization, groups, tags, res_format, license_id;
- ``free_text``: two words without diacritics (``ho ngheo``, ``nuoc sach`` …);
- ``fq_organization``: ``fq=organization:<a province>``;
- ``negation``: ``fq=-groups:econ -tags:"<keyword>"``;
- ``date_range``: ``fq=metadata_modified:[2025-06-01T00:00:00Z TO *] temporal_start:[* TO NOW]``;
- ``deep_paging``: ``start`` among the last 100 results, ``sort=name asc``;
- ``rows_100``: 100 results in one page (the largest answer harvesters ask for).

Each query type is measured three ways, side by side: ``facets_computed`` (the cache of
facet counts emptied before the request: every facet computed by the selectors),
``facets_remembered`` (the same request again: the facet counts come from the cache until
the catalogue changes, the page of results is read fresh) and ``without_facets``
(``facet=false``). And ``naive_python`` (what a catalogue without SQL filtering
would do per request: read every published data set's name, text, publisher, theme and
times, filter and sort them in Python, then load one page of packages; measured for
free text and organization). Query counts are reported for each type.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from dantoc.core import testing  # noqa: E402  (needs no Django set-up)

TARGET_P95_MS = 50
WARMUP = 5
KEYWORDS = [
    "hộ nghèo", "nhà ở", "nước sạch", "đất sản xuất", "giải ngân", "vốn đầu tư",
    "đường giao thông", "trường học", "trạm y tế", "điện lưới", "chợ nông thôn",
    "sinh kế", "chăn nuôi", "trồng rừng", "dược liệu", "du lịch cộng đồng", "văn hoá",
    "lễ hội", "dạy nghề", "việc làm", "bình đẳng giới", "trẻ em", "dinh dưỡng",
    "tảo hôn", "hôn nhân cận huyết", "người có uy tín", "thôn đặc biệt khó khăn",
    "xã khu vực III", "di dân", "định canh định cư", "H'Mông", "Dao", "Tày", "Thái",
    "Mường", "Khơ-me", "Ê-đê", "Gia-rai", "Ba-na", "Xơ-đăng", "phổ cập giáo dục",
    "bảo hiểm y tế", "chuyển đổi số", "internet", "truyền thanh", "phát thanh",
    "hợp tác xã", "doanh nghiệp", "tín dụng chính sách", "bảo vệ rừng",
]  # fmt: skip
TITLE_WORDS = [
    "Kết quả hỗ trợ", "Tình hình thực hiện", "Vốn giải ngân", "Chỉ tiêu", "Số hộ",
    "Số người", "Công trình", "Tỷ lệ", "Mức độ hoàn thành", "Dự án",
]  # fmt: skip
SEARCH_TEXTS = ["ho ngheo", "nuoc sach", "nha o", "giai ngan", "hmong", "du lich", "tre em"]
FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="",
        help="postgres://user@host:port/NAME to run on PostgreSQL (default: a SQLite file)",
    )
    parser.add_argument("--datasets", type=int, default=5000, help="published data sets")
    parser.add_argument("--repeat", type=int, default=60, help="timed runs per query type")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if args.datasets < 200 or args.repeat < 1:
        parser.error("--datasets must be at least 200 and --repeat at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="opendata-bench-"))
    if args.database:
        if testing.vendor_of(args.database) != "postgresql":
            parser.error("--database takes a postgres:// address")
        reason = testing.postgres_unavailable(args.database)
        if reason:
            print(reason, file=sys.stderr)
            return 2
        name = args.database.rsplit("/", 1)[1] or "dantoc_bench_opendata"
        db = testing.create_database(name=name, base_url=args.database, replace=True)
    else:
        db = testing.create_database(
            workdir=workdir,
            vendor="sqlite",
            name="opendata_bench",
            base_url=f"sqlite:///{workdir}/x.sqlite3",
            replace=True,
        )
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DANTOC_MEDIA_ROOT", str(workdir / "media"))
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            testing.drop_database(db)
            shutil.rmtree(workdir, ignore_errors=True)
    result["database"] = {"vendor": db.vendor, "kept": db.name if args.keep else None}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def progress(message: str) -> None:
    print(f"[opendata {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    setup: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    setup["migrate_and_reference_data_s"] = round(time.perf_counter() - started, 1)
    progress("migrated; building the catalogue")
    started = time.perf_counter()
    counts = build(args.datasets)
    setup["catalogue_bulk_create_s"] = round(time.perf_counter() - started, 1)
    progress(f"catalogue built in {setup['catalogue_bulk_create_s']} s")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_before = os.getloadavg()[0]
    measures = measure(args)
    return {
        "benchmark": "opendata_search",
        "target": {"package_search_p95_ms": TARGET_P95_MS},
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "database": connection.vendor,
            "load_average_1min": {
                "before": round(load_before, 1),
                "after": round(os.getloadavg()[0], 1),
            },
        },
        "setup": setup,
        "catalogue": counts,
        **measures,
    }


# --- the catalogue ----------------------------------------------------------------------------


def build(published_count: int) -> dict:
    from django.utils import timezone

    from dantoc.core.text import fold
    from dantoc.geo.models import Unit, UnitLevel
    from dantoc.opendata import services
    from dantoc.opendata.models import (
        Dataset,
        DatasetState,
        FileFormat,
        Frequency,
        Keyword,
        Licence,
        Release,
        ReleaseFile,
        Theme,
    )

    rng = random.Random(1719)
    country = Unit.objects.get(code="VN")
    provinces = list(
        Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True).order_by("code")
    )
    publishers = [country, *provinces]
    extra = published_count // 20
    total = published_count + extra
    epoch = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    span = (datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC) - epoch).total_seconds()

    datasets = []
    keywords_of: list[list[str]] = []
    provinces_of: list[list[Unit]] = []
    for n in range(total):
        publisher = publishers[n % len(publishers)] if n % 7 else country
        theme = rng.choice(Theme.values)
        year = rng.randint(2021, 2026)
        words = rng.sample(KEYWORDS, rng.randint(2, 4))
        title = f"{rng.choice(TITLE_WORDS)} {words[0]} {publisher.name} năm {year}"
        if n < published_count:
            state = DatasetState.PUBLISHED
        else:
            state = DatasetState.WITHDRAWN if n % 2 else DatasetState.DRAFT
        created = epoch + datetime.timedelta(seconds=rng.random() * span * 0.8)
        dataset = Dataset(
            name=f"bo-du-lieu-{n:05d}",
            title=title,
            title_en=f"Open data set {n} ({fold(words[0])}), {year}",
            description=f"Số liệu đã duyệt về {', '.join(words)} của {publisher.name}.",
            description_en=f"Approved figures on {', '.join(fold(w) for w in words)}.",
            publisher=publisher,
            licence=rng.choice(Licence.values),
            frequency=rng.choice(Frequency.values),
            theme=theme,
            contact_name="Phòng Kế hoạch",
            contact_email="kehoach@example.gov.vn",
            indicators=["VON_KH"],
            periods=[str(year)],
            units=[publisher.code],
            temporal_start=datetime.date(year, 1, 1),
            temporal_end=datetime.date(year + rng.randint(0, 1), 12, 31),
            spatial=publisher.name,
            state=state,
            published_at=created if state != DatasetState.DRAFT else None,
        )
        dataset.search_text = services._search_text(dataset, words)
        dataset._times = (created, created + datetime.timedelta(seconds=rng.random() * 3e7))
        datasets.append(dataset)
        keywords_of.append(words)
        if publisher is country:
            provinces_of.append(rng.sample(provinces, 5))
        else:
            provinces_of.append([publisher])
    Dataset.objects.bulk_create(datasets, batch_size=1000)
    # auto_now / auto_now_add stamped "now"; spread the times as a real catalogue's are.
    for dataset in datasets:
        dataset.created_at, dataset.updated_at = dataset._times
    Dataset.objects.bulk_update(datasets, ["created_at", "updated_at"], batch_size=1000)

    Keyword.objects.bulk_create(
        [
            Keyword(dataset=d, name=w)
            for d, words in zip(datasets, keywords_of, strict=True)
            for w in words
        ],
        batch_size=5000,
    )
    through = Dataset.provinces.through
    through.objects.bulk_create(
        [through(dataset_id=d.pk, unit_id=u.pk) for d, units in zip(datasets, provinces_of, strict=True) for u in units],
        batch_size=5000,
    )  # fmt: skip
    releases = []
    for dataset in datasets:
        if dataset.state == DatasetState.DRAFT:
            continue
        for version in range(1, rng.randint(1, 3) + 1):
            releases.append(
                Release(
                    dataset=dataset,
                    version=version,
                    data_as_of=dataset.updated_at,
                    row_count=rng.randint(10, 50000),
                    suppressed_count=rng.randint(0, 20),
                    checksum=hashlib.sha256(f"{dataset.name}{version}".encode()).hexdigest(),
                )
            )
    Release.objects.bulk_create(releases, batch_size=5000)
    files = []
    for release in releases:
        name = release.dataset.name
        for fmt in FileFormat.values:
            files.append(
                ReleaseFile(
                    release=release,
                    format=fmt,
                    file=f"opendata/{name}/v{release.version}/{name}-v{release.version}.{fmt}",
                    size=rng.randint(1_000, 50_000_000),
                    sha256=hashlib.sha256(f"{name}{release.version}{fmt}".encode()).hexdigest(),
                )
            )
    ReleaseFile.objects.bulk_create(files, batch_size=5000)
    del timezone
    return {
        "published": published_count,
        "withdrawn_or_draft": extra,
        "keywords": sum(len(w) for w in keywords_of),
        "releases": len(releases),
        "release_files": len(files),
        "publishers": len(publishers),
    }


# --- measuring --------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "runs": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2),
        "max_ms": round(samples[-1], 2),
    }


def measure(args) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dantoc.opendata import selectors

    client = Client(HTTP_HOST="localhost")
    rng = random.Random(2026)
    orgs = [o.name for o in selectors.organizations()]
    total = selectors.published().count()

    def params_for(kind: str) -> dict:
        if kind == "empty_q_facets":
            return {"facet.field": FACETS}
        if kind == "free_text":
            return {"q": rng.choice(SEARCH_TEXTS), "facet.field": FACETS}
        if kind == "fq_organization":
            return {"fq": f"organization:{rng.choice(orgs[1:])}", "facet.field": FACETS}
        if kind == "negation":
            return {"fq": f'-groups:econ -tags:"{rng.choice(KEYWORDS)}"', "facet.field": FACETS}
        if kind == "date_range":
            return {
                "fq": "metadata_modified:[2025-06-01T00:00:00Z TO *] temporal_start:[* TO NOW]",
                "facet.field": FACETS,
            }
        if kind == "deep_paging":
            return {
                "start": total - rng.randint(10, 100),
                "sort": "name asc",
                "facet.field": FACETS,
            }
        if kind == "rows_100":
            return {"rows": 100, "start": rng.randint(0, 40) * 100, "facet.field": FACETS}
        raise ValueError(kind)

    def search(params: dict) -> dict:
        response = client.get("/api/3/action/package_search", params)
        assert response.status_code == 200, response.content[:300]
        return response.json()["result"]

    kinds = [
        "empty_q_facets", "free_text", "fq_organization", "negation", "date_range",
        "deep_paging", "rows_100",
    ]  # fmt: skip
    results: dict[str, dict] = {}
    for kind in kinds:
        for _ in range(WARMUP):
            search(params_for(kind))
        cold, warm, bare, counts = [], [], [], []
        for _ in range(args.repeat):
            params = params_for(kind)
            cache.clear()
            started = time.perf_counter()
            found = search(params)
            cold.append((time.perf_counter() - started) * 1000)
            counts.append(found["count"])
            started = time.perf_counter()
            search(params)
            warm.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search({**params, "facet": "false"})
            bare.append((time.perf_counter() - started) * 1000)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            search(params_for(kind))
        results[kind] = {
            "package_search_facets_computed": percentiles(cold),
            "package_search_facets_remembered": percentiles(warm),
            "without_facets": percentiles(bare),
            "queries_facets_computed": len(queries),
            "matches_median": int(statistics.median(counts)),
        }
        progress(
            f"{kind}: p95 {results[kind]['package_search_facets_computed']['p95_ms']} ms "
            f"(facets remembered {results[kind]['package_search_facets_remembered']['p95_ms']} ms)"
        )

    naive = {}
    for kind in ("free_text", "fq_organization"):
        samples = []
        for n in range(WARMUP + args.repeat):
            params = params_for(kind)
            started = time.perf_counter()
            naive_search(params)
            if n >= WARMUP:
                samples.append((time.perf_counter() - started) * 1000)
        naive[kind] = percentiles(samples)
    worst_cold = max(r["package_search_facets_computed"]["p95_ms"] for r in results.values())
    worst_warm = max(r["package_search_facets_remembered"]["p95_ms"] for r in results.values())
    return {
        "queries": results,
        "naive_python": naive,
        "worst_p95_ms": {"facets_computed": worst_cold, "facets_remembered": worst_warm},
        "target_met": {
            "facets_computed": worst_cold < TARGET_P95_MS,
            "facets_remembered": worst_warm < TARGET_P95_MS,
        },
    }


def naive_search(params: dict) -> int:
    """The baseline: every published data set read per request and filtered in Python."""
    from dantoc.core.text import fold
    from dantoc.opendata import selectors
    from dantoc.opendata.selectors import with_details

    rows = list(
        selectors.published().values_list(
            "pk", "name", "search_text", "publisher__code", "theme", "updated_at"
        )
    )
    if "q" in params:
        words = fold(params["q"]).split()
        rows = [r for r in rows if all(w in r[2] for w in words)]
    if "fq" in params:
        org = selectors.organization_get(params["fq"].split(":", 1)[1])
        rows = [r for r in rows if org and r[3] == org.unit.code]
    rows.sort(key=lambda r: (r[5], r[1]), reverse=True)
    page = [r[0] for r in rows[:10]]
    list(with_details(selectors.published().filter(pk__in=page)))
    return len(rows)


if __name__ == "__main__":
    sys.exit(main())
