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

On PostgreSQL it then runs ``VACUUM ANALYZE`` (``--no-vacuum``: ``ANALYZE`` only): the
``bulk_update`` of the times leaves a dead copy of every data set row and no page marked
all-visible, a state autovacuum does not leave a served catalogue in. ``--keep`` keeps the
database; ``--reuse`` measures again on a kept one (migrated, not rebuilt); ``--rows`` and
``--no-baseline`` measure less, for quick comparisons (``benchmark(args)`` is the run without
the printing, for ``benchmarks/headline.py``).

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


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="",
        help="postgres://user@host:port/NAME to run on PostgreSQL (default: a SQLite file)",
    )
    parser.add_argument("--datasets", type=int, default=5000, help="published data sets")
    parser.add_argument(
        "--repeat", type=int, default=60, help="timed runs per query kind, new path"
    )
    parser.add_argument(
        "--baseline-repeat", type=int, default=20, help="timed runs per query kind, baseline"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: measure on the catalogue a --keep run left in --database (migrated "
        "again, not rebuilt); implies --keep",
    )
    parser.add_argument(
        "--rows",
        type=int,
        nargs="+",
        choices=(10, 100),
        default=[10, 100],
        help="page sizes to measure (default: 10 100)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="measure the new path only (quicker)"
    )
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="PostgreSQL: ANALYZE only, measuring the catalogue as bulk-loaded (never vacuumed)",
    )
    args = parser.parse_args(argv)
    if args.reuse:
        if not args.database:
            parser.error("--reuse needs --database")
        args.keep = True
    if args.datasets < 200 or args.repeat < 1 or args.baseline_repeat < 1:
        parser.error("--datasets must be at least 200 and --repeat at least 1")
    if args.database and testing.vendor_of(args.database) != "postgresql":
        parser.error("--database takes a postgres:// address")
    return args


def main() -> int:
    args = parse_args()
    if args.database:
        reason = testing.postgres_unavailable(args.database)
        if reason:
            print(reason, file=sys.stderr)
            return 2
    result = benchmark(args)
    print(table(result), file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def benchmark(args) -> dict:
    """The whole run on a database of its own (see the module's docstring); the figures."""
    workdir = Path(tempfile.mkdtemp(prefix="opendata-bench-"))
    if args.database:
        name = args.database.rsplit("/", 1)[1] or "dantoc_bench_opendata"
        if args.reuse:
            from dantoc.core.env import database_from_url

            url = args.database
            db = testing.ThrowawayDatabase(
                "postgresql", name, url, database_from_url(url, base_dir="/")
            )
        else:
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
    return result


def progress(message: str) -> None:
    print(f"[opendata {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    setup: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    if args.reuse:
        from dantoc.opendata.models import Dataset, StoredPackage

        counts = {"datasets": Dataset.objects.count(), "reused": True}
        progress(f"migrated; reusing the catalogue ({counts['datasets']} data sets)")
        if not StoredPackage.objects.exists():
            raise SystemExit("--reuse: the database holds no catalogue (run with --keep first)")
    else:
        call_command("load_reference_data", stdout=io.StringIO())
        setup["migrate_and_reference_data_s"] = round(time.perf_counter() - started, 1)
        progress("migrated; building the catalogue")
        started = time.perf_counter()
        counts = build(args.datasets)
        setup["catalogue_bulk_create_s"] = round(time.perf_counter() - started, 1)
        progress(f"catalogue built in {setup['catalogue_bulk_create_s']} s")
        started = time.perf_counter()
        call_command("opendata_packages_write", stdout=io.StringIO())
        setup["stored_packages_write_s"] = round(time.perf_counter() - started, 1)
        progress(f"stored packages written in {setup['stored_packages_write_s']} s")
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not args.no_vacuum:
            # The bulk load's bulk_update leaves a dead copy of every data set row, and no
            # page is marked all-visible until a VACUUM: searches would read the rows behind
            # every index entry (no index-only scan) through twice the pages. A served
            # catalogue is vacuumed by autovacuum (this server may run without it).
            started = time.perf_counter()
            cursor.execute("VACUUM ANALYZE")
            setup["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
        else:
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
            "vacuumed": connection.vendor == "postgresql" and not args.no_vacuum,
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


def baseline_installed():
    """The package_search action answering through the baseline (see above), for a while."""
    import contextlib

    from dantoc.opendata import apis, ckan, selectors

    baseline_search_cached = baseline_functions()

    @contextlib.contextmanager
    def installed():
        search = selectors.packages_search
        fragment, from_document = ckan.package_fragment, ckan.package_from_document

        def baseline_search(query, remember_facets=True):
            found = baseline_search_cached(query)
            # The "packages" are the data sets themselves, shaped per request below.
            packages = [selectors.Package(d, d.publisher) for d in found.datasets]
            return selectors.PackageSearchResult(found.count, packages, found.facets)

        selectors.packages_search = baseline_search
        ckan.package_fragment = ckan.package_from_document = lambda request, dataset, _: (
            ckan.package_dict(request, dataset)
        )
        try:
            assert apis.selectors is selectors and apis.ckan is ckan
            yield
        finally:
            selectors.packages_search = search
            ckan.package_fragment, ckan.package_from_document = fragment, from_document

    return installed()


KINDS = ["empty_q_facets", "free_text", "fq_organization", "negation", "date_range", "deep_paging"]
MODES = ("facets_computed", "facets_remembered", "without_facets")


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

    def params_for(kind: str, rows: int) -> dict:
        params = {"facet.field": FACETS}
        if rows != 10:
            params["rows"] = rows
        if kind == "empty_q_facets":
            params["start"] = rng.randint(0, 40) * rows if rows != 10 else 0
        elif kind == "free_text":
            params["q"] = rng.choice(SEARCH_TEXTS)
        elif kind == "fq_organization":
            params["fq"] = f"organization:{rng.choice(orgs[1:])}"
        elif kind == "negation":
            params["fq"] = f'-groups:econ -tags:"{rng.choice(KEYWORDS)}"'
        elif kind == "date_range":
            params["fq"] = "metadata_modified:[2025-06-01T00:00:00Z TO *] temporal_start:[* TO NOW]"
        elif kind == "deep_paging":
            params["start"] = total - rng.randint(rows, 2 * rows)
            params["sort"] = "name asc"
        else:
            raise ValueError(kind)
        return params

    def search(params: dict) -> dict:
        response = client.get("/api/3/action/package_search", params)
        assert response.status_code == 200, response.content[:300]
        return response.json()["result"]

    def timed(params: dict) -> tuple[float, dict]:
        started = time.perf_counter()
        found = search(params)
        return (time.perf_counter() - started) * 1000, found

    def one_path(kind: str, rows: int, repeat: int) -> dict:
        for _ in range(WARMUP):
            search(params_for(kind, rows))
        samples: dict[str, list[float]] = {mode: [] for mode in MODES}
        counts = []
        for _ in range(repeat):
            params = params_for(kind, rows)
            cache.clear()
            elapsed, found = timed(params)
            samples["facets_computed"].append(elapsed)
            counts.append(found["count"])
            samples["facets_remembered"].append(timed(params)[0])
            samples["without_facets"].append(timed({**params, "facet": "false"})[0])
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            search(params_for(kind, rows))
        result = {mode: percentiles(samples[mode]) for mode in MODES}
        result["queries_facets_computed"] = len(queries)
        result["matches_median"] = int(statistics.median(counts))
        return result

    # Both paths give the same answers (checked here on one search of each kind).
    for kind in KINDS:
        params = params_for(kind, 10)
        new = search(params)
        with baseline_installed():
            old = search(params)
        assert new == old, f"{kind}: the stored packages differ from the baseline's"

    results: dict[str, dict] = {}
    for rows in args.rows:
        for kind in KINDS:
            name = f"{kind}_rows_{rows}"
            results[name] = {"new": one_path(kind, rows, args.repeat)}
            if args.no_baseline:
                progress(f"{name}: p95 {[results[name]['new'][m]['p95_ms'] for m in MODES]} ms")
                continue
            with baseline_installed():
                results[name]["baseline"] = one_path(kind, rows, args.baseline_repeat)
            progress(
                f"{name}: p95 facets computed {results[name]['new']['facets_computed']['p95_ms']}"
                f" ms (baseline {results[name]['baseline']['facets_computed']['p95_ms']} ms)"
            )

    naive = {}
    for kind in ("free_text", "fq_organization"):
        samples = []
        for n in range(WARMUP + args.baseline_repeat):
            params = params_for(kind, 10)
            started = time.perf_counter()
            naive_search(params)
            if n >= WARMUP:
                samples.append((time.perf_counter() - started) * 1000)
        naive[kind] = percentiles(samples)
    worst = {mode: max(r["new"][mode]["p95_ms"] for r in results.values()) for mode in MODES}
    return {
        "queries": results,
        "naive_python": naive,
        "worst_p95_ms": worst,
        "target_met": {mode: worst[mode] < TARGET_P95_MS for mode in MODES},
    }


def table(result: dict) -> str:
    """The figures side by side: p50 / p95 in ms, new path and baseline (when measured)."""
    lines = [
        f"{'query kind':28} {'mode':18} {'new p50':>8} {'new p95':>8} "
        f"{'base p50':>9} {'base p95':>9} {'queries':>8}"
    ]
    missing = {"p50_ms": math.nan, "p95_ms": math.nan}
    for name, paths in result["queries"].items():
        baseline = paths.get("baseline", {})
        for mode in MODES:
            new, old = paths["new"][mode], baseline.get(mode, missing)
            queries = ""
            if mode == "facets_computed":
                queries = (
                    f"{paths['new']['queries_facets_computed']}/"
                    f"{baseline.get('queries_facets_computed', '-')}"
                )
            lines.append(
                f"{name:28} {mode:18} {new['p50_ms']:8.1f} {new['p95_ms']:8.1f} "
                f"{old['p50_ms']:9.1f} {old['p95_ms']:9.1f} {queries:>8}"
            )
    return "\n".join(lines)


# --- the baseline: the search as it was before stored packages -------------------------------
# Copied from dantoc/opendata/selectors.py at commit 7800ded (the release this work starts
# from), unchanged but for names: the matches read with count() and prefetches
# (``with_details``: about 6 queries), the facets one grouped query per kind of facet, each
# package built per request by ``ckan.package_dict``. ``baseline_installed`` swaps it into the
# real package_search action, so that both paths are timed through the same HTTP stack.


def baseline_functions():
    """The baseline's search (``datasets_search_cached`` as it was), made once Django is set up."""
    from collections import Counter
    from dataclasses import replace

    from django.core.cache import cache
    from django.db.models import Count, QuerySet
    from django.db.models.functions import ExtractYear
    from django.utils.translation import get_language

    from dantoc.geo.models import Unit
    from dantoc.opendata.models import Dataset, FileFormat, Keyword, Licence
    from dantoc.opendata.selectors import (
        FACET_FIELDS,
        FACETS_TTL,
        SORT_COLUMNS,
        FacetItem,
        SearchError,
        SearchQuery,
        SearchResult,
        _condition_q,
        _text_q,
        catalogue_version,
        group_name,
        group_title,
        organization_of,
        published,
        with_details,
    )  # fmt: skip

    def baseline_datasets_search(query: SearchQuery) -> SearchResult:
        """Published data sets matching the query: one page of them, the total and the facets."""
        qs = published()
        if query.text.strip():
            qs = qs.filter(_text_q(query.text))
        for cond in query.conditions:
            q = _condition_q(cond)
            qs = qs.exclude(q) if cond.negate else qs.filter(q)
        order: list[str] = []
        for name, descending in query.sort or [("score", True), ("metadata_modified", True)]:
            if name == "score":
                # No relevance ranking beyond matching every word: newest first among matches.
                continue
            column = SORT_COLUMNS.get(name)
            if column is None:
                raise SearchError(f"Không sắp xếp được theo “{name}”.")
            order.append(f"-{column}" if descending else column)
        order += ["-updated_at", "name"]
        count = qs.count()
        page = (
            list(with_details(qs.order_by(*order))[query.start : query.start + query.rows])
            if query.rows
            else []
        )
        facets = baseline_facets(qs, list(query.facet_fields), count, query.facet_limit)
        return SearchResult(count=count, datasets=page, facets=facets)

    def baseline_facets(qs: QuerySet[Dataset], names: list[str], count: int, limit: int) -> dict:
        """Facet counts of the matching data sets, in as few queries as the names need."""
        for name in names:
            if name not in FACET_FIELDS:
                raise SearchError(
                    f"Không có nhóm “{name}”. Các nhóm dùng được: " + ", ".join(FACET_FIELDS) + "."
                )
        facets: dict[str, list[FacetItem]] = {}
        ids = qs.order_by().values("pk")
        if {"organization", "groups", "license_id"} & set(names):
            # One grouped read serves the three facets of the data set's own columns.
            by_publisher: Counter[int] = Counter()
            by_theme: Counter[str] = Counter()
            by_licence: Counter[str] = Counter()
            grouped = (
                qs.order_by()
                .values_list("publisher_id", "theme", "licence")
                .annotate(n=Count("pk"))
            )
            for publisher, theme, licence, n in grouped:
                by_publisher[publisher] += n
                by_theme[theme] += n
                by_licence[licence] += n
            if "organization" in names:
                items = []
                for unit in Unit.objects.filter(pk__in=list(by_publisher)):
                    org = organization_of(unit)
                    items.append(FacetItem(org.name, org.display_name, by_publisher[unit.pk]))
                facets["organization"] = items
            if "groups" in names:
                facets["groups"] = [
                    FacetItem(group_name(t), group_title(t), n) for t, n in by_theme.items()
                ]
            if "license_id" in names:
                facets["license_id"] = [
                    FacetItem(lic, str(Licence(lic).label), n) for lic, n in by_licence.items()
                ]
        if "tags" in names:
            tags = (
                Keyword.objects.filter(dataset__in=ids)
                .order_by()
                .values_list("name")
                .annotate(n=Count("pk"))
            )
            facets["tags"] = [FacetItem(tag, tag, n) for tag, n in tags]
        if "res_format" in names:
            # Every published data set has a release in the three formats (see _condition_q).
            facets["res_format"] = (
                [FacetItem(f.upper(), f.upper(), count) for f in FileFormat.values] if count else []
            )
        if "province" in names:
            provinces = (
                Dataset.provinces.through.objects.filter(dataset__in=ids)
                .order_by()
                .values_list("unit__code", "unit__name")
                .annotate(n=Count("dataset", distinct=True))
            )
            facets["province"] = [FacetItem(code, name, n) for code, name, n in provinces]
        if "year" in names:
            years: Counter[int] = Counter()
            spans = (
                qs.order_by()
                .filter(temporal_start__isnull=False, temporal_end__isnull=False)
                .values_list(ExtractYear("temporal_start"), ExtractYear("temporal_end"))
                .annotate(n=Count("pk"))
            )
            for start, end, n in spans:
                for year in range(start, end + 1):
                    years[year] += n
            facets["year"] = [FacetItem(str(y), str(y), n) for y, n in years.items()]
        for name, items in facets.items():
            items.sort(key=lambda i: (-i.count, i.name))
            facets[name] = items[:limit]
        return {name: facets[name] for name in names}

    def baseline_datasets_search_cached(query: SearchQuery) -> SearchResult:
        """``datasets_search``, with the facet counts (most of a search's cost over thousands of
        data sets) kept for the same search until the catalogue changes (or 5 minutes pass:
        publishers' names come from the units). The page of results is always read fresh."""
        if not query.facet_fields:
            return baseline_datasets_search(query)
        found = baseline_datasets_search(replace(query, facet_fields=[]))
        key_parts = (
            catalogue_version(),
            get_language(),
            query.text,
            [repr(c) for c in query.conditions],
            sorted(query.facet_fields),
            query.facet_limit,
        )
        key = "opendata:baseline-facets:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
        facets = cache.get(key)
        if facets is None:
            facets = baseline_datasets_search(
                replace(query, rows=0, start=0, sort=[("name", False)])
            ).facets
            cache.set(key, facets, FACETS_TTL)
        return SearchResult(count=found.count, datasets=found.datasets, facets=facets)

    return baseline_datasets_search_cached


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
