"""Search over 50,000 heritage items: the archive's list page with a free-text query, through
Django's test client (routing, middleware, the protocol selector, the template, thumbnails),
through the word index (``HeritageWord``), beside the search it replaced (a regular expression
over every visible item's folded text, query and count only) and a naive search (every item
read and filtered in Python, protocols checked per item).

Target (issue 24): search over 50,000 items p95 ≤ 50 ms server time. The list page browsed
without words (first page, filters, page 40) is timed too: it counted every visible item before.

    .venv/bin/python benchmarks/heritage_search.py                 # SQLite (a temporary file)
    .venv/bin/python benchmarks/heritage_search.py --database postgres://postgres@127.0.0.1:5432/dantoc_bench_heritage

The script makes its own database (dropped at the end), migrates it, loads the reference
data, then writes ``--items`` items directly with ``bulk_create`` (search text made by the
service's own ``_search_text``; 90 % under an open protocol, 10 % community-only; one to two
ethnic groups each), all published. Then ``--repeat`` timed GETs per query after warm-up.
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
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

from dantoc.core import testing  # noqa: E402

TARGET_P95_MS = 50
# Browsing without words: the first page, a filter, a page far down the list.
BROWSE = [{}, {"dt": "08"}, {"kind": "ritual"}, {"mua": "spring"}, {"trang": "40"}]
QUERIES = ["gau tao", "le hoi", "hat then", "khen mong", "cap sac", "dan ca", "long tong"]
TITLES = [
    "Lễ hội Gầu Tào", "Lễ cấp sắc", "Hát Then", "Khèn Mông", "Lễ hội Lồng Tồng", "Dân ca Thái",
    "Múa xòe", "Lễ cúng rừng", "Chợ phiên", "Dệt thổ cẩm", "Truyện cổ tích", "Đàn tính",
]  # fmt: skip


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="", help="postgres://… (default: SQLite)")
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--baseline-repeat", type=int, default=5)
    return parser.parse_args(argv)


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(times):
    return {
        "runs": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
    }


def load(count: int) -> None:
    from django.utils import timezone

    from dantoc.geo.models import EthnicGroup, Unit
    from dantoc.heritage.models import HeritageItem, HeritageWord, ItemKind, Protocol
    from dantoc.heritage.services import _search_text, item_word_weights

    rng = random.Random(24)
    open_p = Protocol.objects.create(slug="mo", name="Mở", kind="open")
    closed = Protocol.objects.create(slug="kin", name="Cộng đồng", kind="community")
    groups = list(EthnicGroup.objects.all())
    provinces = list(Unit.objects.filter(level="province", valid_to__isnull=True))
    kinds = [k for k, _l in ItemKind.choices]
    now = timezone.now()
    batch = []
    chosen_groups = []
    chosen_protocols = []
    for n in range(count):
        province = rng.choice(provinces)
        picked = rng.sample(groups, rng.choice((1, 2)))
        item = HeritageItem(
            unit=province,
            province=province,
            kind=rng.choice(kinds),
            title=f"{rng.choice(TITLES)} {n}",
            description=f"{rng.choice(TITLES)} của người {picked[0].name} ở {province.name}.",
            status="published",
            published_at=now,
            first_published_at=now,
            updated_at=now,
        )
        item.search_text = _search_text(item, picked)
        chosen_protocol = closed if rng.random() < 0.1 else open_p
        item.protocol_ids = f",{chosen_protocol.pk},"  # as services.item_protocols_set keeps it
        batch.append(item)
        chosen_protocols.append(chosen_protocol)
        chosen_groups.append(picked)
    HeritageItem.objects.bulk_create(batch, batch_size=2000)
    ids = list(HeritageItem.objects.order_by("id").values_list("id", flat=True))
    through_p = HeritageItem.protocols.through
    through_g = HeritageItem.ethnic_groups.through
    through_p.objects.bulk_create(
        [
            through_p(heritageitem_id=i, protocol_id=p.pk)
            for i, p in zip(ids, chosen_protocols, strict=True)
        ],
        batch_size=5000,
    )
    through_g.objects.bulk_create(
        [
            through_g(heritageitem_id=i, ethnicgroup_id=g.pk)
            for i, gs in zip(ids, chosen_groups, strict=True)
            for g in gs
        ],
        batch_size=5000,
    )
    # The word index, as services.item_words_write makes it for each saved item.
    words = []
    for pk, item in zip(ids, batch, strict=True):
        words += [
            HeritageWord(word=w, item_id=pk, weight=weight)
            for w, weight in item_word_weights(item.title, item.search_text).items()
        ]
        if len(words) > 20_000:
            HeritageWord.objects.bulk_create(words, batch_size=5000)
            words = []
    HeritageWord.objects.bulk_create(words, batch_size=5000)


def naive(q: str) -> int:
    """Every item read; protocols, publication and words checked in Python."""
    from django.utils import timezone

    from dantoc.core.text import search_words
    from dantoc.heritage.models import HeritageItem

    words = search_words(q)
    now = timezone.now()
    found = []
    for item in HeritageItem.objects.prefetch_related("protocols").order_by("-published_at", "-id"):
        if item.status != "published" or not item.published_at or item.published_at > now:
            continue
        if not any(p.kind == "open" for p in item.protocols.all()):
            continue
        syllables = set(item.search_text.split())
        if all(w in syllables for w in words):
            found.append(item)
    return len(found[:20])


def regex_scan(q: str) -> int:
    """The archive's search before the word index: a whole-syllable regular expression per
    word over every visible item's folded text (``core.text.words_q``), newest first."""
    from django.contrib.auth.models import AnonymousUser

    from dantoc.core.text import words_q
    from dantoc.heritage.selectors import items_visible

    found = items_visible(AnonymousUser()).filter(words_q(q)).order_by("-published_at", "-id")
    page = list(found[:20])
    found.count()  # the list page says how many
    return len(page)


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_reference_data", stdout=io.StringIO())
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)  # the pages read hashed files
    started = time.perf_counter()
    load(args.items)
    loaded = time.perf_counter() - started
    if "postgres" in os.environ["DATABASE_URL"]:
        from django.db import connection

        with connection.cursor() as cursor:
            # What autovacuum does within a minute of a bulk load in production: statistics,
            # and the visibility map that lets the word index answer by index-only scans
            # (without it each posting read visits the table: 226 ms for one capped count).
            cursor.execute("VACUUM ANALYZE")
    client = Client(HTTP_HOST="localhost")
    for q in QUERIES[:3]:
        client.get("/di-san/", {"q": q})
    for params in BROWSE:  # warm-up (and the filters' five-minute cache)
        client.get("/di-san/", params)
    new_times = []
    for n in range(args.repeat):
        q = QUERIES[n % len(QUERIES)]
        t0 = time.perf_counter()
        response = client.get("/di-san/", {"q": q})
        new_times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    browse_times = []
    for n in range(args.repeat):
        params = BROWSE[n % len(BROWSE)]
        t0 = time.perf_counter()
        response = client.get("/di-san/", params)
        browse_times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (response.status_code, response.content[:300])
    regex_times = []
    for n in range(args.baseline_repeat):
        t0 = time.perf_counter()
        regex_scan(QUERIES[n % len(QUERIES)])
        regex_times.append((time.perf_counter() - t0) * 1000)
    base_times = []
    for n in range(args.baseline_repeat):
        t0 = time.perf_counter()
        naive(QUERIES[n % len(QUERIES)])
        base_times.append((time.perf_counter() - t0) * 1000)
    return {
        "items": args.items,
        "load_seconds": round(loaded, 1),
        "list_page_with_q": summary(new_times),
        "list_page_browse_without_q": summary(browse_times),
        "previous_regex_scan_query_only": summary(regex_times),
        "naive_python": summary(base_times),
        "target_p95_ms": TARGET_P95_MS,
        "load_average": os.getloadavg(),
    }


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="heritage-bench-"))
    if args.database:
        db = testing.create_database(
            name=args.database.rsplit("/", 1)[1], base_url=args.database, replace=True
        )
    else:
        db = testing.create_database(
            workdir=workdir, vendor="sqlite", name="heritage_bench",
            base_url=f"sqlite:///{workdir}/x.sqlite3", replace=True,
        )  # fmt: skip
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DANTOC_MEDIA_ROOT", str(workdir / "media"))
    try:
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        testing.drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)
    result["database"] = db.vendor
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
